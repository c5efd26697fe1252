package insights

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

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
	// provider, model or cost; AIShare is that over all incidents.
	AIConnected int     `json:"ai_connected"`
	AIShare     float64 `json:"ai_share"`
	Drafts      Drafts  `json:"drafts"`
}

// Week is one week (Monday 00:00 UTC onwards) of the window.
type Week struct {
	Start time.Time `json:"start"`
	// Counts are incidents declared that week, P1 to P4.
	Counts [4]int `json:"counts"`
	// MTTASeconds and MTTRSeconds are medians for that week's incidents;
	// 0 when none got there.
	MTTASeconds float64 `json:"mtta_median_seconds"`
	MTTRSeconds float64 `json:"mttr_median_seconds"`
}

// Stat summarises durations, in seconds.
type Stat struct {
	Count  int     `json:"count"`
	Median float64 `json:"median_seconds"`
	Mean   float64 `json:"mean_seconds"`
	P90    float64 `json:"p90_seconds"`
}

// Trend compares the median time to resolve in the window's two halves.
type Trend struct {
	FirstHalf  Stat `json:"first_half"`
	SecondHalf Stat `json:"second_half"`
	// Direction is better, worse, flat (within 10%), or unknown when a
	// half has no resolved incident.
	Direction string `json:"direction"`
}

// ServiceCount is one service's share of the incidents.
type ServiceCount struct {
	Name        string  `json:"name"`
	Incidents   int     `json:"incidents"`
	MTTRSeconds float64 `json:"mttr_median_seconds"`
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

// topServices is how many services the report names.
const topServices = 8

// aiConnected are the connections that count as an AI-related incident.
var aiConnected = []incident.AIConnection{incident.AICode, incident.AIDeploy, incident.AIProvider, incident.AIModel, incident.AICost}

// Compute works out the report for incidents declared from since to until,
// for one service or all (""). A service's report leaves private
// incidents out, since counting them there would say where they were.
func Compute(all []Facts, since, until time.Time, service string) Report {
	since, until = since.UTC(), until.UTC()
	r := Report{SchemaVersion: 1, Since: since, Until: until, Service: service,
		BySeverity: map[string]int{}, MTTABySeverity: map[string]Stat{}, MTTRBySeverity: map[string]Stat{},
		Drafts: Drafts{BySource: map[string]Outcomes{}}}
	for _, sev := range severities {
		r.BySeverity[sev.String()] = 0
	}
	var in []Facts
	for _, f := range all {
		if f.DeclaredAt.Before(since) || f.DeclaredAt.After(until) {
			continue
		}
		if service != "" && (f.Private || !slices.Contains(f.Services, service)) {
			continue
		}
		in = append(in, f)
	}
	slices.SortFunc(in, func(a, b Facts) int {
		return cmp.Or(a.DeclaredAt.Compare(b.DeclaredAt), cmp.Compare(a.Number, b.Number))
	})
	r.Incidents = len(in)

	weekStart := monday(since)
	for w := weekStart; !w.After(until); w = w.AddDate(0, 0, 7) {
		r.Weeks = append(r.Weeks, Week{Start: w})
	}
	weekTTA := make([][]float64, len(r.Weeks))
	weekTTR := make([][]float64, len(r.Weeks))
	var tta, ttr []float64
	bySevTTA, bySevTTR := map[string][]float64{}, map[string][]float64{}
	services := map[string][]Facts{}
	ai := map[string]int{}
	mid := since.Add(until.Sub(since) / 2)
	var firstTTR, secondTTR []float64

	for _, f := range in {
		sev := f.Severity.String()
		r.BySeverity[sev]++
		w := int(f.DeclaredAt.Sub(weekStart) / (7 * 24 * time.Hour))
		w = min(max(w, 0), len(r.Weeks)-1)
		if f.Severity >= incident.P1 && f.Severity <= incident.P4 {
			r.Weeks[w].Counts[f.Severity-1]++
		}
		if !f.AcknowledgedAt.IsZero() && !f.AcknowledgedAt.Before(f.DeclaredAt) {
			d := f.AcknowledgedAt.Sub(f.DeclaredAt).Seconds()
			tta, bySevTTA[sev], weekTTA[w] = append(tta, d), append(bySevTTA[sev], d), append(weekTTA[w], d)
		}
		if !f.ResolvedAt.IsZero() && !f.ResolvedAt.Before(f.DeclaredAt) {
			d := f.ResolvedAt.Sub(f.DeclaredAt).Seconds()
			ttr, bySevTTR[sev], weekTTR[w] = append(ttr, d), append(bySevTTR[sev], d), append(weekTTR[w], d)
			if f.DeclaredAt.Before(mid) {
				firstTTR = append(firstTTR, d)
			} else {
				secondTTR = append(secondTTR, d)
			}
		}
		switch {
		case f.Private:
			services[PrivateService] = append(services[PrivateService], f)
		case len(f.Services) == 0:
		default:
			for _, s := range f.Services {
				services[s] = append(services[s], f)
			}
		}
		conn := string(f.AI)
		if conn == "" {
			conn = "unset"
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
	for _, sev := range severities {
		r.MTTABySeverity[sev.String()] = stat(bySevTTA[sev.String()])
		r.MTTRBySeverity[sev.String()] = stat(bySevTTR[sev.String()])
	}
	for i := range r.Weeks {
		r.Weeks[i].MTTASeconds = stat(weekTTA[i]).Median
		r.Weeks[i].MTTRSeconds = stat(weekTTR[i]).Median
	}
	r.Trend = trend(stat(firstTTR), stat(secondTTR))
	for name, fs := range services {
		var d []float64
		for _, f := range fs {
			if !f.ResolvedAt.IsZero() {
				d = append(d, f.ResolvedAt.Sub(f.DeclaredAt).Seconds())
			}
		}
		r.TopServices = append(r.TopServices, ServiceCount{Name: name, Incidents: len(fs), MTTRSeconds: stat(d).Median})
	}
	slices.SortFunc(r.TopServices, func(a, b ServiceCount) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Name, b.Name))
	})
	r.TopServices = r.TopServices[:min(len(r.TopServices), topServices)]
	for _, c := range append(slices.Clone(incident.AIConnections), "unset") {
		if n := ai[string(c)]; n > 0 {
			r.AI = append(r.AI, AICount{Connection: string(c), Incidents: n})
		}
	}
	if r.Incidents > 0 {
		r.AIShare = float64(r.AIConnected) / float64(r.Incidents)
	}
	r.Drafts.finish()
	for k, o := range r.Drafts.BySource {
		o.finish()
		r.Drafts.BySource[k] = o
	}
	return r
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
	return Stat{Count: n, Median: med, Mean: sum / float64(n), P90: p90}
}

func trend(first, second Stat) Trend {
	t := Trend{FirstHalf: first, SecondHalf: second, Direction: "unknown"}
	if first.Count == 0 || second.Count == 0 || first.Median == 0 {
		return t
	}
	switch r := second.Median / first.Median; {
	case r < 0.9:
		t.Direction = "better"
	case r > 1.1:
		t.Direction = "worse"
	default:
		t.Direction = "flat"
	}
	return t
}

// monday is the start of t's ISO week, in UTC.
func monday(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

var severities = []incident.Severity{incident.P1, incident.P2, incident.P3, incident.P4}
