package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/slackui"
)

// searchScope is how many past incidents /incident search looks through.
const searchScope = 500

// History lists past incidents and reads their postmortems.
type History interface {
	// Recent lists up to limit incidents, newest first, resolved included.
	Recent(ctx context.Context, limit int) ([]incident.Incident, error)
	// Draft returns the draft with id (an approved postmortem), or ErrNotFound.
	Draft(ctx context.Context, id string) (incident.Draft, error)
}

// Search finds past incidents by title, description and approved
// postmortem: every incident is something to learn from.
type Search struct {
	store      History
	visibility Visibility
	catalog    Catalog
	clock      Clock
	location   *time.Location
	replies
}

type scored struct {
	slackui.SearchHit
	score int
}

func (s *Search) command(ctx context.Context, c SlashCommand, args string, r Responder) error {
	f, rest, err := incident.ParseFilter(slackui.PlainText(args), s.catalog.Services(), s.clock.Now(), s.location)
	if err != nil {
		return err
	}
	words := searchWords(strings.Join(rest, " "))
	if len(words) == 0 && f.Empty() {
		return incident.Errorf(incident.EInvalid, "Tell me what to look for, for example `/incident search stripe webhooks` or `/incident search ai:code pool`. %s", incident.FilterHelp)
	}
	recent, err := s.store.Recent(ctx, searchScope)
	if err != nil {
		return fmt.Errorf("list incidents for search: %w", err)
	}
	var hits []scored
	for _, inc := range recent {
		if !f.Match(inc) || !s.visibility.Visible(ctx, inc, c.UserID) {
			continue
		}
		if len(words) == 0 { // filters alone: every match, newest first
			hits = append(hits, scored{SearchHit: slackui.SearchHit{Incident: inc}, score: 1})
			continue
		}
		hit := scored{SearchHit: slackui.SearchHit{Incident: inc}, score: 3*matches(words, inc.Title) + matches(words, inc.Description) +
			matches(words, inc.Impact) + 2*matches(words, inc.RootCause) + matches(words, inc.Hypothesis) + matches(words, inc.Trigger)}
		if inc.PostmortemID != "" {
			if d, err := s.store.Draft(ctx, inc.PostmortemID); err == nil {
				if n := matches(words, d.FinalText); n > 0 {
					hit.score += n
					hit.Postmortem = true
				}
			}
		}
		if hit.score > 0 {
			hits = append(hits, hit)
		}
	}
	query := strings.TrimSpace(slackui.PlainText(args))
	if len(hits) == 0 {
		s.send(ctx, r, slackui.Plain(fmt.Sprintf("No incident among the last %d matches “%s”. Try fewer words, or a service or symptom.", searchScope, slackui.Escape(query))))
		return nil
	}
	// Best first; among equals, the newest.
	slices.SortStableFunc(hits, func(a, b scored) int { return b.score - a.score })
	var shown []slackui.SearchHit
	for _, h := range hits[:min(len(hits), 10)] {
		shown = append(shown, h.SearchHit)
	}
	s.send(ctx, r, slackui.SearchResults(query, shown, len(hits)-len(shown)))
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
