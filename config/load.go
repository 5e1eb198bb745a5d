package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxFileBytes bounds how much of the config file is read, so a path that
// points at the wrong thing (a log, /dev/zero) fails fast instead of eating
// memory. Real config files are a few kilobytes.
const maxFileBytes = 1 << 20

// Load reads the YAML file at path (no file when path is ""), applies the
// PIIRI_* overrides from env (pass os.Environ()), reads the secrets kept in
// files (rooms.key_file, turn.secret_file), derives the values that
// default from others, and validates the result. Configuration problems are
// returned together as Errors; failing to read the file is returned wrapped
// with its path, so errors.Is(err, fs.ErrNotExist) works.
func Load(path string, env []string) (Config, error) {
	if path == "" {
		return Parse(nil, "", env)
	}
	data, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(data, path, env)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: reading config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: read config file %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("config: config file %s is larger than %d bytes; check that the path points at the piiri YAML config", path, maxFileBytes)
	}
	return data, nil
}

// Parse is Load for a file already in memory; filename is used only in
// messages and may be "". Empty data means defaults. On error the returned
// Config is the zero value, so a half-applied config cannot be used by
// mistake.
func Parse(data []byte, filename string, env []string) (Config, error) {
	cfg := Default()
	from := origins{}
	var probs Errors
	probs = append(probs, decodeFile(data, filename, &cfg, from)...)
	probs = append(probs, applyEnv(env, &cfg, from)...)
	probs = append(probs, readSecrets(&cfg, filename, from)...)
	probs = append(probs, validate(&cfg, filename, from)...)
	if len(probs) > 0 {
		// Read top to bottom like the file; problems with no line (from
		// the environment or missing keys) follow.
		slices.SortStableFunc(probs, func(a, b Problem) int {
			return cmp.Compare(sortLine(a), sortLine(b))
		})
		return Config{}, probs
	}
	derive(&cfg)
	return cfg, nil
}

// sortLine orders problems by file line, those without a line last.
func sortLine(p Problem) int {
	if p.Line == 0 {
		return math.MaxInt
	}
	return p.Line
}

// origin records where a key's final value came from, so validation messages
// can point at the file line or the environment variable to change.
type origin struct {
	line int    // line in the file, when env is ""
	env  string // environment variable that set the value
}

// origins maps dotted keys to the origin of their value. Keys still at their
// default are absent.
type origins map[string]origin

// derive fills the values that default from others. It runs after
// validation, so Server.Listen is known to split.
func derive(c *Config) {
	host, _, err := net.SplitHostPort(c.Server.Listen)
	if err != nil {
		return
	}
	if c.TURN.UDPListen == "" {
		// As for media: an ephemeral port on loopback, where several
		// dev servers or tests may run side by side; else the standard
		// TURN port.
		if isLoopbackHost(host) {
			c.TURN.UDPListen = net.JoinHostPort(host, "0")
		} else {
			c.TURN.UDPListen = net.JoinHostPort(host, "3478")
		}
	}
	if c.Media.UDPListen == "" {
		// On loopback the server is a dev instance, so an ephemeral port
		// avoids clashes; otherwise 443/udp is the port most likely to be
		// open through restrictive firewalls.
		if isLoopbackHost(host) {
			c.Media.UDPListen = net.JoinHostPort(host, "0")
		} else {
			c.Media.UDPListen = ":443"
		}
	}
}

// urlHost turns a listen host into one a browser can use: "all interfaces"
// is not an address you can connect to, so it becomes localhost, and IPv6
// zones are meaningless to a browser.
func urlHost(host string) string {
	if host == "" {
		return "localhost"
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.IsUnspecified() {
			return "localhost"
		}
		return ip.WithZone("").String()
	}
	return host
}

// leaf is one settable key of Config: a field that is not a section.
type leaf struct {
	key   string // dotted YAML key, "rooms.max_participants"
	env   string // environment variable, "PIIRI_ROOMS_MAX_PARTICIPANTS"
	index []int  // field index path from Config
}

// envPrefix starts every environment variable piiri reads.
const envPrefix = "PIIRI_"

// leaves lists every key of Config by walking its yaml tags, so key names,
// environment names and the example test cannot drift from the struct.
func leaves() []leaf {
	var out []leaf
	var walk func(t reflect.Type, key string, index []int)
	walk = func(t reflect.Type, key string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			k := name
			if key != "" {
				k = key + "." + name
			}
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, k, idx)
				continue
			}
			env := envPrefix + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
			out = append(out, leaf{key: k, env: env, index: idx})
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return out
}

// yamlName is the key a struct field is read from, or "" for fields that
// are not part of the file.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if !f.IsExported() || name == "-" {
		return ""
	}
	return name
}

var durationType = reflect.TypeFor[time.Duration]()

// setText parses text into the leaf field v. def is the field's default,
// used to show a correct example in the message. The file and the
// environment both go through here so a value means the same in either.
func setText(v, def reflect.Value, text string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("%s is not a duration; write a number with a unit, such as %q", quote(text), time.Duration(def.Int()).String())
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(text)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("%s is not true or false", quote(text))
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return fmt.Errorf("%s is not an integer; write a whole number, such as %d", quote(text), def.Int())
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return fmt.Errorf("%s is not a number; write a number, such as %s", quote(text), strconv.FormatFloat(def.Float(), 'g', -1, 64))
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		// Only the environment gets here; the file uses YAML lists.
		var items []string
		for item := range strings.SplitSeq(text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		// A new field type was added without teaching setText about it.
		return errors.New("has a type the config loader does not support; this is a bug in piiri")
	}
	return nil
}
