package main

import (
	"bytes"
	"context"
	"github.com/incidentbot/incidentbot/handlers"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/redistest"
	"github.com/incidentbot/incidentbot/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestStartupFailsWithOneClearLine(t *testing.T) {
	ok := map[string]string{"SLACK_APP_TOKEN": "xapp-1-A1-1-abc", "SLACK_BOT_TOKEN": "xoxb-1-abc"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no app token", with("SLACK_APP_TOKEN", ""), "SLACK_APP_TOKEN is not set"},
		{"bot token as app token", with("SLACK_APP_TOKEN", "xoxb-1"), "must be an app-level token starting with xapp-"},
		{"no bot token", with("SLACK_BOT_TOKEN", ""), "SLACK_BOT_TOKEN is not set"},
		{"user token", with("SLACK_BOT_TOKEN", "xoxp-1"), "starting with xoxb-"},
		{"redis unreachable", with("REDIS_URL", "redis://127.0.0.1:1/0"), "cannot reach Redis"},
		{"bad marks", with("INCIDENT_MARKS", "pushpin"), "INCIDENT_MARKS"},
		{"bad cadence", with("INCIDENT_UPDATE_CADENCE", "P1=soon"), "INCIDENT_UPDATE_CADENCE"},
		{"bad llm timeout", with("LLM_TIMEOUT", "fast"), "LLM_TIMEOUT"},
		{"bad cost cap", with("LLM_COST_CAP_USD", "lots"), "LLM_COST_CAP_USD"},
		{"cost cap not a number", with("LLM_COST_CAP_USD", "NaN"), "LLM_COST_CAP_USD"},
		{"price infinite", with("LLM_PRICE_PER_1K_INPUT", "+Inf"), "LLM_PRICE_PER_1K_INPUT"},
		{"too many connections", with("SLACK_SOCKET_CONNECTIONS", "11"), "from 1 to 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, env(tt.env), slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run() error = %v, want one containing %q", err, tt.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestLoadConfigDefaultsAndOverrides(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"INCIDENT_MARKS": "pushpin=key_event,eyes=observation", "INCIDENT_UPDATE_CADENCE": "P1=10m,P4=0",
		"POSTMORTEM_REMINDER_AFTER": "24h", "LLM_TIMEOUT": "5s", "LLM_MAX_RETRIES": "-1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.apiURL != "https://slack.com/api/" || c.redis.conn.URL != "redis://localhost:6379/0" || c.httpAddr != ":8080" {
		t.Errorf("defaults = %q %q %q", c.apiURL, c.redis.conn.URL, c.httpAddr)
	}
	// The environment's cadence holds only the entries it names, so the
	// config file's others still count; drafts fall back to the defaults.
	if _, p2 := c.handlers.UpdateCadence[incident.P2]; c.handlers.Marks["eyes"] != incident.Mark("observation") ||
		c.handlers.UpdateCadence[incident.P1] != 10*time.Minute || p2 || c.handlers.UpdateCadence[incident.P4] != 0 {
		t.Errorf("handlers config = %+v", c.handlers)
	}
	if c.llm.Cadence[incident.P2] != 30*time.Minute || c.llm.Cadence[incident.P1] != 10*time.Minute {
		t.Errorf("drafts' fallback cadence = %v", c.llm.Cadence)
	}
	if c.handlers.PostmortemDue != 24*time.Hour || c.llm.Timeout != 5*time.Second || c.llm.MaxRetries != -1 {
		t.Errorf("durations = %v %v %d", c.handlers.PostmortemDue, c.llm.Timeout, c.llm.MaxRetries)
	}
	if c.pagerOn {
		t.Error("PagerDuty on without any PAGERDUTY_ variable")
	}
}

// TestLLMZeroMeansDefault: the README promises that 0 for any LLM_ number
// means its default, so setting them all to 0 must configure exactly what
// leaving them unset does; -1 retries (none) and a negative cap (no cap)
// stay as given.
func TestLLMZeroMeansDefault(t *testing.T) {
	unset, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	zero := map[string]string{}
	for _, k := range []string{"LLM_TIMEOUT", "LLM_MAX_RETRIES", "LLM_TOKEN_BUDGET", "LLM_COST_CAP_USD",
		"LLM_PRICE_PER_1K_INPUT", "LLM_PRICE_PER_1K_OUTPUT"} {
		zero[k] = "0"
	}
	zeros, err := loadConfig(env(zero))
	if err != nil {
		t.Fatalf("all LLM_ numbers 0: %v", err)
	}
	if !reflect.DeepEqual(zeros.llm, unset.llm) {
		t.Errorf("LLM_ numbers 0 gave %+v, want the unset config %+v", zeros.llm, unset.llm)
	}
	neg, err := loadConfig(env(map[string]string{"LLM_MAX_RETRIES": "-1", "LLM_COST_CAP_USD": "-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if neg.llm.MaxRetries != -1 || neg.llm.CostCapUSD != -1 {
		t.Errorf("MaxRetries=%d CostCapUSD=%v, want -1 (none) and -1 (no cap)", neg.llm.MaxRetries, neg.llm.CostCapUSD)
	}
	if _, err := loadConfig(env(map[string]string{"LLM_TIMEOUT": "-5s"})); err == nil || !strings.Contains(err.Error(), "LLM_TIMEOUT") {
		t.Errorf("negative LLM_TIMEOUT: err = %v, want an LLM_TIMEOUT error", err)
	}
}

func TestManifestDeclaresWhatTheBotNeeds(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "slack", "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command      string `yaml:"command"`
				UsageHint    string `yaml:"usage_hint"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/incident" || !m.Features.SlashCommands[0].ShouldEscape {
		t.Errorf("slash commands = %+v", m.Features.SlashCommands)
	}
	// The usage hint names only subcommands the routing table has, and the
	// buttons' action_ids are the public contract, exactly.
	routes := handlers.New(handlers.Config{}, handlers.Deps{}).Routes()
	for _, part := range strings.Split(m.Features.SlashCommands[0].UsageHint, "|") {
		if name := strings.Fields(part); len(name) > 0 && !contains(routes.CommandNames(), name[0]) {
			t.Errorf("the manifest's usage hint names %q, which is not a subcommand", name[0])
		}
	}
	wantActions := []string{"action_done", "action_export", "action_snooze", "checklist_toggle", "draft_approve", "draft_edit", "draft_reject", "draft_update", "incident_edit_details",
		"mark_set_hypothesis", "mark_set_root_cause", "resolve_confirm", "runbook_share"}
	if got := routes.ActionIDs(); strings.Join(got, ",") != strings.Join(wantActions, ",") {
		t.Errorf("action_ids = %v, want %v", got, wantActions)
	}
	need := []string{"commands", "channels:manage", "channels:history", "chat:write", "chat:write.public", "pins:write", "reactions:read", "files:write", "users:read",
		"groups:write", "groups:history", "groups:read", "usergroups:read"}
	for _, s := range need {
		if !contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	for _, e := range []string{"message.channels", "message.groups", "reaction_added", "reaction_removed"} {
		if !contains(m.Settings.Events.Bot, e) {
			t.Errorf("event %s missing", e)
		}
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled {
		t.Error("socket mode and interactivity must be on")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestWarnsWhenRedisKeepsNothingOnDisk uses the test server, which runs with
// --save "" --appendonly no.
func TestWarnsWhenRedisKeepsNothingOnDisk(t *testing.T) {
	ctx := context.Background()
	st, err := store.New(ctx, redistest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	warnDurability(ctx, st, slog.New(slog.NewTextHandler(&logs, nil)))
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "appendonly") {
		t.Errorf("no durability warning: %s", logs.String())
	}
}
