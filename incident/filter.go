package incident

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter narrows lists and searches of incidents. A zero field matches
// everything; every set field must match.
type Filter struct {
	Services   []string
	Severities []Severity
	AI         []AIConnection
	Statuses   []Status
	// Since and Until bound the declaration time: Since inclusive, Until
	// exclusive (the day after an until: date).
	Since, Until time.Time
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool {
	return len(f.Services) == 0 && len(f.Severities) == 0 && len(f.AI) == 0 && len(f.Statuses) == 0 &&
		f.Since.IsZero() && f.Until.IsZero()
}

// Historical reports whether the filter asks about the past (a date or a
// status), so a list should look beyond the active incidents.
func (f Filter) Historical() bool {
	return len(f.Statuses) > 0 || !f.Since.IsZero() || !f.Until.IsZero()
}

// Match reports whether inc passes the filter.
func (f Filter) Match(inc Incident) bool {
	if len(f.Services) > 0 && !slices.ContainsFunc(inc.Services, func(s string) bool { return slices.Contains(f.Services, s) }) {
		return false
	}
	if len(f.Severities) > 0 && !slices.Contains(f.Severities, inc.Severity) {
		return false
	}
	if len(f.AI) > 0 && !slices.Contains(f.AI, inc.AI) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, inc.Status) {
		return false
	}
	if !f.Since.IsZero() && inc.DeclaredAt.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !inc.DeclaredAt.Before(f.Until) {
		return false
	}
	return true
}

// FilterHelp lists the filter keys, for replies.
const FilterHelp = "Filters: `service:checkout`, `severity:P1` (or `P1,P2`, `<=P2`), `ai:code`, `status:resolved`, `since:2026-11-01` or `since:30d`, `until:2026-12-01`."

var filterAge = regexp.MustCompile(`^([0-9]{1,4})(d|w)$`)

// ParseFilter takes the key:value filters out of a query and returns them
// with the remaining words. A word with a colon whose key is not a filter
// stays a word ("error:" in a pasted message); a filter key with a bad
// value is a user error saying what to write.
func ParseFilter(query string, catalog Catalog, now time.Time, loc *time.Location) (Filter, []string, error) {
	if loc == nil {
		loc = time.UTC
	}
	var f Filter
	var words []string
	for _, w := range strings.Fields(query) {
		key, value, ok := strings.Cut(w, ":")
		key = strings.ToLower(key)
		if !ok || value == "" || !isFilterKey(key) {
			words = append(words, w)
			continue
		}
		if err := f.add(key, value, catalog, now, loc); err != nil {
			return Filter{}, nil, err
		}
	}
	return f, words, nil
}

func isFilterKey(k string) bool {
	switch k {
	case "service", "svc", "severity", "sev", "ai", "status", "since", "after", "from", "until", "before", "to":
		return true
	}
	return false
}

func (f *Filter) add(key, value string, catalog Catalog, now time.Time, loc *time.Location) error {
	bad := func(what string) error {
		return Errorf(EInvalid, "`%s:%s` — %s. %s", key, Truncate(CleanText(value), 30), what, FilterHelp)
	}
	switch key {
	case "service", "svc":
		for _, v := range strings.Split(value, ",") {
			name, ok := catalog.Resolve(v)
			if !ok {
				if len(catalog) > 0 {
					return bad("the catalog has " + codeList(catalog.Names()))
				}
				return bad("not a service name")
			}
			f.Services = append(f.Services, name)
		}
	case "severity", "sev":
		if rest, ok := strings.CutPrefix(value, "<="); ok {
			s, ok := ParseSeverity(rest)
			if !ok {
				return bad("severities are P1 to P4")
			}
			for x := P1; x <= s; x++ {
				f.Severities = append(f.Severities, x)
			}
			return nil
		}
		for _, v := range strings.Split(value, ",") {
			s, ok := ParseSeverity(v)
			if !ok {
				return bad("severities are P1 to P4")
			}
			f.Severities = append(f.Severities, s)
		}
	case "ai":
		for _, v := range strings.Split(value, ",") {
			a, ok := ParseAI(v)
			if !ok {
				return bad("AI connections are " + codeList(aiNames()))
			}
			f.AI = append(f.AI, a)
		}
	case "status":
		for _, v := range strings.Split(value, ",") {
			if strings.EqualFold(v, "active") {
				f.Statuses = append(f.Statuses, Investigating, Identified, Monitoring)
				continue
			}
			s, ok := ParseStatus(v)
			if !ok {
				return bad("statuses are active, investigating, identified, monitoring and resolved")
			}
			f.Statuses = append(f.Statuses, s)
		}
	default: // dates
		t, err := filterDate(value, now, loc)
		if err != nil {
			return bad("write a date as YYYY-MM-DD, or an age like `30d` or `2w`")
		}
		if key == "until" || key == "before" || key == "to" {
			f.Until = t.AddDate(0, 0, 1)
			if key == "before" {
				f.Until = t
			}
		} else {
			f.Since = t
		}
	}
	return nil
}

// filterDate reads YYYY-MM-DD (midnight in loc) or an age back from now.
func filterDate(v string, now time.Time, loc *time.Location) (time.Time, error) {
	if m := filterAge.FindStringSubmatch(strings.ToLower(v)); m != nil {
		n, _ := strconv.Atoi(m[1])
		if m[2] == "w" {
			n *= 7
		}
		day := now.In(loc).AddDate(0, 0, -n)
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc), nil
	}
	return time.ParseInLocation(time.DateOnly, v, loc)
}
