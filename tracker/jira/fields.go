package jira

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// KeyLabelPrefix starts the label that carries an item's idempotency key.
const KeyLabelPrefix = "incidentbot-"

// Jira labels cannot hold spaces and are at most 255 characters
// (https://support.atlassian.com/jira-software-cloud/docs/add-labels-to-issues/);
// JQL quoting is simplest when they hold only these.
var labelUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// KeyLabel is the label Find matches on for an item's key. It keeps the
// key readable and ends in a hash of the key as given, so two keys that
// sanitize alike ("a/b", "a-b") still get different labels.
//
// A label, not an issue entity property: `issue.property[...]` in JQL
// only works for properties an installed app declared for indexing
// (https://developer.atlassian.com/cloud/jira/platform/modules/entity-property/),
// which an API-token client cannot do; and not the description, whose
// JQL `text ~` search is tokenized and stemmed, never an exact match.
func KeyLabel(key string) string {
	sum := sha256.Sum256([]byte(key))
	readable := strings.Trim(labelUnsafe.ReplaceAllString(key, "-"), "-")
	readable = strings.TrimPrefix(readable, strings.TrimSuffix(KeyLabelPrefix, "-"))
	readable = strings.Trim(readable, "-")
	if len(readable) > 200 {
		readable = readable[:200]
	}
	if readable != "" {
		readable += "-"
	}
	return KeyLabelPrefix + readable + hex.EncodeToString(sum[:4])
}

// Label makes s acceptable to Jira: runs of anything but letters, digits,
// '_', '.' and '-' become one '-'; "" when nothing is left.
func Label(s string) string {
	l := strings.Trim(labelUnsafe.ReplaceAllString(strings.TrimSpace(s), "-"), "-")
	if len(l) > 255 {
		l = l[:255]
	}
	return l
}

// labels is the item's labels made acceptable, deduplicated, plus the key
// label last.
func labels(is incident.TrackerIssue) []string {
	out := make([]string, 0, len(is.Labels)+1)
	for _, l := range is.Labels {
		if l = Label(l); l != "" && !slices.Contains(out, l) && !strings.HasPrefix(l, KeyLabelPrefix) {
			out = append(out, l)
		}
	}
	return append(out, KeyLabel(is.Key))
}

// summary is a title Jira accepts: one line (it refuses newlines in the
// summary) of at most 255 characters.
func summary(title string) string {
	s := strings.Join(strings.Fields(title), " ")
	if r := []rune(s); len(r) > 255 {
		s = string(r[:254]) + "…"
	}
	return s
}

// description is the body as ADF, then the lines that had no field to go
// in (owner, due) and the key, so a person can see where the issue came from.
func description(is incident.TrackerIssue, owner, due bool) node {
	blocks := markdownADF(is.Body)
	if owner && is.Assignee != "" {
		// A mention renders as the person's name and tells them.
		blocks = append(blocks, node{"type": "paragraph", "content": []node{
			{"type": "text", "text": "Owner: "},
			{"type": "mention", "attrs": node{"id": is.Assignee}},
		}})
	}
	if due && !is.Due.IsZero() {
		blocks = append(blocks, node{"type": "paragraph", "content": []node{
			{"type": "text", "text": "Due: " + is.Due.Format(dateLayout)},
		}})
	}
	if is.Key != "" {
		blocks = append(blocks, node{"type": "paragraph", "content": []node{
			{"type": "text", "text": "Exported by incidentbot, item "},
			{"type": "text", "text": is.Key, "marks": []node{{"type": "code"}}},
		}})
	}
	return doc(blocks)
}

// dateLayout is Jira's date field format (duedate "2019-05-11" in the
// create example at
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post).
const dateLayout = "2006-01-02"
