package insights

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// SchemaVersion is the Report JSON's version.
const SchemaVersion = 1

// Report is the numbers over one window. Its JSON (schema_version 1) is a
// public contract, `incidentbot insights --format json`: fields are added,
// never renamed.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Since         time.Time `json:"since"`
	Until         time.Time `json:"until"`
	Service       string    `json:"service,omitempty"` // "" for every service
	Incidents     int       `json:"incidents"`
	// BySeverity counts incidents by severity, "P1" to "P4".
	BySeverity map[string]int `json:"by_severity"`
	Weeks      []Week         `json:"weeks"`
	// MTTA is from declared to acknowledged, MTTR from declared to
	// resolved, over the incidents that got there.
	MTTA           Stat            `json:"mtta"`
	MTTR           Stat            `json:"mttr"`
	MTTABySeverity map[string]Stat `json:"mtta_by_severity"`
	MTTRBySeverity map[string]Stat `json:"mttr_by_severity"`
	Trend          Trend           `json:"mttr_trend"`
	TopServices    []ServiceCount  `json:"top_services"`
	AI             []AICount       `json:"ai"`
	// AIConnected counts incidents whose AI connection is code, deploy,
	// provider, model or cost; AIRecorded those whose connection was set
	// at all (none and unknown included). AIShare is connected over
	// recorded: an unset field says nothing either way, so it is left out
	// rather than counted as "not AI".
	AIConnected int     `json:"ai_connected"`
	AIRecorded  int     `json:"ai_recorded"`
	AIShare     float64 `json:"ai_share"`
	Drafts      Drafts  `json:"drafts"`
}

// Week is one week (Monday 00:00 UTC onwards) of the window.
type Week struct {
	Start time.Time `json:"start"`
	// Counts are incidents declared that week, P1 to P4.
	Counts [4]int `json:"counts"`
	// The medians for that week's incidents, in seconds; 0 when none got
	// there.
	MTTAMedianSeconds float64 `json:"mtta_median_seconds"`
	MTTRMedianSeconds float64 `json:"mttr_median_seconds"`
}

// Stat summarises durations, in seconds.
type Stat struct {
	Count         int     `json:"count"`
	MedianSeconds float64 `json:"median_seconds"`
	MeanSeconds   float64 `json:"mean_seconds"`
	P90Seconds    float64 `json:"p90_seconds"`
}

// Trend compares the median time to resolve of incidents declared in the
// window's first half with those declared in its second.
type Trend struct {
	FirstHalf  Stat `json:"first_half"`
	SecondHalf Stat `json:"second_half"`
	// Direction is better, worse, flat (within 10%), or unknown when a
	// half has no resolved incident.
	Direction string `json:"direction"`
}

// Trend directions.
const (
	Better  = "better"
	Worse   = "worse"
	Flat    = "flat"
	Unknown = "unknown"
)

// ServiceCount is one service's share of the incidents.
type ServiceCount struct {
	Name              string  `json:"name"`
	Incidents         int     `json:"incidents"`
	MTTRMedianSeconds float64 `json:"mttr_median_seconds"`
}

// AICount is how many incidents had one AI connection ("unset" when the
// field was never set).
type AICount struct {
	Connection string `json:"connection"`
	Incidents  int    `json:"incidents"`
}

// Drafts is what became of the drafts, overall and by source.
type Drafts struct {
	Outcomes
	BySource map[string]Outcomes `json:"by_source"` // llm, template
}

// Outcomes counts drafts by outcome, with the ratios that tell whether the
// drafts help.
type Outcomes struct {
	Approved int `json:"approved"`
	Edited   int `json:"edited"`
	Rejected int `json:"rejected"`
	Pending  int `json:"pending"`
	// ApprovalRatio is published (as written or edited) over decided;
	// EditRatio is edited over published; MeanChangeRatio is how much of
	// an edited draft changed, on average. 0 when there is nothing to
	// divide.
	ApprovalRatio   float64 `json:"approval_ratio"`
	EditRatio       float64 `json:"edit_ratio"`
	MeanChangeRatio float64 `json:"mean_change_ratio"`

	changeSum float64
}

// PrivateService is the name private incidents count under: the numbers
// include them, but never their services.
const PrivateService = "private"

// Unset is the AI connection of an incident whose field was never set.
const Unset = "unset"

