package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// maxSecretBytes bounds a secret file: keys are tens of characters, so a
// larger file is the wrong file.
const maxSecretBytes = 4096

// secretFile is a key whose value may instead be read from a file, so that
// secrets need not sit in the config file or the environment: a systemd
// credential ($CREDENTIALS_DIRECTORY, see scripts/piiri.service) is the
// intended source.
type secretFile struct {
	key, fileKey string
	value, path  *string
}

// readSecrets replaces each secret's value by the contents of its file, when
// one is named. The value is never quoted in a problem: messages end up in
// logs.
func readSecrets(c *Config, file string, from origins) Errors {
	var probs Errors
	for _, s := range []secretFile{
		{"rooms.key", "rooms.key_file", &c.Rooms.Key, &c.Rooms.KeyFile},
		{"turn.secret", "turn.secret_file", &c.TURN.Secret, &c.TURN.SecretFile},
		{"admin.token", "admin.token_file", &c.Admin.Token, &c.Admin.TokenFile},
		{"mail.password", "mail.password_file", &c.Mail.Password, &c.Mail.PasswordFile},
	} {
		if *s.path == "" {
			continue
		}
		ch := &checker{file: file, from: from}
		if *s.value != "" {
			ch.add(s.fileKey, "is set together with %s; set one of them: the file for a secret kept out of the config, or the value itself", s.key)
			probs = append(probs, ch.probs...)
			continue
		}
		v, err := readSecret(*s.path)
		if err != nil {
			ch.add(s.fileKey, "%v", err)
			probs = append(probs, ch.probs...)
			continue
		}
		*s.value = v
		// Problems with the value (too short, ...) point at the file.
		from[s.key] = origin{env: "the file " + *s.path + " (" + s.fileKey + ")"}
	}
	return probs
}

// readSecret returns the contents of the file at path without the line
// break editors and `echo` leave at its end.
func readSecret(path string) (string, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s does not exist; give the path of a file holding the secret, such as a systemd credential (%%d/NAME in the unit)", quote(path))
	case err != nil:
		return "", fmt.Errorf("cannot read %s: %w; give a file the piiri user may read", quote(path), err)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s is not a regular file; give the path of a file holding the secret", quote(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w; give a file the piiri user may read", quote(path), err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", quote(path), err)
	}
	if len(data) > maxSecretBytes {
		return "", fmt.Errorf("%s is larger than %d bytes, too large for a secret; check the path", quote(path), maxSecretBytes)
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	if s == "" {
		return "", fmt.Errorf("%s is empty; write the secret into it, such as the output of: openssl rand -base64 24", quote(path))
	}
	return s, nil
}
