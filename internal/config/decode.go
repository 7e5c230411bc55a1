package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var durationType = reflect.TypeFor[time.Duration]()

// decode stores the value of n in v. path is the key path of v, label how
// messages name it ("fetch.timeout", `source "libya-herald": url`).
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path, label string) {
	n, leave, ok := d.enter(n, path, label)
	if !ok {
		return
	}
	defer leave()
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with no value keeps the default
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		if err := u.UnmarshalYAML(n); err != nil {
			d.failValue(n.Line, path, "%s: %v", label, err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, v, path, label)
	case reflect.Slice:
		d.sequence(n, v, path, label)
	default:
		if err := scalar(n, v); err != nil {
			d.failValue(n.Line, path, "%s: %v", label, err)
		}
	}
}

// scalar stores the scalar n in v, a duration, a number, a bool or a
// string. Its error says what was wanted: "want a whole number, not a list".
func scalar(n *yaml.Node, v reflect.Value) error {
	if n.Kind != yaml.ScalarNode {
		return wrongValue(n, v)
	}
	switch {
	case v.Type() == durationType:
		dur, err := parseDuration(n.Value)
		if err != nil {
			return err
		}
		v.SetInt(int64(dur))
	case v.Kind() == reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			return wrongValue(n, v)
		}
		v.SetInt(int64(i))
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return wrongValue(n, v)
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Bool:
		var b bool
		if n.Decode(&b) != nil {
			return wrongValue(n, v)
		}
		v.SetBool(b)
	case v.Kind() == reflect.String:
		v.SetString(n.Value)
	default:
		panic("config: no decoder for " + v.Type().String())
	}
	return nil
}

// wrongValue says that n is not a value of v's type.
func wrongValue(n *yaml.Node, v reflect.Value) error {
	want := "a single value"
	switch {
	case v.Type() == durationType:
		want = "a duration such as 30s"
	case v.Kind() == reflect.Int:
		want = "a whole number"
	case v.Kind() == reflect.Float64:
		want = "a number such as 0.6"
	case v.Kind() == reflect.Bool:
		want = "true or false"
	}
	return fmt.Errorf("want %s, not %s", want, describe(n))
}

// mapping decodes the keys of n into the fields of struct v, reporting keys
// the struct has no yaml tag for. Keys brought in by "<<: *anchor" come
// first so that the mapping's own keys override them.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path, label string) {
	names, fields := yamlFields(v.Type())
	if n.Kind != yaml.MappingNode {
		d.failValue(n.Line, path, "%s: want keys and values here (%s), not %s", orTop(label), strings.Join(names, ", "), describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Tag == "!!merge" {
			d.merge(n.Content[i+1], v, path, label)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue
		}
		if !d.expand() {
			return
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k.Line, "%s: a key must be a plain name such as %s", orTop(label), names[0])
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k.Line, "%s: key %q is already set at line %d; keep one", orTop(label), k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			where := "at the top level"
			if label != "" {
				where = "in " + label
			}
			d.fail(k.Line, "unknown key %q %s (known: %s)", k.Value, where, strings.Join(names, ", "))
			continue
		}
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		d.pos.lines[p] = k.Line
		d.decode(val, v.Field(f), p, fieldLabel(label, k.Value))
	}
}

// enter follows aliases to the node they name, counts it against the
// budget (see expand) and marks it as being decoded; leave undoes that. It
// reports false for a node past the budget, or one that is already being
// decoded: YAML lets an anchored value contain an alias to itself, which
// would never end.
func (d *decoder) enter(n *yaml.Node, path, label string) (_ *yaml.Node, leave func(), ok bool) {
	line := n.Line
	outermost := false
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
		if d.aliasLine == 0 {
			d.aliasLine, outermost = line, true
		}
	}
	left := func() {
		if outermost {
			d.aliasLine = 0
		}
	}
	if !d.expand() {
		left()
		return n, nil, false
	}
	if d.inside[n] {
		d.failValue(line, path, "%s: this alias refers to a value that contains it", orTop(label))
		left()
		return n, nil, false
	}
	if d.inside == nil {
		d.inside = map[*yaml.Node]bool{}
	}
	d.inside[n] = true
	return n, func() { delete(d.inside, n); left() }, true
}

