package incident

import (
	"regexp"
	"slices"
	"strings"
)

// Service is one entry of the team's service catalog: what an incident can
// be about, who owns it and where to look. Routing keys are secrets and stay
// in the paging adapter; the domain knows services by name.
type Service struct {
	Name    string   // lowercase, e.g. "checkout"
	Aliases []string // other names people type, lowercase
	// Owners are Slack user (U…, W…) and user-group (S…) IDs invited when an
	// incident on the service is declared.
	Owners          []string
	Dashboards      []Link
	Runbooks        []string // keywords or files suggested first
	StatusComponent string   // the status page component it maps to
	// StatuspageComponentID is the component's id on Atlassian Statuspage,
	// when updates are pushed there.
	StatuspageComponentID string
	// Tracker is where the service's follow-ups are exported; its Kind is
	// "" to use the file's default.
	Tracker TrackerTarget
}

// Link is a named URL.
type Link struct {
	Name string
	URL  string
}

// Catalog is the service catalog. An empty catalog accepts any service name
// that looks like one, so teams without a config file can still record it.
type Catalog []Service

// serviceName is what a service name may look like: lowercase words joined
// by - _ or ., like PagerDuty and Kubernetes name services.
var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidServiceName reports whether s may name a service.
func ValidServiceName(s string) bool { return serviceName.MatchString(s) }

// Lookup finds a service by name or alias, case-insensitively.
func (c Catalog) Lookup(name string) (Service, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, s := range c {
		if s.Name == name || slices.Contains(s.Aliases, name) {
			return s, true
		}
	}
	return Service{}, false
}

// Names lists the catalog's service names in catalog order.
func (c Catalog) Names() []string {
	out := make([]string, 0, len(c))
	for _, s := range c {
		out = append(out, s.Name)
	}
	return out
}

// Resolve turns what someone typed into a service's name: the catalog name
// when the catalog knows it (by name or alias), the typed name lowercased
// when the catalog is empty.
func (c Catalog) Resolve(typed string) (string, bool) {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if len(c) == 0 {
		return typed, ValidServiceName(typed)
	}
	s, ok := c.Lookup(typed)
	return s.Name, ok
}
