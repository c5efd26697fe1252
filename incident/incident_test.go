package incident_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/incident"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want incident.Severity
		ok   bool
	}{
		{"upper P1", "P1", incident.P1, true},
		{"lower p2", "p2", incident.P2, true},
		{"bare digit", "3", incident.P3, true},
		{"sev prefix", "SEV4", incident.P4, true},
		{"lower sev prefix", "sev1", incident.P1, true},
		{"surrounding space", "  P2 \t", incident.P2, true},
		{"out of range", "P5", 0, false},
		{"zero", "P0", 0, false},
		{"empty", "", 0, false},
		{"prefix only", "P", 0, false},
		{"word", "high", 0, false},
		{"two digits", "P11", 0, false},
		{"negative", "-1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := incident.ParseSeverity(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseSeverity(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if ok && !got.Valid() {
				t.Errorf("ParseSeverity(%q) returned invalid severity %d", tt.in, got)
			}
		})
	}
}

func TestSeverityStringAndValid(t *testing.T) {
	tests := []struct {
		name  string
		s     incident.Severity
		str   string
		valid bool
	}{
		{"P1", incident.P1, "P1", true},
		{"P4", incident.P4, "P4", true},
		{"zero", 0, "P?", false},
		{"too large", 5, "P?", false},
		{"negative", -1, "P?", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.String(); got != tt.str {
				t.Errorf("String() = %q; want %q", got, tt.str)
			}
			if got := tt.s.Valid(); got != tt.valid {
				t.Errorf("Valid() = %v; want %v", got, tt.valid)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want incident.Status
		ok   bool
	}{
		{"investigating", "investigating", incident.Investigating, true},
		{"mixed case", "Identified", incident.Identified, true},
		{"upper with space", " MONITORING ", incident.Monitoring, true},
		{"resolved", "resolved", incident.Resolved, true},
		{"unknown", "fixed", "", false},
		{"empty", "", "", false},
		{"prefix only", "resolv", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := incident.ParseStatus(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseStatus(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCanTransition(t *testing.T) {
	for _, from := range incident.Statuses {
		for _, to := range incident.Statuses {
			var want string
			switch {
			case from == to:
				want = incident.ENoop
			case from == incident.Resolved && to != incident.Investigating:
				want = incident.EInvalid
			}
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				err := incident.CanTransition(from, to)
				if got := incident.ErrorCode(err); got != want {
					t.Fatalf("CanTransition(%s, %s) code = %q (err %v); want %q", from, to, got, err, want)
				}
				if err != nil && incident.ErrorMessage(err) == "" {
					t.Errorf("CanTransition(%s, %s) has an empty user message", from, to)
				}
			})
		}
	}
	if got := incident.ErrorMessage(incident.CanTransition(incident.Monitoring, incident.Monitoring)); !strings.Contains(got, "monitoring") {
		t.Errorf("noop message %q does not name the status", got)
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want incident.Role
		ok   bool
	}{
		{"lead", "lead", incident.Lead, true},
		{"ic alias", "IC", incident.Lead, true},
		{"commander alias", "commander", incident.Lead, true},
		{"incident-commander alias", "incident-commander", incident.Lead, true},
		{"comms", "comms", incident.Comms, true},
		{"communications alias", "Communications", incident.Comms, true},
		{"comm alias", "comm", incident.Comms, true},
		{"tech", "tech", incident.Tech, true},
		{"tech-lead alias", "tech-lead", incident.Tech, true},
		{"techlead alias", " TechLead ", incident.Tech, true},
		{"scribe", "scribe", incident.Scribe, true},
		{"notes alias", "notes", incident.Scribe, true},
		{"unknown", "boss", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := incident.ParseRole(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRoleTitle(t *testing.T) {
	tests := []struct {
		name string
		role incident.Role
		want string
	}{
		{"lead", incident.Lead, "Incident lead"},
		{"comms", incident.Comms, "Comms lead"},
		{"tech", incident.Tech, "Tech lead"},
		{"scribe", incident.Scribe, "Scribe"},
		{"custom", incident.Role("observer"), "observer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.role.Title(); got != tt.want {
				t.Errorf("Title() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"seconds", 45 * time.Second, "45s"},
		{"sub-second rounds down", 400 * time.Millisecond, "0s"},
		{"rounds up to a minute", 59*time.Second + 600*time.Millisecond, "1m"},
		{"minutes drop seconds", 12*time.Minute + 45*time.Second, "12m"},
		{"exact hour", time.Hour, "1h"},
		{"hours and minutes", 2*time.Hour + 5*time.Minute, "2h 5m"},
		{"rounds up to an hour", 59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h"},
		{"just under a day", 23*time.Hour + 59*time.Minute, "23h 59m"},
		{"exact day", 24 * time.Hour, "1d"},
		{"days and hours", 3*24*time.Hour + 4*time.Hour + 30*time.Minute, "3d 4h"},
		{"many days", 40 * 24 * time.Hour, "40d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incident.FormatDuration(tt.d); got != tt.want {
				t.Errorf("FormatDuration(%v) = %q; want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestIncidentDuration(t *testing.T) {
	declared := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		resolved time.Time
		now      time.Time
		want     time.Duration
	}{
		{"active uses now", time.Time{}, declared.Add(90 * time.Minute), 90 * time.Minute},
		{"resolved ignores now", declared.Add(2 * time.Hour), declared.Add(48 * time.Hour), 2 * time.Hour},
		{"clock before declare is zero", time.Time{}, declared.Add(-time.Minute), 0},
		{"resolved before declare is zero", declared.Add(-time.Hour), declared.Add(time.Hour), 0},
		{"at declare is zero", time.Time{}, declared, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := incident.Incident{DeclaredAt: declared, ResolvedAt: tt.resolved}
			if got := inc.Duration(tt.now); got != tt.want {
				t.Errorf("Duration(%v) = %v; want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestIncidentIDAndActive(t *testing.T) {
	tests := []struct {
		name   string
		inc    incident.Incident
		id     string
		active bool
	}{
		{"investigating", incident.Incident{Number: 42, Status: incident.Investigating}, "INC-42", true},
		{"monitoring", incident.Incident{Number: 1000, Status: incident.Monitoring}, "INC-1000", true},
		{"resolved", incident.Incident{Number: 7, Status: incident.Resolved}, "INC-7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.inc.ID(); got != tt.id {
				t.Errorf("ID() = %q; want %q", got, tt.id)
			}
			if got := tt.inc.Active(); got != tt.active {
				t.Errorf("Active() = %v; want %v", got, tt.active)
			}
		})
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	coded := incident.Errorf(incident.EConflict, "Someone else resolved %s first.", "INC-3")
	internal := errors.New("dial tcp 10.0.0.1:6379: connection refused")
	tests := []struct {
		name    string
		err     error
		code    string
		message string
	}{
		{"nil", nil, "", ""},
		{"coded", coded, incident.EConflict, "Someone else resolved INC-3 first."},
		{"wrapped once", fmt.Errorf("resolve: %w", coded), incident.EConflict, "Someone else resolved INC-3 first."},
		{"wrapped twice", fmt.Errorf("handler: %w", fmt.Errorf("store: %w", coded)), incident.EConflict, "Someone else resolved INC-3 first."},
		{"joined with internal", errors.Join(internal, coded), incident.EConflict, "Someone else resolved INC-3 first."},
		{"plain", internal, incident.EInternal, ""},
		{"wrapped plain", fmt.Errorf("load incident 3: %w", internal), incident.EInternal, ""},
		{"not found sentinel", fmt.Errorf("get: %w", incident.ErrNotFound), incident.EInternal, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incident.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q; want %q", got, tt.code)
			}
			msg := incident.ErrorMessage(tt.err)
			if tt.code != incident.EInternal {
				if msg != tt.message {
					t.Errorf("ErrorMessage = %q; want %q", msg, tt.message)
				}
				return
			}
			// Internal errors: an apology, never the Go error text.
			if !strings.Contains(strings.ToLower(msg), "sorry") {
				t.Errorf("ErrorMessage = %q; want an apology", msg)
			}
			for _, leak := range []string{tt.err.Error(), "dial tcp", "connection refused", "10.0.0.1", "not found", "load incident"} {
				if strings.Contains(msg, leak) {
					t.Errorf("ErrorMessage %q leaks %q", msg, leak)
				}
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	err := incident.Errorf(incident.EInvalid, "bad %d", 3)
	if got, want := err.Error(), "invalid: bad 3"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestParseMarks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]incident.Mark
		bad  bool
	}{
		{"two pairs", "pushpin=key_event,bulb=hypothesis",
			map[string]incident.Mark{"pushpin": incident.MarkKeyEvent, "bulb": incident.MarkHypothesis}, false},
		{"colons stripped", ":pushpin:=key_event, :rewind: = decision",
			map[string]incident.Mark{"pushpin": incident.MarkKeyEvent, "rewind": incident.MarkDecision}, false},
		{"custom mark", "eyes=watching", map[string]incident.Mark{"eyes": "watching"}, false},
		{"empty pairs skipped", ",,pushpin=key_event,, ", map[string]incident.Mark{"pushpin": incident.MarkKeyEvent}, false},
		{"later pair wins", "pushpin=key_event,pushpin=impact", map[string]incident.Mark{"pushpin": incident.MarkImpact}, false},
		{"no equals", "pushpin", nil, true},
		{"empty emoji", "=key_event", nil, true},
		{"only colons", "::=key_event", nil, true},
		{"empty mark", "pushpin=", nil, true},
		{"one bad among good", "pushpin=key_event,bulb", nil, true},
		{"empty", "", nil, true},
		{"only commas", " , ,", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := incident.ParseMarks(tt.in)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseMarks(%q) = %v; want an error", tt.in, got)
				}
				if code := incident.ErrorCode(err); code != incident.EInvalid {
					t.Errorf("error code = %q; want %q", code, incident.EInvalid)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMarks(%q): %v", tt.in, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ParseMarks(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMarkLabelAndDefaults(t *testing.T) {
	tests := []struct {
		name string
		mark incident.Mark
		want string
	}{
		{"key event", incident.MarkKeyEvent, "key event"},
		{"hypothesis", incident.MarkHypothesis, "hypothesis"},
		{"custom with underscores", incident.Mark("customer_report"), "customer report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mark.Label(); got != tt.want {
				t.Errorf("Label() = %q; want %q", got, tt.want)
			}
		})
	}
	defaults := incident.DefaultMarks()
	if defaults["pushpin"] != incident.MarkKeyEvent || len(defaults) != 5 {
		t.Errorf("DefaultMarks() = %v", defaults)
	}
	// Each call returns a fresh map, so a caller's edits cannot leak.
	defaults["pushpin"] = "x"
	if incident.DefaultMarks()["pushpin"] != incident.MarkKeyEvent {
		t.Error("DefaultMarks shares its map between calls")
	}
}