// topServices is how many services the report names.
const topServices = 8

// aiConnected are the connections that count as an AI-related incident.
var aiConnected = []incident.AIConnection{incident.AICode, incident.AIDeploy, incident.AIProvider, incident.AIModel, incident.AICost}

var severities = []incident.Severity{incident.P1, incident.P2, incident.P3, incident.P4}

// Compute works out the report for incidents declared from since to until,
// both included, for one service or all (""). A service's report leaves
// private incidents out: counting them there would say which service a
// private incident was on.
func Compute(all []Facts, since, until time.Time, service string) Report {
	since, until = since.UTC(), until.UTC()
	r := Report{SchemaVersion: SchemaVersion, Since: since, Until: until, Service: service,
		BySeverity: map[string]int{}, MTTABySeverity: map[string]Stat{}, MTTRBySeverity: map[string]Stat{},
		Weeks: []Week{}, TopServices: []ServiceCount{}, AI: []AICount{},
		Drafts: Drafts{BySource: map[string]Outcomes{}}}
	for _, sev := range severities {
		r.BySeverity[sev.String()] = 0
	}
	in := make([]*Facts, 0, len(all))
	for i := range all {
		f := &all[i]
		if f.DeclaredAt.Before(since) || f.DeclaredAt.After(until) {
			continue
		}
		if service != "" && (f.Private || !slices.Contains(f.Services, service)) {
			continue
		}
		in = append(in, f)
	}
	// Sorted so every float sum is added in the same order whatever order
	// the store listed the incidents in.
	slices.SortFunc(in, func(a, b *Facts) int {
		return cmp.Or(a.DeclaredAt.Compare(b.DeclaredAt), cmp.Compare(a.Number, b.Number))
	})
	r.Incidents = len(in)

	weekStart := monday(since)
	for w := weekStart; !w.After(until); w = w.AddDate(0, 0, 7) {
		r.Weeks = append(r.Weeks, Week{Start: w})
	}
	weekTTA := make([][]float64, len(r.Weeks))
	weekTTR := make([][]float64, len(r.Weeks))
	var tta, ttr, firstTTR, secondTTR []float64
	var sevTTA, sevTTR [4][]float64
	services := map[string]*serviceAcc{}
	ai := map[string]int{}
	mid := since.Add(until.Sub(since) / 2)

	for _, f := range in {
		sev := int(f.Severity) - 1
		if f.Severity.Valid() {
			r.BySeverity[f.Severity.String()]++
		}
		w := min(int(f.DeclaredAt.Sub(weekStart)/(7*24*time.Hour)), len(r.Weeks)-1)
		if f.Severity.Valid() {
			r.Weeks[w].Counts[sev]++
		}
		if d, ok := toAck(*f); ok {
			tta, weekTTA[w] = append(tta, d), append(weekTTA[w], d)
			if f.Severity.Valid() {
				sevTTA[sev] = append(sevTTA[sev], d)
			}
		}
		d, resolved := toResolve(*f)
		if resolved {
			ttr, weekTTR[w] = append(ttr, d), append(weekTTR[w], d)
			if f.Severity.Valid() {
				sevTTR[sev] = append(sevTTR[sev], d)
			}
			if f.DeclaredAt.Before(mid) {
				firstTTR = append(firstTTR, d)
			} else {
				secondTTR = append(secondTTR, d)
			}
		}
		names := f.Services
		if f.Private {
			names = []string{PrivateService}
		}
		for _, s := range names {
			acc := services[s]
			if acc == nil {
				acc = &serviceAcc{}
				services[s] = acc
			}
			acc.n++
			if resolved {
				acc.ttr = append(acc.ttr, d)
			}
		}
		conn := string(f.AI)
		if conn == "" {
			conn = Unset
		} else {
			r.AIRecorded++
		}
		ai[conn]++
		if slices.Contains(aiConnected, f.AI) {
			r.AIConnected++
		}
		for _, d := range f.Drafts {
			r.Drafts.add(d)
			o := r.Drafts.BySource[d.Source]
			o.add(d)
			r.Drafts.BySource[d.Source] = o
		}
	}

	r.MTTA, r.MTTR = stat(tta), stat(ttr)
	for i, sev := range severities {
		r.MTTABySeverity[sev.String()] = stat(sevTTA[i])
		r.MTTRBySeverity[sev.String()] = stat(sevTTR[i])
	}
	for i := range r.Weeks {
		r.Weeks[i].MTTAMedianSeconds = stat(weekTTA[i]).MedianSeconds
		r.Weeks[i].MTTRMedianSeconds = stat(weekTTR[i]).MedianSeconds
	}
	r.Trend = trend(stat(firstTTR), stat(secondTTR))
	for name, acc := range services {
		r.TopServices = append(r.TopServices, ServiceCount{Name: name, Incidents: acc.n, MTTRMedianSeconds: stat(acc.ttr).MedianSeconds})
	}
	slices.SortFunc(r.TopServices, func(a, b ServiceCount) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Name, b.Name))
	})
	r.TopServices = r.TopServices[:min(len(r.TopServices), topServices)]
	r.AI = aiCounts(ai)
	r.AIShare = ratio(r.AIConnected, r.AIRecorded)
	r.Drafts.finish()
	for k, o := range r.Drafts.BySource {
		o.finish()
		r.Drafts.BySource[k] = o
	}
	return r
}

