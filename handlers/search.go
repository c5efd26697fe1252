package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/incidentbot/incidentbot/incident"
)

// searchScope is how many past incidents /incident search looks through.
const searchScope = 500

func init() {
	register("search", subcommand{usage: "search <words>", summary: "find past incidents and their postmortems",
		run: (*Handler).searchCommand})
}

// searchHit is an incident that matched, with its score.
type searchHit struct {
	inc        incident.Incident
	score      int
	postmortem bool // the words were found in its postmortem
}

// searchCommand finds past incidents by title, description and approved
// postmortem: every incident is something to learn from.
func (h *Handler) searchCommand(ctx context.Context, c SlashCommand, args string, r Responder) error {
	words := searchWords(PlainText(args))
	if len(words) == 0 {
		return incident.Errorf(incident.EInvalid, "Tell me what to look for, for example `/incident search stripe webhooks`.")
	}
	recent, err := h.store.Recent(ctx, searchScope)
	if err != nil {
		return fmt.Errorf("list incidents for search: %w", err)
	}
	var hits []searchHit
	for _, inc := range recent {
		hit := searchHit{inc: inc, score: 3*matches(words, inc.Title) + matches(words, inc.Description)}
		if inc.PostmortemID != "" {
			if d, err := h.store.Draft(ctx, inc.PostmortemID); err == nil {
				if n := matches(words, d.FinalText); n > 0 {
					hit.score += n
					hit.postmortem = true
				}
			}
		}
		if hit.score > 0 {
			hits = append(hits, hit)
		}
	}
	if len(hits) == 0 {
		h.reply(ctx, r, Message{Text: fmt.Sprintf("No incident among the last %d matches “%s”. Try fewer words, or a service or symptom.", searchScope, escape(strings.Join(words, " ")))})
		return nil
	}
	// Best first; among equals, the newest.
	slices.SortStableFunc(hits, func(a, b searchHit) int { return b.score - a.score })
	var b strings.Builder
	fmt.Fprintf(&b, "*Past incidents matching “%s”*\n", escape(strings.Join(words, " ")))
	for _, hit := range hits[:min(len(hits), 10)] {
		inc := hit.inc
		fmt.Fprintf(&b, "%s *%s* %s — %s · %s · %s · <#%s>", severityEmoji[inc.Severity], inc.ID(), escape(inc.Title),
			inc.Severity, inc.Status, inc.DeclaredAt.UTC().Format("2006-01-02"), inc.ChannelID)
		if inc.PostmortemID != "" {
			b.WriteString(" · :page_facing_up: postmortem")
			if hit.postmortem {
				b.WriteString(" (matches)")
			}
		}
		b.WriteByte('\n')
	}
	if len(hits) > 10 {
		fmt.Fprintf(&b, "…and %d more; add a word to narrow it down.", len(hits)-10)
	}
	h.reply(ctx, r, textMessage(strings.TrimRight(b.String(), "\n")))
	return nil
}

// searchWords lowercases the query into words, dropping punctuation.
func searchWords(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// matches counts the query words found in text; a word matches a text word
// it begins, so "webhook" finds "webhooks" and "stripe" finds "stripe's".
func matches(words []string, text string) int {
	if text == "" {
		return 0
	}
	tw := searchWords(text)
	n := 0
	for _, w := range words {
		if slices.ContainsFunc(tw, func(t string) bool { return strings.HasPrefix(t, w) }) {
			n++
		}
	}
	return n
}
