package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Decoding a message envelope: what slack-go's socket-mode client does for
// every event (the websocket read into a RawMessage, the envelope, the
// outer callback, the inner event, each its own pass over the bytes),
// against one pass into only the fields the recorder reads. The figure
// says whether a decoder of our own, and the socket-mode client it would
// take, would be worth carrying (docs/design.md, "The write path").

// envelope is a message event as Slack sends it over socket mode, blocks
// and authorizations included.
var envelope = []byte(`{"envelope_id":"6b9d27f8-bc6e-4f1e-9d34-8c0f1b2e6a11","payload":{"token":"XXYYZZ","team_id":"T0123ABCD","context_team_id":"T0123ABCD","context_enterprise_id":null,"api_app_id":"A0123ABCD","event":{"client_msg_id":"c3a1f1de-8a51-4a0e-9c11-5d0b1f0f2c3e","type":"message","text":"p99 on checkout is back under 300ms since the pool resize at 14:02, watching for another 10 minutes","user":"U0123ALI","ts":"1765180800.123456","blocks":[{"type":"rich_text","block_id":"aB1c","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"p99 on checkout is back under 300ms since the pool resize at 14:02, watching for another 10 minutes"}]}]}],"team":"T0123ABCD","channel":"C0123INC","event_ts":"1765180800.123456","channel_type":"channel"},"type":"event_callback","event_id":"Ev0123ABCDEF","event_time":1765180800,"authorizations":[{"enterprise_id":null,"team_id":"T0123ABCD","user_id":"U0123BOT","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMDEyM0FCQ0QiLCJhaWQiOiJBMDEyM0FCQ0QiLCJjaWQiOiJDMDEyM0lOQyJ9"},"type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":""}`)

func BenchmarkDecodeSlackGo(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(envelope)))
	for b.Loop() {
		var raw json.RawMessage // gorilla's ReadJSON into a RawMessage
		if err := json.Unmarshal(envelope, &raw); err != nil {
			b.Fatal(err)
		}
		var req socketmode.Request
		if err := json.Unmarshal(raw, &req); err != nil {
			b.Fatal(err)
		}
		ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			b.Fatal(err)
		}
		if m, ok := ev.InnerEvent.Data.(*slackevents.MessageEvent); !ok || m.Channel != "C0123INC" {
			b.Fatalf("decoded %#v", ev.InnerEvent.Data)
		}
	}
}

// minimalEnvelope is every field the recorder reads, and nothing else.
type minimalEnvelope struct {
	EnvelopeID   string `json:"envelope_id"`
	Type         string `json:"type"`
	RetryAttempt int    `json:"retry_attempt"`
	Payload      struct {
		EventID string `json:"event_id"`
		Event   struct {
			Type      string `json:"type"`
			Subtype   string `json:"subtype"`
			Channel   string `json:"channel"`
			User      string `json:"user"`
			BotID     string `json:"bot_id"`
			Text      string `json:"text"`
			TS        string `json:"ts"`
			ThreadTS  string `json:"thread_ts"`
			EventTS   string `json:"event_ts"`
			DeletedTS string `json:"deleted_ts"`
			Reaction  string `json:"reaction"`
			Files     []struct {
				Name string `json:"name"`
			} `json:"files"`
			Item struct {
				Channel string `json:"channel"`
				TS      string `json:"ts"`
			} `json:"item"`
			Message *struct {
				User  string `json:"user"`
				BotID string `json:"bot_id"`
				Text  string `json:"text"`
				TS    string `json:"ts"`
			} `json:"message"`
			PreviousMessage *struct {
				Text string `json:"text"`
				TS   string `json:"ts"`
			} `json:"previous_message"`
		} `json:"event"`
	} `json:"payload"`
}

func BenchmarkDecodeMinimal(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(envelope)))
	for b.Loop() {
		var env minimalEnvelope
		if err := json.Unmarshal(envelope, &env); err != nil {
			b.Fatal(err)
		}
		if env.Payload.Event.Channel != "C0123INC" {
			b.Fatalf("decoded %+v", env)
		}
	}
}