type serviceAcc struct {
	n   int
	ttr []float64
}

// toAck is the seconds from declared to acknowledged, when it was; an
// acknowledgement before the declaration (clock skew) is not counted.
func toAck(f Facts) (float64, bool) {
	if f.AcknowledgedAt.IsZero() || f.AcknowledgedAt.Before(f.DeclaredAt) {
		return 0, false
	}
	return f.AcknowledgedAt.Sub(f.DeclaredAt).Seconds(), true
}

// toResolve is the seconds from declared to resolved, when it was.
func toResolve(f Facts) (float64, bool) {
	if f.ResolvedAt.IsZero() || f.ResolvedAt.Before(f.DeclaredAt) {
		return 0, false
	}
	return f.ResolvedAt.Sub(f.DeclaredAt).Seconds(), true
}

// aiCounts lists the connections seen in display order, then values this
// build does not know (sorted), then unset.
func aiCounts(ai map[string]int) []AICount {
	out := []AICount{}
	for _, c := range incident.AIConnections {
		if n := ai[string(c)]; n > 0 {
			out = append(out, AICount{Connection: string(c), Incidents: n})
		}
	}
	var other []AICount
	for c, n := range ai {
		if _, ok := incident.ParseAI(c); !ok && c != Unset {
			other = append(other, AICount{Connection: c, Incidents: n})
		}
	}
	slices.SortFunc(other, func(a, b AICount) int { return cmp.Compare(a.Connection, b.Connection) })
	out = append(out, other...)
	if n := ai[Unset]; n > 0 {
		out = append(out, AICount{Connection: Unset, Incidents: n})
	}
	return out
}

func (o *Outcomes) add(d Draft) {
	switch d.Outcome {
	case Approved:
		o.Approved++
	case Edited:
		o.Edited++
		o.changeSum += d.ChangeRatio
	case Rejected:
		o.Rejected++
	default:
		o.Pending++
	}
}

func (o *Outcomes) finish() {
	published := o.Approved + o.Edited
	o.ApprovalRatio = ratio(published, published+o.Rejected)
	o.EditRatio = ratio(o.Edited, published)
	if o.Edited > 0 {
		o.MeanChangeRatio = o.changeSum / float64(o.Edited)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// stat summarises durations: the median of an even count is the mean of
// the middle two, and p90 is the nearest rank.
func stat(d []float64) Stat {
	if len(d) == 0 {
		return Stat{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	p90 := s[int(math.Ceil(0.9*float64(n)))-1]
	return Stat{Count: n, MedianSeconds: med, MeanSeconds: sum / float64(n), P90Seconds: p90}
}

func trend(first, second Stat) Trend {
	t := Trend{FirstHalf: first, SecondHalf: second, Direction: Unknown}
	if first.Count == 0 || second.Count == 0 {
		return t
	}
	a, b := first.MedianSeconds, second.MedianSeconds
	switch {
	case math.Abs(b-a) <= 0.1*a:
		t.Direction = Flat
	case b < a:
		t.Direction = Better
	default:
		t.Direction = Worse
	}
	return t
}

// monday is the start of t's ISO week, in UTC.
func monday(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}
