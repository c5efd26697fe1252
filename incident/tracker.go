package incident

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// TrackerKind names an issue tracker follow-ups can be exported to.
type TrackerKind string

// The trackers the bot speaks.
const (
	TrackerGitHub TrackerKind = "github"
	TrackerJira   TrackerKind = "jira"
	TrackerLinear TrackerKind = "linear"
)

// TrackerTarget is where a service's follow-ups go, written in the config
// file as "github:org/repo", "jira:PROJ" or "linear:TEAM".
type TrackerTarget struct {
	Kind    TrackerKind
	Project string // org/repo, a Jira project key, a Linear team key
}

var (
	githubRepo  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	jiraProject = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,9}$`)
	linearTeam  = regexp.MustCompile(`^[A-Za-z0-9]{1,7}$`)
)

// ParseTrackerTarget reads "github:org/repo", "jira:PROJ" or
// "linear:TEAM"; its errors are sentences for the config file's author.
func ParseTrackerTarget(s string) (TrackerTarget, error) {
	kind, project, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || project == "" {
		return TrackerTarget{}, fmt.Errorf("%q is not a tracker: write github:org/repo, jira:PROJ or linear:TEAM", s)
	}
	t := TrackerTarget{Kind: TrackerKind(strings.ToLower(kind)), Project: project}
	switch t.Kind {
	case TrackerGitHub:
		if !githubRepo.MatchString(project) {
			return TrackerTarget{}, fmt.Errorf("%q is not a GitHub repository: write github:org/repo", s)
		}
	case TrackerJira:
		if !jiraProject.MatchString(project) {
			return TrackerTarget{}, fmt.Errorf("%q is not a Jira project key: write jira:PROJ, the key in capitals", s)
		}
	case TrackerLinear:
		if !linearTeam.MatchString(project) {
			return TrackerTarget{}, fmt.Errorf("%q is not a Linear team key: write linear:TEAM, the key issues are numbered with", s)
		}
		t.Project = strings.ToUpper(project)
	default:
		return TrackerTarget{}, fmt.Errorf("%q names no tracker the bot speaks: write github:org/repo, jira:PROJ or linear:TEAM", s)
	}
	return t, nil
}

func (t TrackerTarget) String() string {
	if t.Kind == "" {
		return ""
	}
	return string(t.Kind) + ":" + t.Project
}

// TrackerIssue is a follow-up as a tracker is given it.
type TrackerIssue struct {
	// Key is the item's idempotency key ("incidentbot/INC-12/a3f9"). It is
	// written into the issue so that a create whose answer was lost can be
	// found again instead of made twice.
	Key      string
	Title    string
	Body     string // Markdown
	Assignee string // the owner's identity in that tracker; "" for none
	Due      time.Time
	Labels   []string
}

// TrackerRef is one issue in a tracker.
type TrackerRef struct {
	Kind    TrackerKind
	Project string
	// ID is the tracker's own id (GitHub's issue number, Jira's issue id,
	// Linear's UUID); Key is what people call it (acme/app#12, CHK-12,
	// ENG-4).
	ID  string
	Key string
	URL string
}

// TrackerUpdate is news about an issue from a tracker's webhook or a poll.
type TrackerUpdate struct {
	Kind    TrackerKind
	Project string
	ID      string // as in TrackerRef
	Key     string
	URL     string
	Done    bool   // closed, completed, in a done category
	Actor   string // who did it, by the tracker's display name; "" if unknown
	EventID string // the delivery's id, for dedupe; "" if the tracker sends none
}

// FollowUpPolicy is where action items go: the default tracker (a
// service's own tracker wins), whether an approved postmortem exports them
// by itself, and each Slack user's identity in the trackers, for owners.
type FollowUpPolicy struct {
	Tracker    TrackerTarget
	AutoExport bool
	// Users maps a Slack user ID to their login (github), account id
	// (jira) or user id (linear).
	Users map[string]map[TrackerKind]string
}

// TrackerFor is where an incident on services exports: the first of its
// services that names a tracker, else the default; Kind "" when neither.
func (f FollowUpPolicy) TrackerFor(catalog Catalog, services []string) TrackerTarget {
	for _, name := range services {
		if s, ok := catalog.Lookup(name); ok && s.Tracker.Kind != "" {
			return s.Tracker
		}
	}
	return f.Tracker
}

// FollowUpID names one action item of one incident.
type FollowUpID struct {
	Number int64
	ItemID string
}
