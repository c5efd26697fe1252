package status

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

// The JSON is a public contract (schema_version 1): scripts and other
// status aggregators read it. Fields are added, never renamed.
type pageJSON struct {
	SchemaVersion int             `json:"schema_version"`
	Page          pageInfo        `json:"page"`
	Status        overallJSON     `json:"status"`
	Components    []componentJSON `json:"components"`
	Incidents     []incidentJSON  `json:"incidents"`
}

type pageInfo struct {
	Title     string    `json:"title"`
	Name      string    `json:"name,omitempty"`
	URL       string    `json:"url"`
	UpdatedAt time.Time `json:"updated_at"`
}

type overallJSON struct {
	Indicator   incident.ComponentState `json:"indicator"`
	Description string                  `json:"description"`
}

type componentJSON struct {
	Name          string                  `json:"name"`
	Status        incident.ComponentState `json:"status"`
	UptimePercent float64                 `json:"uptime_percent"`
	Days          []dayJSON               `json:"days"`
}

type dayJSON struct {
	Date            string                  `json:"date"`
	Status          incident.ComponentState `json:"status"`
	DowntimeSeconds int64                   `json:"downtime_seconds"`
}

type incidentJSON struct {
	ID         string                  `json:"id"`
	Name       string                  `json:"name"`
	Status     incident.Status         `json:"status"`
	Impact     incident.ComponentState `json:"impact"`
	Components []string                `json:"components"`
	StartedAt  time.Time               `json:"started_at"`
	ResolvedAt *time.Time              `json:"resolved_at"`
	Updates    []updateJSON            `json:"updates"`
}

type updateJSON struct {
	ID     string          `json:"id"`
	Status incident.Status `json:"status"`
	Body   string          `json:"body"`
	At     time.Time       `json:"at"`
}

func renderJSON(v view, base string) ([]byte, error) {
	doc := pageJSON{
		SchemaVersion: 1,
		Page:          pageInfo{Title: v.Settings.title(), Name: v.Settings.Name, URL: base, UpdatedAt: v.Now.UTC()},
		Status:        overallJSON{Indicator: v.Overall, Description: overallLabel(v.Overall)},
		Components:    []componentJSON{},
		Incidents:     []incidentJSON{},
	}
	for _, c := range v.Components {
		cj := componentJSON{Name: c.Name, Status: c.State, UptimePercent: float64(int64(c.Uptime*1000)) / 1000}
		for _, d := range c.Days {
			cj.Days = append(cj.Days, dayJSON{Date: d.Date.Format(time.DateOnly), Status: d.State,
				DowntimeSeconds: int64(d.Downtime.Seconds())})
		}
		doc.Components = append(doc.Components, cj)
	}
	for _, iv := range slices.Concat(v.Open, v.Past) {
		ij := incidentJSON{ID: iv.ID, Name: iv.Name, Status: iv.Status, Impact: iv.Impact,
			Components: append([]string{}, iv.Components...), StartedAt: iv.StartedAt.UTC()}
		if !iv.ResolvedAt.IsZero() {
			t := iv.ResolvedAt.UTC()
			ij.ResolvedAt = &t
		}
		for _, u := range iv.Updates {
			ij.Updates = append(ij.Updates, updateJSON{ID: u.DraftID, Status: u.Status, Body: u.Text, At: u.At.UTC()})
		}
		doc.Incidents = append(doc.Incidents, ij)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// The feed has one entry per approved update, newest first, so a feed
// reader shows each as it is published.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Content atomContent `xml:"content"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// maxEntries bounds the feed; readers poll it, they do not page it.
const maxEntries = 50

func renderAtom(v view, base string) ([]byte, error) {
	s := v.Settings
	author := s.Name
	if author == "" {
		author = s.title()
	}
	feed := atomFeed{
		ID: base + "/feed.atom", Title: s.title(), Updated: v.Now.UTC().Format(time.RFC3339),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: base}},
		Author: atomAuthor{Name: author},
	}
	type item struct {
		iv incidentView
		u  incident.PublicUpdate
	}
	var items []item
	for _, iv := range slices.Concat(v.Open, v.Past) {
		for _, u := range iv.Updates {
			items = append(items, item{iv, u})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return b.u.At.Compare(a.u.At) })
	if len(items) > maxEntries {
		items = items[:maxEntries]
	}
	var latest time.Time
	for _, it := range items {
		if it.u.At.After(latest) {
			latest = it.u.At
		}
		var body strings.Builder
		fmt.Fprintf(&body, "<p><strong>%s</strong> · %s</p>\n", statusLabel(it.u.Status), when(it.u.At))
		if len(it.iv.Components) > 0 {
			fmt.Fprintf(&body, "<p>Affects %s</p>\n", xmlText(strings.Join(it.iv.Components, ", ")))
		}
		body.WriteString(string(markdown(it.u.Text)))
		feed.Entries = append(feed.Entries, atomEntry{
			ID:      base + "#" + it.u.DraftID,
			Title:   fmt.Sprintf("%s: %s", statusLabel(it.u.Status), it.iv.Name),
			Updated: it.u.At.UTC().Format(time.RFC3339),
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + "#" + it.iv.ID},
			Content: atomContent{Type: "html", Body: body.String()},
		})
	}
	if !latest.IsZero() {
		feed.Updated = latest.UTC().Format(time.RFC3339)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
