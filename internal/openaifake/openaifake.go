// Package openaifake is an OpenAI-compatible chat completions server for
// tests. It speaks the real /v1/chat/completions wire format, so the real
// go-openai client is exercised, and it can answer well, hang, rate-limit,
// fail, talk garbage or cite events that do not exist. It records every
// request body so tests can inspect exactly what left the process.
package openaifake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mode is how the server answers.
type Mode int

// Modes.
const (
	// Good answers with the scripted reply, or a default draft that cites
	// the first [E..] ids of the prompt.
	Good Mode = iota
	// Hang never answers: it holds the request until the client gives up.
	Hang
	// RateLimited answers 429 with Retry-After and retry-after-ms headers.
	RateLimited
	// ServerError answers 500.
	ServerError
	// Garbage answers 200 with content that is not JSON.
	Garbage
	// BadCitations answers a well-formed draft citing ids that do not exist.
	BadCitations
)

// Request is one request the server received.
type Request struct {
	Path string
	Body []byte
	At   time.Time
	// Parsed fields of Body.
	Model    string
	Messages []Message
	Format   string // response_format.type
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	closed chan struct{}

	mu         sync.Mutex
	mode       Mode
	failFirst  int
	failMode   Mode
	reply      string
	retryAfter time.Duration
	requests   []Request
}

// New starts a fake in Good mode and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{closed: make(chan struct{}), retryAfter: 100 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handle)
	mux.HandleFunc("POST /chat/completions", s.handle)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(s.closed) // release hanging handlers before Close waits on them
		s.srv.Close()
	})
	return s
}

// BaseURL is the API root to configure a client with (".../v1").
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// SetMode sets how every following request is answered.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

// FailFirst makes the next n requests answer in mode m, then reverts to the
// current mode.
func (s *Server) FailFirst(n int, m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failFirst, s.failMode = n, m
}

// SetReply scripts the content of Good answers; "" restores the default.
func (s *Server) SetReply(content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = content
}

// SetRetryAfter sets the wait a RateLimited answer asks for.
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = d
}

// Requests returns a copy of every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// Count is how many requests the server received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	req := Request{Path: r.URL.Path, Body: body, At: time.Now()}
	var in struct {
		Model          string    `json:"model"`
		Messages       []Message `json:"messages"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "could not parse JSON body")
		return
	}
	req.Model, req.Messages = in.Model, in.Messages
	if in.ResponseFormat != nil {
		req.Format = in.ResponseFormat.Type
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "missing API key")
		return
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	mode := s.mode
	if s.failFirst > 0 {
		s.failFirst--
		mode = s.failMode
	}
	reply, retryAfter := s.reply, s.retryAfter
	s.mu.Unlock()

	switch mode {
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		return
	case RateLimited:
		w.Header().Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds()+0.999)))
		w.Header().Set("Retry-After-Ms", fmt.Sprint(retryAfter.Milliseconds()))
		writeError(w, http.StatusTooManyRequests, "requests", "Rate limit reached for requests")
		return
	case ServerError:
		writeError(w, http.StatusInternalServerError, "server_error", "The server had an error while processing your request.")
		return
	case Garbage:
		reply = "I'm sorry, as an AI I cannot produce JSON today. Here is a poem instead."
	case BadCitations:
		reply = `{"summary":"It broke [E99999].","sections":[{"title":"Impact","text":"Everything was down.","citations":[88888]}],"action_items":[]}`
	default:
		if reply == "" {
			reply = defaultReply(req.Messages)
		}
	}
	writeCompletion(w, in.Model, req.Messages, reply)
}

var eID = regexp.MustCompile(`\[E(\d+)\]`)

// defaultReply is a plausible draft citing the first ids the prompt shows.
func defaultReply(msgs []Message) string {
	var ids []int
	for _, m := range msgs {
		if m.Role != "user" {
			continue
		}
		for _, sm := range eID.FindAllStringSubmatch(m.Content, 3) {
			var n int
			fmt.Sscan(sm[1], &n)
			ids = append(ids, n)
		}
	}
	cite := "[]"
	inline := ""
	if len(ids) > 0 {
		b, _ := json.Marshal(ids)
		cite = string(b)
		inline = fmt.Sprintf(" [E%d]", ids[0])
	}
	return fmt.Sprintf(`{"summary":"The fake model summarised the incident%s.","sections":[{"title":"What is happening","text":"Work is under way%s.","citations":%s}],"action_items":[]}`, inline, inline, cite)
}

func writeCompletion(w http.ResponseWriter, model string, msgs []Message, content string) {
	prompt := 0
	for _, m := range msgs {
		prompt += (len(m.Content) + 3) / 4
	}
	completion := (len(content) + 3) / 4
	resp := map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content},
			"finish_reason": "stop",
		}},
		"usage": map[string]int{
			"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
		},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
}

// AssertNoSecret fails the test if any of secrets appears in body, either
// verbatim or JSON-escaped (as it would travel inside a request body).
func AssertNoSecret(t testing.TB, body []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		esc, _ := json.Marshal(s)
		esc = esc[1 : len(esc)-1]
		if bytes.Contains(body, []byte(s)) || bytes.Contains(body, esc) {
			t.Errorf("secret %q leaked into a request body", s)
		}
	}
}
