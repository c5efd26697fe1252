// Package insights works out a team's incident numbers from the records:
// how many incidents, how fast they were acknowledged and resolved, which
// services have them, how they relate to AI, and whether people keep the
// drafts the bot writes. Everything is computed from what Redis holds, never
// counted in memory, so every replica, the chart, the CLI and /metrics agree
// and a restart loses nothing.
package insights

import (
	"math"
	"strconv"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

// Facts is the digest of one incident: what the numbers need, small enough
// to cache as JSON.
type Facts struct {
	Number         int64                 `json:"number"`
	Severity       incident.Severity     `json:"severity"` // 1..4
	Services       []string              `json:"services,omitempty"`
	AI             incident.AIConnection `json:"ai,omitempty"` // "" when unset
	Private        bool                  `json:"private,omitempty"`
	DeclaredAt     time.Time             `json:"declared_at"`
	AcknowledgedAt time.Time             `json:"acknowledged_at"` // zero while nobody has
	ResolvedAt     time.Time             `json:"resolved_at"`     // zero while open
	Drafts         []Draft               `json:"drafts,omitempty"`
}

// Draft is what became of one draft the bot wrote.
type Draft struct {
	Kind    incident.DraftKind `json:"kind"`    // update, postmortem, catchup or public
	Source  string             `json:"source"`  // llm or template
	Outcome string             `json:"outcome"` // approved, edited, rejected or pending
	// ChangeRatio is how much the person changed an edited draft, 0 to 1;
	// 0 for every other outcome.
	ChangeRatio float64 `json:"change_ratio,omitempty"`
}

// Draft outcomes.
const (
	Approved = "approved" // published as written
	Edited   = "edited"   // published after a person changed it
	Rejected = "rejected"
	Pending  = "pending"
)

// FactsVersion names the cached digest's format (logFacts and Draft); bump
// it when either changes, and every cached digest is made again.
const FactsVersion = 1

// logFacts are the facts only the event log knows: what a digest caches.
// The header's facts are not cached, since the header is read anyway and
// may have changed without the log growing.
type logFacts struct {
	AcknowledgedAt time.Time `json:"acknowledged_at"`
	Drafts         []Draft   `json:"drafts,omitempty"`
}

// Digest is the facts of one incident from its header and its log.
func Digest(inc incident.Incident, events []incident.Event) Facts {
	return facts(inc, fromLog(inc, events))
}

func facts(inc incident.Incident, lf logFacts) Facts {
	return Facts{Number: inc.Number, Severity: inc.Severity, Services: inc.Services, AI: inc.AI, Private: inc.Private,
		DeclaredAt: inc.DeclaredAt, AcknowledgedAt: lf.AcknowledgedAt, ResolvedAt: inc.ResolvedAt, Drafts: lf.Drafts}
}

// fromLog reads the event log's facts. Acknowledgement follows the export's
// rule (export.AcknowledgedAt), so the numbers and the export agree.
func fromLog(inc incident.Incident, events []incident.Event) logFacts {
	lf := logFacts{AcknowledgedAt: export.AcknowledgedAt(inc, events)}
	index := map[string]int{}
	for _, ev := range events {
		id := ev.Get("draft")
		if id == "" || !draftKind(ev.Kind) {
			continue
		}
		// Any of a draft's events opens its entry: draft_created is noted
		// best-effort, and a lost one must not lose the approval after it.
		i, seen := index[id]
		if !seen {
			i = len(lf.Drafts)
			index[id] = i
			lf.Drafts = append(lf.Drafts, Draft{Outcome: Pending})
		}
		d := &lf.Drafts[i]
		if d.Kind == "" {
			d.Kind = incident.DraftKind(ev.Get("kind"))
		}
		if d.Source == "" {
			d.Source = ev.Get("source")
		}
		switch ev.Kind {
		case incident.KindDraftEdited:
			d.ChangeRatio = parseRatio(ev.Get("change_ratio"))
		case incident.KindDraftApproved:
			d.Outcome = Approved
			if ev.Get("edited") == "true" {
				d.Outcome = Edited
			}
		case incident.KindDraftRejected:
			d.Outcome = Rejected
		}
	}
	// A ratio only means something for a draft published after an edit.
	for i := range lf.Drafts {
		if lf.Drafts[i].Outcome != Edited {
			lf.Drafts[i].ChangeRatio = 0
		}
	}
	return lf
}

func draftKind(k incident.Kind) bool {
	switch k {
	case incident.KindDraftCreated, incident.KindDraftApproved, incident.KindDraftEdited, incident.KindDraftRejected:
		return true
	}
	return false
}

// parseRatio reads a change ratio, clamped to 0..1; unreadable is 0.
func parseRatio(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) { // NaN would poison the means and break the JSON
		return 0
	}
	return min(max(v, 0), 1)
}
