package config

import (
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
)

// FollowUps is the file's tracker, auto_export and users.
type FollowUps = incident.FollowUpPolicy

// tracker decodes a tracker: value, like github:acme/incidents.
func (d *decoder) tracker(n *yaml.Node) (incident.TrackerTarget, bool) {
	s, ok := d.scalar(n, "tracker")
	if !ok {
		return incident.TrackerTarget{}, false
	}
	t, err := incident.ParseTrackerTarget(s)
	if err != nil {
		d.errorf(n, "tracker: %v", err)
		return incident.TrackerTarget{}, false
	}
	return t, true
}

var githubLogin = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)

const usersExample = `"- slack: U0123ABCD" with "github: ali-dev" under it`

// users decodes the users: list, Slack user → tracker identities.
func (d *decoder) users(n *yaml.Node) {
	d.list(n, "users", usersExample, func(item *yaml.Node) {
		var slack string
		var slackAt *yaml.Node
		ids := map[incident.TrackerKind]string{}
		identity := func(kind incident.TrackerKind, valid *regexp.Regexp, hint string) func(*yaml.Node) {
			return func(v *yaml.Node) {
				s := d.text(v, string(kind), hint)
				if s == "" {
					return
				}
				if valid != nil && !valid.MatchString(s) {
					d.errorf(v, "%s: %q %s", kind, s, hint)
					return
				}
				ids[kind] = s
			}
		}
		d.mapping(item, "a user", usersExample, []field{
			{"slack", func(v *yaml.Node) {
				slackAt, slack = v, d.text(v, "slack", "write the person's Slack member ID, like U0123ABCD")
				if slack != "" && !incident.IsUserID(slack) {
					d.errorf(v, "slack: %s", badOwner(slack))
					slack = ""
				}
			}},
			{"github", identity(incident.TrackerGitHub, githubLogin, "is not a GitHub login; write the login without @, like ali-dev")},
			{"jira", identity(incident.TrackerJira, nil, "write the person's Jira account id (their profile URL ends with it)")},
			{"linear", identity(incident.TrackerLinear, nil, "write the person's Linear user id")},
		})
		if !d.entry(item, "user", `"- slack: U0123ABCD"`) {
			return
		}
		if slackAt == nil {
			d.errorf(d.resolve(item), "this user has no slack:; add their Slack member ID, like \"slack: U0123ABCD\"")
			return
		}
		if slack == "" {
			return
		}
		if _, dup := d.cfg.FollowUps.Users[slack]; dup {
			d.errorf(slackAt, "slack: %s is listed twice in users:; keep one entry with all their identities", slack)
			return
		}
		if d.cfg.FollowUps.Users == nil {
			d.cfg.FollowUps.Users = map[string]map[incident.TrackerKind]string{}
		}
		d.cfg.FollowUps.Users[slack] = ids
	})
}
