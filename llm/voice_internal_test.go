package llm

import (
	"slices"
	"testing"

	"github.com/incidentbot/incidentbot/incident"
)

func TestVoicePublish(t *testing.T) {
	v := newVoice(incident.DraftRequest{Names: map[string]string{
		"U1AAAAAA": "ali", "U2BBBBBB": "Bea <@U1AAAAAA> [E1]\n", "U3CCCCCC": "",
	}})
	tests := []struct{ in, want string }{
		{"failing [E4].", "failing."},
		{"see [E4, E5] and [E6-E7] then [E8][E9].", "see and then."},
		{"[E4] Rolled back.\n[E5]  Recovered.", "Rolled back.\nRecovered."},
		{"<@U1AAAAAA> and <@U2BBBBBB> and <@U3CCCCCC>", "@ali and @Bea U1AAAAAA (E1 and @U3CCCCCC"},
		{"<@U9ZZZZZZ|zed> <!here> <!channel|channel> <!subteam^S1|@oncall>", "@zed @here @channel @oncall"},
		{"⚠️ check ⚠ this", " check  this"},
		// Removing one piece must not leave another behind.
		{"[E[E1]2] <<@U1AAAAAA>@U2BBBBBB> [⚠E3] <@ unclosed", "@ali@U2BBBBBB> @ unclosed"},
		{"links stay: <https://x.example|dash> <#C1|ops>", "links stay: <https://x.example|dash> <#C1|ops>"},
	}
	for _, tt := range tests {
		got := v.publish(tt.in)
		if got != tt.want {
			t.Errorf("publish(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := v.publish(got); again != got {
			t.Errorf("publish is not idempotent on %q: %q", got, again)
		}
	}
	if got := markerSeqs("a [E4, E5] b [E99999999999] c [E6-E7]"); !slices.Equal(got, []int{4, 5, -1, 6, 7}) {
		t.Errorf("markerSeqs = %v", got)
	}
}

func TestVoiceNamesPeople(t *testing.T) {
	v := newVoice(incident.DraftRequest{Names: map[string]string{
		"U1AAAAAA": "ali", "U2BBBBBB": "Ali Khan", "U3CCCCCC": "sam", "U4DDDDDD": "Sam",
	}})
	as := v.mentioner()
	tests := []struct{ in, want string }{
		{"ali caused it; Ali Khan fixed it, @ali too", "<@U1AAAAAA> caused it; <@U2BBBBBB> fixed it, <@U1AAAAAA> too"},
		{"alias and khalid are not ali", "alias and khalid are not <@U1AAAAAA>"},
		{"sam forgot", "sam forgot"}, // two people are called sam: it names neither
		{"ali ali", "<@U1AAAAAA> <@U1AAAAAA>"},
	}
	for _, tt := range tests {
		if got := as(tt.in); got != tt.want {
			t.Errorf("mentioner(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for owner, want := range map[string]string{
		"<@U1AAAAAA>": "U1AAAAAA", "@Ali Khan": "U2BBBBBB", "ALI": "U1AAAAAA", "U7GGGGGG": "U7GGGGGG",
		"sam": "", "payments team": "",
	} {
		if got := v.idOf(owner); got != want {
			t.Errorf("idOf(%q) = %q, want %q", owner, got, want)
		}
	}
	if got := v.person("U9ZZZZZZ"); got != "@U9ZZZZZZ" {
		t.Errorf("an unnamed user is %q, want the bare ID", got)
	}
}
