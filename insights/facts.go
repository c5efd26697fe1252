// Package insights works out a team's incident numbers from the records:
// how many incidents, how fast they were acknowledged and resolved, which
// services have them, how they relate to AI, and whether people keep the
// drafts the bot writes. Everything is computed from what Redis holds, never
// counted in memory, so every replica, the chart, the CLI and /metrics agree
// and a restart loses nothing.
package insights

import (
	"strconv"
	"time"

	"github.com/incidentbot/incidentbot/export"
	"github.com/incidentbot/incidentbot/incident"
)

// Facts is one incident as the numbers need it.
type Facts struct {
	Number         int64
	Severity       incident.Severity
	Services       []string
	AI             incident.AIConnection // "" when unset
	Private        bool
	DeclaredAt     time.Time
	AcknowledgedAt time.Time // zero while nobody has
	ResolvedAt     time.Time // zero while open
	Drafts         []Draft
}

// Draft is what became of one draft the bot wrote.
type Draft struct {
	Kind    incident.DraftKind `json:"kind"`
	Source  string             `json:"source"`  // llm or template
	Outcome string             `json:"outcome"` // approved, edited, rejected or pending
	// ChangeRatio is how much the person changed an edited draft, 0 to 1.
	ChangeRatio float64 `json:"change_ratio,omitempty"`
}

// Draft outcomes.
const (
	Approved = "approved" // published as written
	Edited   = "edited"   // published after a person changed it
	Rejected = "rejected"
	Pending  = "pending"
)

// logFacts are the facts only the event log knows: what a digest caches.
type logFacts struct {
	AcknowledgedAt time.Time `json:"acknowledged_at"`
	Drafts         []Draft   `json:"drafts,omitempty"`
}

// fromLog reads the event log's facts. Acknowledgement follows the export's
// rule (export.AcknowledgedAt), so the numbers and the export agree.
func fromLog(inc incident.Incident, events []incident.Event) logFacts {
	lf := logFacts{AcknowledgedAt: export.AcknowledgedAt(inc, events)}
	index := map[string]int{}
	for _, ev := range events {
		id := ev.Get("draft")
		if id == "" {
			continue
		}
		i, seen := index[id]
		if !seen && ev.Kind != incident.KindDraftCreated && ev.Kind != incident.KindDraftApproved && ev.Kind != incident.KindDraftRejected {
			continue
		}
		if !seen {
			i = len(lf.Drafts)
			index[id] = i
			lf.Drafts = append(lf.Drafts, Draft{Kind: incident.DraftKind(ev.Get("kind")), Source: ev.Get("source"), Outcome: Pending})
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
	for i := range lf.Drafts {
		if lf.Drafts[i].Outcome != Edited {
			lf.Drafts[i].ChangeRatio = 0
		}
	}
	return lf
}

// Digest is the facts of one incident from its header and its log.
func Digest(inc incident.Incident, events []incident.Event) Facts {
	return facts(inc, fromLog(inc, events))
}

func facts(inc incident.Incident, lf logFacts) Facts {
	return Facts{Number: inc.Number, Severity: inc.Severity, Services: inc.Services, AI: inc.AI, Private: inc.Private,
		DeclaredAt: inc.DeclaredAt, AcknowledgedAt: lf.AcknowledgedAt, ResolvedAt: inc.ResolvedAt, Drafts: lf.Drafts}
}

func parseRatio(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return min(max(v, 0), 1)
}
