// Package llm drafts incident status updates, postmortems and catch-ups with
// an OpenAI-compatible model, and makes the drafts safe to trust: secrets are
// redacted before anything leaves the process, the timeline is condensed to
// a token budget, facts are computed rather than generated, every citation is
// checked, postmortems are checked for blame and missing sections, and a
// template built from the timeline takes over whenever the model cannot be
// used. A draft's text is what gets published, so it carries no review
// markup (citations, warnings, mentions that ping) and names people and
// tells times the way the request asks; what the checks found travels
// beside it. It satisfies handlers.Drafter.
package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/incidentbot/incidentbot/incident"
	"github.com/incidentbot/incidentbot/internal/retry"
)

// Draft sources.
const (
	SourceLLM      = "llm"
	SourceTemplate = "template"
)

// Defaults for Config's zero values.
const (
	DefaultModel       = "gpt-4o-mini"
	DefaultTimeout     = 20 * time.Second
	DefaultMaxRetries  = 2
	DefaultTokenBudget = 12000
	DefaultCostCapUSD  = 5.0
	// gpt-4o-mini list prices per 1,000 tokens.
	DefaultPricePer1KInput  = 0.00015
	DefaultPricePer1KOutput = 0.0006
)

// Backoff between retries when the server names no wait: short, since a
// draft has Config.Timeout in all.
const (
	retryBase = 250 * time.Millisecond
	retryMax  = 4 * time.Second
)

// Config configures a Drafter. Zero values take the defaults above.
type Config struct {
	// APIKey is the OpenAI (or compatible) API key; without one every draft
	// is a template.
	APIKey string
	// BaseURL is the API root, e.g. "https://api.openai.com/v1" or a vLLM,
	// Ollama or Azure-compatible endpoint.
	BaseURL string
	Model   string
	// Timeout bounds everything one Draft waits on the model: retries and
	// chunk summaries included. Each HTTP call also carries it as its own
	// deadline.
	Timeout time.Duration
	// MaxRetries is how many times a temporary failure (429, 5xx, network;
	// see retry.Classify) is retried.
	// Negative means none.
	MaxRetries int
	// TokenBudget is the estimated size the prompt is condensed to.
	TokenBudget int
	// CostCapUSD is what one incident may spend on model calls; negative
	// means no cap.
	CostCapUSD float64
	// Prices per 1,000 prompt and completion tokens, for the cost tally.
	// Each that is zero takes gpt-4o-mini's list price.
	PricePer1KInput, PricePer1KOutput float64
	// Cadence is the status-update cadence by severity (nil: incident.DefaultUpdateCadence).
	Cadence map[incident.Severity]time.Duration
	// Clock tells the time (nil: time.Now).
	Clock func() time.Time
	// HTTPClient makes the API calls (nil: a fresh http.Client).
	HTTPClient *http.Client
}

// Drafter writes drafts. It is safe for concurrent use.
type Drafter struct {
	cfg    Config
	log    *slog.Logger
	client *openai.Client // nil without an API key
	policy retry.Policy
}

// New returns a Drafter for cfg. A nil logger discards logs.
func New(cfg Config, logger *slog.Logger) *Drafter {
	cfg.Model = cmp.Or(cfg.Model, DefaultModel)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	cfg.MaxRetries = max(cfg.MaxRetries, 0)
	if cfg.TokenBudget <= 0 {
		cfg.TokenBudget = DefaultTokenBudget
	}
	cfg.CostCapUSD = cmp.Or(cfg.CostCapUSD, DefaultCostCapUSD)
	cfg.PricePer1KInput = cmp.Or(cfg.PricePer1KInput, DefaultPricePer1KInput)
	cfg.PricePer1KOutput = cmp.Or(cfg.PricePer1KOutput, DefaultPricePer1KOutput)
	if cfg.Cadence == nil {
		cfg.Cadence = incident.DefaultUpdateCadence()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Drafter{cfg: cfg, log: logger, policy: retry.Policy{
		MaxRetries: cfg.MaxRetries,
		Base:       retryBase,
		Max:        retryMax,
		OnRetry: func(attempt int, wait time.Duration, err error) {
			logger.Info("llm: retrying chat completion", "attempt", attempt, "wait", wait, "err", err)
		},
	}}
	if cfg.APIKey != "" {
		oc := openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = cfg.BaseURL
		}
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{}
		}
		oc.HTTPClient = hintDoer{hc}
		d.client = openai.NewClientWithConfig(oc)
	}
	return d
}

// usage is what model calls cost.
type usage struct {
	tokens int
	cost   float64
}

func (d *Drafter) usageOf(u openai.Usage) usage {
	return usage{
		tokens: u.PromptTokens + u.CompletionTokens,
		cost: float64(u.PromptTokens)/1000*d.cfg.PricePer1KInput +
			float64(u.CompletionTokens)/1000*d.cfg.PricePer1KOutput,
	}
}

