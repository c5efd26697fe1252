package pdfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

var severities = map[string]bool{"critical": true, "error": true, "warning": true, "info": true}

// enqueue serves POST /v2/enqueue with the Events API's validation: a
// routing key, a known action, a dedup key for acknowledge and resolve, and
// for triggers a payload with summary (at most MaxSummary characters),
// source and a known severity. Real PagerDuty also wants 32-character
// routing keys; the fake accepts any non-empty key so tests stay readable.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request) {
	var ev Event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		eventsError(w, http.StatusBadRequest, "Event object is invalid", "Invalid JSON: "+err.Error())
		return
	}
	if errs := validate(ev); len(errs) > 0 {
		eventsError(w, http.StatusBadRequest, "Event object is invalid", errs...)
		return
	}
	s.mu.Lock()
	if ev.DedupKey == "" {
		s.seq++
		ev.DedupKey = fmt.Sprintf("pdfake-%d", s.seq)
	}
	s.events = append(s.events, ev)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]string{
		"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey,
	})
}

func validate(ev Event) []string {
	var errs []string
	if ev.RoutingKey == "" {
		errs = append(errs, "'routing_key' is missing or blank")
	}
	switch ev.Action {
	case "trigger":
		p := ev.Payload
		if p == nil {
			return append(errs, "'payload' is missing or blank")
		}
		if p.Summary == "" {
			errs = append(errs, "'payload.summary' is missing or blank")
		}
		if utf8.RuneCountInString(p.Summary) > MaxSummary {
			errs = append(errs, fmt.Sprintf("'payload.summary' is longer than %d characters", MaxSummary))
		}
		if p.Source == "" {
			errs = append(errs, "'payload.source' is missing or blank")
		}
		if !severities[p.Severity] {
			errs = append(errs, "'payload.severity' must be one of critical, error, warning, info")
		}
	case "acknowledge", "resolve":
		if ev.DedupKey == "" {
			errs = append(errs, "'dedup_key' is missing or blank")
		}
	default:
		errs = append(errs, "'event_action' must be one of trigger, acknowledge, resolve")
	}
	return errs
}
