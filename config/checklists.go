package config

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

// builtinChecklists are the checklists every file has; a file's checklist
// of the same name replaces one.
func builtinChecklists() map[string]incident.Checklist {
	c := incident.CommsChecklist
	c.Items = slices.Clone(c.Items)
	return map[string]incident.Checklist{c.Name: c}
}

const checklistExample = `db-failover: [{text: Freeze writes, role: tech, required: true}]`

// checklists decodes the named checklists. A name is registered even when
// its items have problems, so workflows naming it are not reported too.
func (d *decoder) checklists(n *yaml.Node) {
	d.pairs(n, "checklists", checklistExample, func(k, v *yaml.Node) {
		name := k.Value
		if !incident.ValidServiceName(name) {
			d.errorf(k, "checklists: %s", badName(name, "checklist", "db-failover"))
			d.checklistsPartial = true
			return
		}
		c := incident.Checklist{Name: name}
		d.list(v, "checklists: "+name, `"- text: Freeze writes"`, func(item *yaml.Node) {
			if it, ok := d.checklistItem(item); ok {
				c.Items = append(c.Items, it)
			}
		})
		if r := d.resolve(v); isNull(r) || (r.Kind == yaml.SequenceNode && len(r.Content) == 0) {
			d.errorf(r, "checklists: %s has no items; add one, like \"- text: Freeze writes\", or remove it", name)
		}
		d.cfg.Checklists[name] = c
		d.cfg.checklistNames = append(d.cfg.checklistNames, name)
	})
}

// checklistItem decodes {text, role, required}.
func (d *decoder) checklistItem(n *yaml.Node) (it incident.ChecklistItem, ok bool) {
	if r := d.resolve(n); r.Kind == yaml.ScalarNode && !isNull(r) {
		d.errorf(r, "checklists: write each item as a mapping, like \"- text: %s\"", r.Value)
		return it, false
	}
	var textAt *yaml.Node
	known := d.mapping(n, "a checklist item", `"- text: Freeze writes"`, []field{
		{"text", func(v *yaml.Node) {
			textAt, it.Text = v, d.text(v, "text", `say what to do, like "text: Freeze writes"`)
		}},
		{"role", func(v *yaml.Node) { it.Role, _ = d.role(v, "role") }},
		{"required", func(v *yaml.Node) { it.Required, _ = d.boolean(v, "required") }},
	})
	if !d.entry(n, "checklist item", `"- text: Freeze writes"`) {
		return it, false
	}
	if textAt == nil && known {
		d.errorf(d.resolve(n), "this checklist item has no text; add one, like \"text: Freeze writes\"")
	}
	return it, it.Text != ""
}
