package config

import (
	"reflect"
	"strings"
)

// applyEnv applies PIIRI_<SECTION>_<KEY> overrides from env (in the
// os.Environ "NAME=value" form) to cfg, recording which variable set each
// key in from. Lists are comma-separated.
//
// A variable that merely looks like ours (any case of the PIIRI_ prefix) but
// matches no key is an error: a misspelt override that is silently ignored
// is how a server ends up running without the key its operator set.
func applyEnv(env []string, cfg *Config, from origins) Errors {
	all := leaves()
	byName := make(map[string]leaf, len(all))
	names := make([]string, 0, len(all))
	for _, l := range all {
		byName[l.env] = l
		names = append(names, l.env)
	}
	v := reflect.ValueOf(cfg).Elem()
	def := reflect.ValueOf(Default())
	var probs Errors
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(name) < len(envPrefix) || !strings.EqualFold(name[:len(envPrefix)], envPrefix) {
			continue
		}
		l, ok := byName[name]
		if !ok {
			msg := "unknown environment variable; piiri reads PIIRI_<SECTION>_<KEY> for keys of the config file, such as PIIRI_SERVER_LISTEN, so rename or unset it"
			if s := suggest(name, names); s != "" {
				msg = "unknown environment variable (did you mean " + s + "?)"
			}
			probs = append(probs, Problem{Key: keyName(name), Message: msg})
			continue
		}
		if err := setText(v.FieldByIndex(l.index), def.FieldByIndex(l.index), value); err != nil {
			probs = append(probs, Problem{Key: name, Message: err.Error() + " (overrides " + l.key + ")"})
			continue
		}
		from[l.key] = origin{env: name}
	}
	return probs
}
