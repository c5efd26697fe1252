package slackui

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/incident"
)

// Action ids of checklists: a public contract, kept stable for users'
// scripts. A checklist's checkboxes all carry ActionChecklistToggle; the
// list and what the clicker saw are in the block_id (ChecklistBlock).
const (
	ActionChecklistToggle = "checklist_toggle"
	ActionResolveConfirm  = "resolve_confirm"
)

// Slack's limits for a checkboxes element: options per element, and the
// length of an option's text and description.
const (
	checkboxOptions = 10
	maxOptionText   = 75
)

// checklistBlockPrefix starts the block_id of a checklist's checkboxes.
const checklistBlockPrefix = "checklist:"

// ChecklistBlock is what a checklist's checkboxes element showed the
// person who clicked it: which list, from which item, and which of its
// items were ticked. Slack sends the element's whole new selection; the
// difference from what they saw is what they changed, so a click on a
// stale copy of the message never unticks what someone else ticked
// meanwhile.
type ChecklistBlock struct {
	List   string
	Start  int
	ticked uint64 // bit i: item Start+i was ticked
}

// checklistBlock is the block_id of the element showing items
// [start, end) of c: "checklist:<start>:<ticked, hex bitmask>:<list>". The
// name goes last so any name fits; the bitmask changes with the state, so
// every update of the message carries new block_ids, as Slack asks.
func checklistBlock(c incident.AttachedChecklist, start, end int) string {
	var mask uint64
	for i := start; i < end; i++ {
		if c.Items[i].Done {
			mask |= 1 << (i - start)
		}
	}
	return fmt.Sprintf("%s%d:%x:%s", checklistBlockPrefix, start, mask, c.Name)
}

// ParseChecklistBlock reads a checklist element's block_id.
func ParseChecklistBlock(blockID string) (ChecklistBlock, bool) {
	rest, ok := strings.CutPrefix(blockID, checklistBlockPrefix)
	parts := strings.SplitN(rest, ":", 3)
	if !ok || len(parts) != 3 {
		return ChecklistBlock{}, false
	}
	start, err1 := strconv.Atoi(parts[0])
	mask, err2 := strconv.ParseUint(parts[1], 16, 64)
	if err1 != nil || err2 != nil || start < 0 {
		return ChecklistBlock{}, false
	}
	return ChecklistBlock{List: parts[2], Start: start, ticked: mask}, true
}

// Seen is what the element showed of a list of n items: the item indices
// it covered and, of those, the ticked ones.
func (b ChecklistBlock) Seen(n int) (items []int, ticked map[int]bool) {
	ticked = map[int]bool{}
	for i := b.Start; i < min(b.Start+checkboxOptions, n); i++ {
		items = append(items, i)
		if b.ticked&(1<<(i-b.Start)) != 0 {
			ticked[i] = true
		}
	}
	return items, ticked
}

// ChecklistItems reads the item indices of a checkboxes selection (option
// values); anything else is dropped.
func ChecklistItems(values []string) map[int]bool {
	out := map[int]bool{}
	for _, v := range values {
		if i, err := strconv.Atoi(v); err == nil {
			out[i] = true
		}
	}
	return out
}

// Checklist is the channel message that shows a checklist as checkboxes,
// ten to an element (Slack's limit), updated in place as items are
// ticked; who ticked or skipped what, and when, is listed under them.
func Checklist(c incident.AttachedChecklist) Message {
	done := 0
	for _, it := range c.Items {
		if it.Done {
			done++
		}
	}
	summary := fmt.Sprintf("%d of %d done", done, len(c.Items))
	if open := len(c.OpenRequired()); open > 0 {
		summary += fmt.Sprintf(" · %d required still open", open)
	}
	blocks := []slack.Block{section(fmt.Sprintf(":clipboard: *%s checklist* — %s", Escape(c.Name), summary))}
	for start := 0; start < len(c.Items); start += checkboxOptions {
		end := min(start+checkboxOptions, len(c.Items))
		var opts, ticked []*slack.OptionBlockObject
		for _, it := range c.Items[start:end] {
			o := slack.NewOptionBlockObject(strconv.Itoa(it.Index), mrkdwn(optionText(it.Text)), nil)
			d := itemTags(it)
			if it.Skipped {
				d = strings.TrimPrefix(d+" · skipped", " · ")
			}
			if d != "" {
				o.Description = mrkdwn(d)
			}
			opts = append(opts, o)
			if it.Done {
				ticked = append(ticked, o)
			}
		}
		box := slack.NewCheckboxGroupsBlockElement(ActionChecklistToggle, opts...)
		box.InitialOptions = ticked
		blocks = append(blocks, slack.NewActionBlock(checklistBlock(c, start, end), box))
	}
	var who []string
	for _, it := range c.Items {
		if it.Done || it.Skipped {
			who = append(who, itemState(it, false))
		}
	}
	if len(who) > 0 {
		blocks = append(blocks, contextBlock(strings.Join(who, "\n")))
	}
	return Message{
		Text:   fmt.Sprintf("%s checklist: %s", c.Name, summary),
		Blocks: capBlocks(blocks, "This checklist is too long to show in full: `/incident checklist` lists every item."),
	}
}

