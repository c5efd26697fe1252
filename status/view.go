package status

import (
	"cmp"
	"slices"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// view is one rendering's worth of facts, shared by the HTML, the JSON and
// the feed so that the three never disagree.
type view struct {
	Settings   Settings
	Now        time.Time
	Overall    incident.ComponentState
	Components []componentView
	Open       []incidentView // newest first
	Past       []incidentView // resolved within the window, newest first
	Days       int
}

type componentView struct {
	Name   string
	State  incident.ComponentState
	Uptime float64 // percent of the window without a partial or major outage
	Days   []dayView
}

// dayView is one day of a component's history bar.
type dayView struct {
	Date     time.Time // midnight UTC
	State    incident.ComponentState
	Downtime time.Duration // partial or major outage
}

type incidentView struct {
	ID         string // public: the first update's draft id, never the number
	Name       string
	Status     incident.Status // as announced, or resolved once it is
	Impact     incident.ComponentState
	Components []string
	StartedAt  time.Time
	ResolvedAt time.Time
	Updates    []incident.PublicUpdate // newest first
}

// stateRank orders states from best to worst.
func stateRank(s incident.ComponentState) int {
	switch s {
	case incident.Degraded:
		return 1
	case incident.PartialOutage:
		return 2
	case incident.MajorOutage:
		return 3
	}
	return 0
}

func worse(a, b incident.ComponentState) incident.ComponentState {
	if stateRank(b) > stateRank(a) {
		return b
	}
	return a
}

// down reports whether a state counts against uptime: customers could not
// use the component, not merely slower.
func down(s incident.ComponentState) bool { return stateRank(s) >= 2 }

// build works out the page from the public incidents. Components are the
// catalog's status components; an incident affects those its services map
// to, and its impact is its severity's state.
func build(s Settings, now time.Time, incs []incident.PublicIncident) view {
	days := s.days()
	today := now.UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -(days - 1))
	v := view{Settings: s, Now: now, Overall: incident.Operational, Days: days}

	index := map[string]int{}
	for _, name := range s.componentNames() {
		index[name] = len(v.Components)
		c := componentView{Name: name, State: incident.Operational, Days: make([]dayView, days)}
		for d := range c.Days {
			c.Days[d] = dayView{Date: start.AddDate(0, 0, d), State: incident.Operational}
		}
		v.Components = append(v.Components, c)
	}

	// The store lists oldest first; walking back yields newest first.
	for _, pi := range slices.Backward(incs) {
		latest, ok := pi.Latest()
		if !ok {
			continue
		}
		iv := incidentView{
			ID: pi.Updates[0].DraftID, Name: latest.Headline, Status: latest.Status,
			Impact: s.state(pi.Severity), Components: s.components(pi.Services),
			StartedAt: pi.DeclaredAt, ResolvedAt: pi.ResolvedAt,
			Updates: slices.Clone(pi.Updates),
		}
		slices.Reverse(iv.Updates)
		open := pi.ResolvedAt.IsZero()
		if !open {
			// The bot knows it is over even before anyone says so.
			iv.Status = incident.Resolved
		}
		end := pi.ResolvedAt
		if open {
			end = now
			v.Open = append(v.Open, iv)
			v.Overall = worse(v.Overall, iv.Impact)
		} else if !end.Before(start) {
			v.Past = append(v.Past, iv)
		}
		for _, name := range iv.Components {
			c := &v.Components[index[name]]
			if open {
				c.State = worse(c.State, iv.Impact)
			}
			c.mark(start, pi.DeclaredAt, end, iv.Impact)
		}
	}
	newest := func(a, b incidentView) int { return cmp.Compare(b.StartedAt.UnixNano(), a.StartedAt.UnixNano()) }
	for _, l := range [][]incidentView{v.Open, v.Past} {
		if !slices.IsSortedFunc(l, newest) {
			slices.SortStableFunc(l, newest)
		}
	}

	window := now.Sub(start)
	for i := range v.Components {
		c := &v.Components[i]
		var downtime time.Duration
		for _, d := range c.Days {
			downtime += d.Downtime
		}
		c.Uptime = 100 * (1 - min(1, downtime.Seconds()/window.Seconds()))
	}
	return v
}

// mark spreads an incident over the days it touched, from from to to.
// Overlapping outages on one day may add up to more than the day; the
// day's downtime is capped at the day.
func (c *componentView) mark(start, from, to time.Time, st incident.ComponentState) {
	if to.Before(start) || len(c.Days) == 0 {
		return
	}
	from = later(from, start)
	first := int(from.Sub(start) / (24 * time.Hour))
	for i := first; i < len(c.Days); i++ {
		d := &c.Days[i]
		if to.Before(d.Date) {
			break
		}
		dayEnd := d.Date.Add(24 * time.Hour)
		d.State = worse(d.State, st)
		if down(st) {
			span := earlier(to, dayEnd).Sub(later(from, d.Date))
			d.Downtime = min(24*time.Hour, d.Downtime+max(0, span))
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
