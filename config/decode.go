package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree, filling a Config and collecting every
// Problem with the node it is about. It decodes nodes rather than structs so
// each problem has a line and column, and so unknown and repeated keys are
// seen (the library's struct decoder would drop the first silently).
type decoder struct {
	file     string
	lines    int // in the file, so no problem points past its end
	cfg      *Config
	problems Problems
	visits   int
	// catalogPartial and checklistsPartial say the services or checklists
	// had problems, so names missing from them are not reported again
	// where workflows use them.
	catalogPartial, checklistsPartial bool
}

// maxProblems is as many problems as one check reports; past that the file
// is likely not a config file at all, and more would only bury the first.
const maxProblems = 100

// maxVisits bounds the nodes one file may expand to. Aliases (*name) can
// repeat a node many times over ("billion laughs"); no real config comes
// near this.
const maxVisits = 1 << 20

var (
	errTooBig  = errors.New("too many values")
	errTooMany = errors.New("too many problems")
)

// field is one key a mapping accepts and what to do with its value.
type field struct {
	key string
	set func(v *yaml.Node)
}

// keys names the fields, for messages.
func keys(fields []field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.key
	}
	return out
}

// errorf records a problem at n. Positions are clamped into the file (the
// library places an empty value at the end on the line after) so a problem
// always names a spot an editor can open.
func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	if len(d.problems) == maxProblems {
		panic(errTooMany)
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: min(max(n.Line, 1), d.lines),
		Column: max(n.Column, 1), Message: fmt.Sprintf(format, args...)})
}

// resolve follows an alias to the node it names and counts the visit.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if d.visits++; d.visits > maxVisits {
		panic(errTooBig)
	}
	return n
}

// isNull reports whether n is an empty value (`key:` with nothing, ~, null).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// pairs calls fn for each key and value of the mapping n, reporting keys
// that are not plain values and keys given twice. what names the mapping
// in messages ("cadences"). A null n is an empty mapping. clean is false
// when a key was reported.
func (d *decoder) pairs(n *yaml.Node, what, example string, fn func(k, v *yaml.Node)) (clean bool) {
	n = d.resolve(n)
	if isNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of keys to values, like %s", what, example)
		return false
	}
	clean = true
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "a key in %s must be a plain word, not a list or mapping", what)
			clean = false
			continue
		}
		if k.Tag == "!!merge" {
			d.errorf(k, "merge keys (<<) are not supported; write the keys out")
			clean = false
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.errorf(k, "%q is already set at line %d; remove one of them", k.Value, line)
			clean = false
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v)
	}
	return clean
}

// mapping decodes a mapping whose keys are known, reporting unknown ones
// with the likeliest key meant. what names the mapping in messages ("a
// service"); example shows what one looks like. known is false when some
// key was not taken, so callers need not also say a field is missing when
// it is there, misspelt.
func (d *decoder) mapping(n *yaml.Node, what, example string, fields []field) (known bool) {
	known = true
	clean := d.pairs(n, what, example, func(k, v *yaml.Node) {
		for _, f := range fields {
			if f.key == k.Value {
				f.set(v)
				return
			}
		}
		known = false
		d.unknownKey(k, what, fields)
	})
	return known && clean
}

// topWhat names the file's top level in messages.
const topWhat = "the file"

// unknownKey reports a key no field takes, suggesting the closest one.
func (d *decoder) unknownKey(k *yaml.Node, what string, fields []field) {
	where := "in " + what
	if what == topWhat {
		where = "at the top level"
	}
	names := keys(fields)
	if near := closest(k.Value, names); near != "" {
		d.errorf(k, "unknown key %q %s; did you mean %q?", k.Value, where, near)
		return
	}
	if what == topWhat && slices.Contains(serviceKeys, k.Value) {
		d.errorf(k, "%q belongs to a service; indent it under a \"- name:\" entry of services:", k.Value)
		return
	}
	d.errorf(k, "unknown key %q %s; the keys are %s", k.Value, where, strings.Join(names, ", "))
}

// scalar is n's text, reporting a list or mapping where one value belongs.
// A null is "". ok is false when n is not a single value.
func (d *decoder) scalar(n *yaml.Node, key string) (string, bool) {
	n = d.resolve(n)
	switch {
	case isNull(n):
		return "", true
	case n.Kind == yaml.ScalarNode:
		return strings.TrimSpace(n.Value), true
	}
	d.errorf(n, "%s: write one value here, not a list or mapping", key)
	return "", false
}

// text is a required non-empty single value; hint says what to write.
func (d *decoder) text(n *yaml.Node, key, hint string) string {
	s, ok := d.scalar(n, key)
	if ok && s == "" {
		d.errorf(n, "%s is empty; %s", key, hint)
	}
	return s
}

// list calls fn for each item of the sequence n; a null n is an empty
// list. example shows the list written out, for when n is something else.
func (d *decoder) list(n *yaml.Node, key, example string, fn func(item *yaml.Node)) {
	n = d.resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list, like %s", key, example)
		return
	}
	for _, item := range n.Content {
		fn(item)
	}
}

// texts decodes a list of non-empty single values, with the node of each
// so callers can point at the bad one.
func (d *decoder) texts(n *yaml.Node, key, example string) ([]string, []*yaml.Node) {
	var vals []string
	var nodes []*yaml.Node
	d.list(n, key, example, func(item *yaml.Node) {
		s, ok := d.scalar(item, key)
		if !ok {
			return
		}
		if s == "" {
			d.errorf(item, "%s: an item is empty; remove it or write a value, like %s", key, example)
			return
		}
		vals, nodes = append(vals, s), append(nodes, d.resolve(item))
	})
	return vals, nodes
}

// closest is the candidate a mistyped key most likely meant, or "" when
// none is near. Case, - and _ are ignored, so status-component finds
// status_component.
func closest(typed string, candidates []string) string {
	t := fold(typed)
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(t, fold(c))
		if d <= (len(c)+2)/3 && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// fold is s as compared for typos: lowercase, - read as _.
func fold(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }

// distance is the optimal string alignment distance: insertions, deletions,
// substitutions and swaps of neighbours each cost one.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