// merge decodes the mappings named by a "<<" key into v.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path, label string) {
	n, leave, ok := d.enter(n, path, label)
	if !ok {
		return
	}
	defer leave()
	if n.Kind == yaml.SequenceNode {
		for i := len(n.Content) - 1; i >= 0; i-- { // earlier anchors win, as in YAML
			d.merge(n.Content[i], v, path, label)
		}
		return
	}
	d.mapping(n, v, path, label)
}

// sequence decodes the items of n into slice v.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path, label string) {
	elem := v.Type().Elem()
	if n.Kind != yaml.SequenceNode {
		if elem.Kind() == reflect.Struct {
			names, _ := yamlFields(elem)
			d.failValue(n.Line, path, "%s: want a list of entries, each starting with \"- %s:\", not %s", label, names[0], describe(n))
		} else if n.Kind == yaml.ScalarNode {
			d.failValue(n.Line, path, "%s: want a list: write [%s]", label, n.Value)
		} else {
			d.failValue(n.Line, path, "%s: want a list such as [a, b], not %s", label, describe(n))
		}
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, item := range n.Content {
		p := pathOf(path, i)
		d.pos.lines[p] = item.Line
		e := reflect.New(elem).Elem()
		d.decode(item, e, p, itemLabel(elem, item, i, label))
		out = reflect.Append(out, e)
	}
	v.Set(out)
}

var (
	sourceType = reflect.TypeFor[Source]()
	ruleType   = reflect.TypeFor[TagRule]()
	entityType = reflect.TypeFor[Entity]()
)

// itemLabel names the i-th item of a list in messages: a source or rule by
// its name or slug when it has one, by its position otherwise.
func itemLabel(elem reflect.Type, n *yaml.Node, i int, list string) string {
	switch elem {
	case sourceType:
		return entryLabel("source", lookup(n, "name"), i)
	case ruleType:
		return entryLabel("tag", lookup(n, "slug"), i)
	case entityType: // within its rule's label: tag "oil-fields": entity "sharara"
		return strings.TrimSuffix(list, "entities") + entryLabel("entity", lookup(n, "name"), i)
	}
	return fmt.Sprintf("%s entry %d", list, i+1)
}

func entryLabel(noun, name string, i int) string {
	if name != "" {
		return fmt.Sprintf("%s %q", noun, name)
	}
	return fmt.Sprintf("%s %d", noun, i+1)
}

// lookup returns the scalar value of key in mapping n, or "".
func lookup(n *yaml.Node, key string) string {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// fieldLabel names key inside label: "fetch.timeout" in a section,
// `source "x": url` in a list entry.
func fieldLabel(label, key string) string {
	switch {
	case label == "":
		return key
	case strings.ContainsAny(label, ` "`):
		return label + ": " + key
	}
	return label + "." + key
}

func orTop(label string) string {
	if label == "" {
		return "the top level"
	}
	return label
}

// describe says what kind of value n is, for "want X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "keys and values"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// yamlFields returns the yaml keys of struct t in order and the field index
// of each.
func yamlFields(t reflect.Type) ([]string, map[string]int) {
	var names []string
	fields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		names = append(names, name)
		fields[name] = i
	}
	return names, fields
}

// parseDuration is time.ParseDuration with messages that say what to write.
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return 0, fmt.Errorf("%d has no unit: write %ds, %dm or %dh", n, n, n, n)
	}
	if days, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") {
		return 0, fmt.Errorf("%q: durations have no days: write %dh", s, days*24)
	}
	return 0, fmt.Errorf("%q is not a duration: write a number and a unit (s, m or h), such as 30s, 15m or 2160h", s)
}