func (u *usage) add(v usage) { u.tokens += v.tokens; u.cost += v.cost }

// overCap reports whether spent has reached the per-incident cap.
func (d *Drafter) overCap(spent float64) bool {
	return d.cfg.CostCapUSD >= 0 && spent >= d.cfg.CostCapUSD
}

func (d *Drafter) capReason() string {
	return fmt.Sprintf("cost cap of $%.2f reached for this incident", d.cfg.CostCapUSD)
}

// Draft writes a draft of req.Kind. It always returns a draft within about
// Config.Timeout: the model's when it answers usably, otherwise the template
// with Source "template" and Reason saying why. Tokens and CostUSD report
// what the model calls cost even when the template was used, so callers can
// add them to the incident's tally. The error is non-nil only when ctx ended
// before the model answered; the draft is still a usable template. Drafts
// are text for a human to approve: nothing in them is ever acted upon.
// The draft's ID is left for the caller to assign.
func (d *Drafter) Draft(ctx context.Context, req incident.DraftRequest) (out incident.Draft, err error) {
	defer func() {
		if r := recover(); r != nil {
			d.log.Error("llm: draft panicked; using the template", "incident", req.Incident.ID(), "panic", r)
			out, err = d.safeTemplate(req, "an internal error in the drafter"), nil
		}
	}()
	if d.client == nil {
		return d.Template(req, "no OPENAI_API_KEY set"), nil
	}
	if d.overCap(req.SpentUSD) {
		return d.Template(req, d.capReason()), nil
	}
	if req.Now.IsZero() {
		req.Now = d.cfg.Clock()
	}
	parent := ctx
	ctx, cancel := context.WithTimeoutCause(ctx, d.cfg.Timeout, errDeadline)
	defer cancel()

	entries := incident.Fold(req.Events)
	v := newVoice(req)
	var spent usage
	sums := d.summarise(ctx, req, entries, v, &spent)
	if d.overCap(req.SpentUSD + spent.cost) {
		return d.fallback(req, spent, d.capReason(), nil), nil
	}
	p := d.buildPrompt(req, v, entries, sums)
	content, u, err := d.complete(ctx, p.System, p.User)
	spent.add(u)
	if err != nil {
		out := d.fallback(req, spent, reasonFor(err, d.cfg.Timeout), err)
		if pe := parent.Err(); pe != nil {
			return out, fmt.Errorf("llm: drafting %s for %s: %w", req.Kind, req.Incident.ID(), pe)
		}
		return out, nil
	}
	md, err := parseDraft(content)
	if err != nil {
		return d.fallback(req, spent, "the AI's answer could not be read as a draft", err), nil
	}
	c := check(req.Kind, md, entries, v)
	f := ComputeFacts(req.Incident, req.Events, req.Now)
	if req.Kind != incident.DraftPublic {
		citeKeyEvents(req.Kind, &c.body, entries)
	}
	ev, cites := evidenceOf(req.Kind, c.body)
	out = incident.Draft{
		Incident: req.Incident.Number, Kind: req.Kind, State: incident.DraftPending,
		Text:   d.render(req, v, f, entries, c.body),
		Source: SourceLLM, Model: d.cfg.Model, PromptVersion: p.Version,
		Citations: cites, Evidence: ev, Flags: c.flags, ActionItems: c.body.items,
		Tokens: spent.tokens, CostUSD: spent.cost, CreatedAt: req.Now,
		ChannelID: req.Incident.ChannelID,
	}
	finishPublic(req, &out)
	return out, nil
}

// fallback is the template with the usage already spent, logged with the
// cause.
func (d *Drafter) fallback(req incident.DraftRequest, spent usage, reason string, cause error) incident.Draft {
	d.log.Warn("llm: using the template draft", "incident", req.Incident.ID(), "kind", req.Kind, "reason", reason, "err", cause)
	out := d.Template(req, reason)
	out.Model = d.cfg.Model
	out.Tokens, out.CostUSD = spent.tokens, spent.cost
	return out
}

// safeTemplate is the last resort after a panic: the template, or a bare
// notice if the template itself cannot be built.
func (d *Drafter) safeTemplate(req incident.DraftRequest, reason string) (out incident.Draft) {
	defer func() {
		if recover() != nil {
			out = incident.Draft{
				Incident: req.Incident.Number, Kind: req.Kind, State: incident.DraftPending,
				Source: SourceTemplate, Reason: reason, CreatedAt: d.cfg.Clock(),
				Text: "Template draft — the AI was unavailable: " + reason + ". Please write this one by hand.",
			}
		}
	}()
	return d.Template(req, reason)
}

// errDeadline is the cause attached to Draft's own deadline.
var errDeadline = errors.New("llm: draft timeout")

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
