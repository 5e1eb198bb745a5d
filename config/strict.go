package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The file is decoded into a yaml.Node tree and walked against Config's yaml
// tags by hand instead of using yaml.Decoder.KnownFields: that stops at the
// first problem and does not catch duplicate keys, while an operator wants
// every unknown key, type error and duplicate in one run, each with its line.

// fileDecoder walks a YAML document into a Config, collecting problems.
type fileDecoder struct {
	file  string
	from  origins
	probs Errors
	all   []leaf // every key, for "did you mean" across sections
}

// decodeFile applies the YAML document in data to cfg and records the line
// of every key it sets in from.
func decodeFile(data []byte, file string, cfg *Config, from origins) Errors {
	d := &fileDecoder{file: file, from: from, all: leaves()}
	root, err := parseYAML(data)
	if err != nil {
		d.problem("", syntaxLine(err), "%s", syntaxMessage(err))
		return d.probs
	}
	if root == nil {
		return nil // empty file: all defaults
	}
	def := Default()
	d.section(root, reflect.ValueOf(cfg).Elem(), reflect.ValueOf(def), "")
	return d.probs
}

// parseYAML returns the single document's root node, or nil for a file with
// no content.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	// The YAML library reports bad input as errors, but it is third-party
	// code fed arbitrary bytes; a panic there must not take down a server
	// whose only mistake is a broken config file.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: cannot parse the file (%v); check its syntax", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: the file holds more than one YAML document (separated by ---); piiri reads one, so merge them", extra.Line)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root = resolve(doc.Content[0])
	if isNull(root) {
		return nil, nil
	}
	return root, nil
}

var syntaxLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxLine and syntaxMessage split the YAML library's "yaml: line N: msg"
// so syntax errors are formatted like every other problem.
func syntaxLine(err error) int {
	m := syntaxLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func syntaxMessage(err error) string {
	msg := syntaxLineRE.ReplaceAllString(err.Error(), "")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return "invalid YAML: " + msg
}

// problem records a problem with the file.
func (d *fileDecoder) problem(key string, line int, format string, args ...any) {
	d.probs = append(d.probs, Problem{Key: key, File: d.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// section applies mapping node n to the struct v, whose defaults are in def.
func (d *fileDecoder) section(n *yaml.Node, v, def reflect.Value, prefix string) {
	n = resolve(n)
	if isNull(n) {
		return // "server:" with nothing under it keeps the defaults
	}
	if n.Kind != yaml.MappingNode {
		if prefix == "" {
			d.problem("", n.Line, "the file must be a mapping of sections (server:, rooms:, ...), not %s", describe(n))
		} else {
			d.problem(prefix, n.Line, "must be a section of keys (%s), not %s", strings.Join(fieldNames(v.Type()), ", "), describe(n))
		}
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := resolve(n.Content[i]), n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			d.problem(prefix, kn.Line, "keys must be plain names, not %s", describe(kn))
			continue
		}
		name := kn.Value
		full := join(prefix, keyName(name))
		if kn.ShortTag() == "!!merge" {
			d.problem(prefix, kn.Line, "merge keys (<<) are not supported; write the keys out in full")
			continue
		}
		if first, dup := seen[name]; dup {
			d.problem(full, kn.Line, "duplicate key (first set on line %d); remove one of them", first)
			continue
		}
		seen[name] = kn.Line
		fi, ok := fieldByName(v.Type(), name)
		if !ok {
			d.problem(full, kn.Line, "unknown key%s", d.unknownHint(v.Type(), prefix, name))
			continue
		}
		fv, fdef := v.Field(fi), def.Field(fi)
		if fv.Kind() == reflect.Struct {
			d.section(vn, fv, fdef, full)
		} else {
			d.leaf(vn, fv, fdef, full, kn.Line)
		}
	}
}

// leaf applies the value node n to the field v.
func (d *fileDecoder) leaf(n *yaml.Node, v, def reflect.Value, key string, line int) {
	n = resolve(n)
	if isNull(n) {
		return // "key:" with no value keeps the default
	}
	if v.Kind() == reflect.Slice {
		if n.Kind != yaml.SequenceNode {
			d.problem(key, n.Line, "must be a list, not %s; write it as [a, b] or with one \"- item\" per line", describe(n))
			return
		}
		var items []string // nil when empty, as from the environment
		ok := true
		for i, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				d.problem(key, item.Line, "item %d must be a single value, not %s", i+1, describe(item))
				ok = false
				continue
			}
			items = append(items, item.Value)
		}
		if ok {
			v.Set(reflect.ValueOf(items))
			d.from[key] = origin{line: line}
		}
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.problem(key, n.Line, "must be a single value, not %s", describe(n))
		return
	}
	// Scalars are read from their literal text rather than YAML's resolved
	// type, so "0x10" or "1_000" are not silently reinterpreted and quoting
	// a number is harmless.
	if err := setText(v, def, n.Value); err != nil {
		d.problem(key, n.Line, "%s", err.Error())
		return
	}
	d.from[key] = origin{line: line}
}

// unknownHint suggests what an unknown key was meant to be: a near miss in
// the same section, the same key in another section, or the valid keys.
func (d *fileDecoder) unknownHint(t reflect.Type, prefix, name string) string {
	names := fieldNames(t)
	if s := suggest(name, names); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	var elsewhere []string
	for _, l := range d.all {
		if l.key != join(prefix, name) && strings.EqualFold(l.key[strings.LastIndex(l.key, ".")+1:], name) {
			elsewhere = append(elsewhere, strconv.Quote(l.key))
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf(" (did you mean %s? keys belong under their section)", strings.Join(elsewhere, " or "))
	}
	where := "in " + prefix
	if prefix == "" {
		where = "at the top level"
	}
	return fmt.Sprintf("; valid keys %s are %s", where, strings.Join(names, ", "))
}

// fieldByName returns the index of the field of struct t read from key name.
func fieldByName(t reflect.Type, name string) (int, bool) {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return i, true
		}
	}
	return 0, false
}

// fieldNames lists the keys of struct t in declaration order.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// resolve follows aliases (*name) to the anchored node. The walk is driven
// by Config's fixed shape, so even a self-referencing alias cannot make it
// recurse without end.
func resolve(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			break
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of a node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return "the value " + quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "an empty document"
	}
}