// optionText fits an item's text, escaped, in an option's 75 characters.
func optionText(text string) string {
	for n := maxOptionText; n > 1; n-- {
		if s := Escape(incident.Truncate(text, n)); utf8.RuneCountInString(s) <= maxOptionText {
			return s
		}
	}
	return "…"
}

// itemTags is an item's role and whether it is required, e.g. "Comms ·
// required": short enough for an option's description.
func itemTags(it incident.ItemState) string {
	var tags []string
	if it.Role != "" {
		tags = append(tags, it.Role.Title())
	}
	if it.Required {
		tags = append(tags, "*required*")
	}
	return strings.Join(tags, " · ")
}

// itemState is one line about an item: ticked, skipped or open, by whom
// and when; flag marks a required item still open.
func itemState(it incident.ItemState, flag bool) string {
	text := Escape(it.Text)
	tags := itemTags(it)
	if tags != "" {
		tags = " (" + tags + ")"
	}
	switch {
	case it.Done:
		return fmt.Sprintf(":white_check_mark: %s%s — %s, %s", text, tags, Mention(it.By), Date(it.At))
	case it.Skipped:
		return fmt.Sprintf(":fast_forward: %s%s — skipped on resolving by %s, %s", text, tags, Mention(it.By), Date(it.At))
	case flag && it.Required:
		return fmt.Sprintf(":warning: %s%s — *open*", text, tags)
	}
	return fmt.Sprintf(":white_large_square: %s%s", text, tags)
}

// ChecklistState is the private answer to `/incident checklist`: every
// attached list, each item's state, open required items flagged. known
// names the lists that can be attached, for the hint when none is.
func ChecklistState(inc incident.Incident, lists []incident.AttachedChecklist, known []string) Message {
	if len(lists) == 0 {
		return Plain(fmt.Sprintf("No checklist is attached to %s. `/incident checklist add <name>` attaches one; known checklists: %s.",
			inc.ID(), codeList(known)))
	}
	var b strings.Builder
	for i, c := range lists {
		if i > 0 {
			b.WriteString("\n\n")
		}
		done := 0
		for _, it := range c.Items {
			if it.Done {
				done++
			}
		}
		fmt.Fprintf(&b, ":clipboard: *%s checklist* — %d of %d done", Escape(c.Name), done, len(c.Items))
		if open := len(c.OpenRequired()); open > 0 {
			fmt.Fprintf(&b, " · :warning: %d required still open", open)
		}
		for _, it := range c.Items {
			b.WriteString("\n" + itemState(it, true))
		}
	}
	return Text(b.String())
}

// codeList renders names as `a`, `b`.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + Escape(n) + "`"
	}
	return strings.Join(quoted, ", ")
}

// UnknownChecklist is the reply to attaching a list nobody defined.
func UnknownChecklist(name string, known []string) string {
	s := fmt.Sprintf("I don't know the checklist `%s`.", Escape(incident.Truncate(name, 40)))
	if len(known) > 0 {
		s += fmt.Sprintf(" Known checklists: %s — for example `/incident checklist add %s`.", codeList(known), Escape(known[0]))
	}
	return s
}

// OpenItem is a required checklist item still open, with its list.
type OpenItem struct {
	List string
	incident.ItemState
}

// openLines lists open items, one bullet each.
func openLines(open []OpenItem) string {
	var lines []string
	for _, it := range open {
		role := ""
		if it.Role != "" {
			role = ", " + it.Role.Title()
		}
		lines = append(lines, fmt.Sprintf("• %s _(%s checklist%s)_", Escape(it.Text), Escape(it.List), role))
	}
	return strings.Join(lines, "\n")
}

// ResolveConfirm is the private question `/incident resolve` asks while
// required checklist items are open: it lists them and offers Resolve
// anyway, whose value is the incident number.
func ResolveConfirm(inc incident.Incident, open []OpenItem) Message {
	body := fmt.Sprintf("*%s* still has %d required checklist item(s) open:\n%s\nTick them in the checklist, or resolve anyway: they are recorded as skipped, by you.",
		inc.ID(), len(open), openLines(open))
	button := slack.NewButtonBlockElement(ActionResolveConfirm, strconv.FormatInt(inc.Number, 10), plain("Resolve anyway"))
	button.Style = slack.StyleDanger
	return Message{
		Text:   fmt.Sprintf("%s has %d required checklist item(s) open. Resolve anyway?", inc.ID(), len(open)),
		Blocks: append(sections(body), slack.NewActionBlock("resolve_confirm", button)),
	}
}

// SkippedOnResolve is the sentence added to the resolution line when
// required items were skipped, so the channel sees what was left undone.
func SkippedOnResolve(open []OpenItem) string {
	if len(open) == 0 {
		return ""
	}
	return fmt.Sprintf("\n:fast_forward: Resolved with %d required checklist item(s) open, recorded as skipped:\n%s", len(open), openLines(open))
}
