package incident_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/incident"
)

func TestSplitPublicReadsTheHeadline(t *testing.T) {
	for _, tc := range []struct{ in, head, body string }{
		{"Checkout errors\n\nWe are investigating.", "Checkout errors", "We are investigating."},
		{"# Checkout errors\nBody", "Checkout errors", "Body"},
		{"**Checkout errors**\r\n\r\nBody\nmore", "Checkout errors", "Body\nmore"},
		{"  \n\nOnly a headline  ", "Only a headline", ""},
		{"", "", ""},
	} {
		h, b := incident.SplitPublic(tc.in)
		if h != tc.head || b != tc.body {
			t.Errorf("SplitPublic(%q) = %q, %q; want %q, %q", tc.in, h, b, tc.head, tc.body)
		}
	}
}
