package incident

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Action item operations recorded in KindActionItem events' Data["op"].
const (
	ActionAdd      = "add"
	ActionDone     = "done"
	ActionReopen   = "reopen"
	ActionExported = "exported" // Data tracker, project, issue_id, issue_key, url
	ActionSnooze   = "snooze"   // Data until (RFC 3339)
)

// ActionItemEvent builds the event that records op on item.
func ActionItemEvent(op string, item ActionItem, by string, at time.Time) Event {
	data := map[string]string{"op": op, "id": item.ID}
	switch op {
	case ActionAdd:
		data["owner"] = item.Owner
		if !item.Due.IsZero() {
			data["due"] = item.Due.UTC().Format("2006-01-02")
		}
	case ActionExported:
		data["tracker"], data["project"] = string(item.Issue.Kind), item.Issue.Project
		data["issue_id"], data["issue_key"], data["url"] = item.Issue.ID, item.Issue.Key, item.Issue.URL
	case ActionSnooze:
		data["until"] = item.SnoozedUntil.UTC().Format(time.RFC3339)
	}
	return Event{Kind: KindActionItem, At: at, Actor: by, Text: item.Text, Data: data}
}

// ActionItems folds an incident's log into its action items, in the order
// they were added, with their current state. An item is exported once:
// a second exported event (which the export's lock prevents) is ignored.
func ActionItems(events []Event) []ActionItem {
	var items []ActionItem
	for _, ev := range events {
		if ev.Kind != KindActionItem {
			continue
		}
		id := ev.Get("id")
		i := slices.IndexFunc(items, func(it ActionItem) bool { return it.ID == id })
		if ev.Get("op") == ActionAdd {
			if i >= 0 {
				continue
			}
			it := ActionItem{ID: id, Text: ev.Text, Owner: ev.Get("owner")}
			if d, err := time.Parse("2006-01-02", ev.Get("due")); err == nil {
				it.Due = d
			}
			items = append(items, it)
			continue
		}
		if i < 0 {
			continue
		}
		it := &items[i]
		switch ev.Get("op") {
		case ActionDone, ActionReopen:
			it.Done = ev.Get("op") == ActionDone
		case ActionExported:
			if it.Issue.Kind == "" {
				it.Issue = TrackerRef{Kind: TrackerKind(ev.Get("tracker")), Project: ev.Get("project"),
					ID: ev.Get("issue_id"), Key: ev.Get("issue_key"), URL: ev.Get("url")}
			}
		case ActionSnooze:
			if t, err := time.Parse(time.RFC3339, ev.Get("until")); err == nil {
				it.SnoozedUntil = t
			}
		}
	}
	return items
}

// ActionItemKey is an item's idempotency key in trackers: the same for
// every export of it, from any replica.
func ActionItemKey(inc Incident, item ActionItem) string {
	return fmt.Sprintf("incidentbot/%s/%s", inc.ID(), item.ID)
}

// Overdue reports whether the item is open past its due date (the whole
// due day counts) and not snoozed at now.
func (it ActionItem) Overdue(now time.Time) bool {
	return !it.Done && !it.Due.IsZero() && now.After(it.Due.Add(24*time.Hour)) && !now.Before(it.SnoozedUntil)
}

var (
	mentionArg = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)
	slackUser  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
)

// IsUserID reports whether s is a Slack user's ID: U… or W… (Enterprise
// Grid). Integrations' bot IDs (B…), free-text owners and the bot itself
// ("") are not people.
func IsUserID(s string) bool { return slackUser.MatchString(s) }

// ParseActionAdd reads "<text> [@owner] [due YYYY-MM-DD]": the owner is a
// Slack mention (or a user ID), the due date comes after the word due, and
// both may sit anywhere after the text starts. Its errors say how to write
// it.
func ParseActionAdd(args string, now time.Time) (ActionItem, error) {
	const usage = "Write it as `/incident action add <what to do> [@owner] [due YYYY-MM-DD]`, like `/incident action add Add a connection-pool alert @ali due 2026-12-20`."
	var it ActionItem
	var words []string
	fields := strings.Fields(args)
	for i := 0; i < len(fields); i++ {
		w := fields[i]
		switch {
		case strings.EqualFold(w, "due") && i+1 < len(fields):
			d, err := time.Parse("2006-01-02", fields[i+1])
			if err != nil {
				return it, Errorf(EInvalid, "%q is not a date I can read. %s", fields[i+1], usage)
			}
			if d.Before(now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)) {
				return it, Errorf(EInvalid, "%s is in the past. Give a due date from today on.", fields[i+1])
			}
			it.Due, i = d, i+1
		case mentionArg.MatchString(w) && it.Owner == "":
			it.Owner = mentionArg.FindStringSubmatch(w)[1]
		case IsUserID(w) && it.Owner == "" && i > 0:
			it.Owner = w
		default:
			words = append(words, w)
		}
	}
	it.Text = Truncate(CleanText(strings.Join(words, " ")), 500)
	if it.Text == "" {
		return it, Errorf(EInvalid, "Say what needs doing. %s", usage)
	}
	return it, nil
}
