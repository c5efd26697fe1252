package llm

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/incidentbot/incidentbot/incident"
)

// PromptPublic stamps customer updates.
const PromptPublic = "public/v1"

// secPublicUpdate is the one section of a customer update: its body.
const secPublicUpdate = "Update"

func init() {
	specs[incident.DraftPublic] = kindSpec{
		version: PromptPublic, name: "customer update",
		task: "Write an update for CUSTOMERS, published on the company's public status page once a person approves it. " +
			"Plain language a non-engineer understands, present tense, 2-4 short sentences: what customers notice and that the team is working on it, in general terms. " +
			"Name only the affected components listed under \"Status page components\" (or \"some of our services\" when none are listed). " +
			"Never name internal services, hosts, databases, vendors, systems, code, deploys, channels, people or teams; never guess at causes, never blame anyone, and promise no time you cannot keep. " +
			"The \"summary\" is the headline customers see as the incident's name: at most 80 characters, like \"Payments failing for some customers\". " +
			"When the status to announce is resolved, say the problem is resolved and the service works normally again. " +
			"Cite the timeline lines you rely on as usual; citations are shown only to the reviewer.",
		sections: []string{secPublicUpdate},
	}
}

// publicContext is req's, or one made from the incident when the caller
// gave none.
func publicContext(req incident.DraftRequest) (incident.PublicContext, []string) {
	if req.Public != nil {
		pc := *req.Public
		if pc.Status == "" {
			pc.Status = req.Incident.Status
		}
		return pc, nil
	}
	return incident.PublicContext{Status: req.Incident.Status}, []string{"No status page component is mapped for this incident's services; the draft names none."}
}

// publicFacts are the lines a customer update's prompt adds to the data.
func publicFacts(pc incident.PublicContext) []string {
	comps := "none mapped (write \"some of our services\")"
	if len(pc.Components) > 0 {
		comps = strings.Join(pc.Components, ", ")
	}
	return []string{
		"- Status page components affected: " + comps,
		"- Status to announce: " + string(pc.Status),
	}
}

// renderPublic is a customer update's text: the headline, a blank line,
// the body. Nothing else: no facts, no next-update line, no incident id.
func renderPublic(v *voice, b body) string {
	headline := strings.TrimSpace(flatten(v.publish(b.summary)))
	headline = strings.Trim(headline, "*#_ ")
	text := strings.TrimSpace(b.sections[secPublicUpdate])
	for _, s := range b.extra {
		text = strings.TrimSpace(text + "\n\n" + s.Text)
	}
	return v.publish(headline + "\n\n" + text)
}

// publicTemplate is the customer update written without a model: generic
// wording from the components, severity and status alone. It never quotes
// the timeline, which is internal.
func publicTemplate(sev incident.Severity, pc incident.PublicContext) body {
	comps := "some of our services"
	if len(pc.Components) > 0 {
		comps = joinAnd(pc.Components)
	}
	what := "Degraded performance"
	switch sev {
	case incident.P1:
		what = "Outage"
	case incident.P2:
		what = "Partial outage"
	}
	b := body{sections: map[string]string{}}
	b.summary = fmt.Sprintf("%s: %s", what, comps)
	switch pc.Status {
	case incident.Identified:
		b.sections[secPublicUpdate] = fmt.Sprintf("We have identified the cause of the problems with %s and are working on a fix. Some customers may still see errors or slow responses. We will post another update as soon as we have more to share.", comps)
	case incident.Monitoring:
		b.sections[secPublicUpdate] = fmt.Sprintf("A fix is in place and %s is recovering. We are monitoring closely to make sure it stays that way.", comps)
	case incident.Resolved:
		b.summary = "Resolved: " + strings.ToLower(what[:1]) + what[1:] + " of " + comps
		b.sections[secPublicUpdate] = fmt.Sprintf("This incident is resolved and %s is working normally again. Thank you for your patience, and we are sorry for the trouble.", comps)
	default:
		b.sections[secPublicUpdate] = fmt.Sprintf("We are investigating problems with %s. Some customers may see errors or slow responses. We will post an update as soon as we know more.", comps)
	}
	return b
}

// joinAnd writes a, b and c.
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// What a customer update must not show.
var (
	channelRef   = regexp.MustCompile(`(?:^|[\s(])#[a-z0-9_-]*[a-z][a-z0-9_-]*`)
	slackMarkup  = regexp.MustCompile(`<[#@!][^>]*>`)
	bareSlackID  = regexp.MustCompile(`\b[UCWGDSB][A-Z0-9]{8,}\b`)
	incidentID   = regexp.MustCompile(`(?i)\bINC-\d+\b`)
	ipv4         = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	ipv6ish      = regexp.MustCompile(`(?i)\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b`)
	internalHost = regexp.MustCompile(`(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|svc|lan|corp|intra|cluster\.local)\b`)
	fqdn         = regexp.MustCompile(`\b[a-z0-9-]+(?:\.[a-z0-9-]+){2,}\b`)
	hostLike     = regexp.MustCompile(`\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z]*\d+\b`)
	urlRef       = regexp.MustCompile(`https?://\S+`)
	hasDigit     = regexp.MustCompile(`\d`)
	speculation  = regexp.MustCompile(`(?i)\b(probably|we think|we believe|might be caused|seems to be|likely caused|human error|mistake|an engineer|someone|at fault|to blame)\b`)
)

// maxPublicFlags keeps the reviewer's list readable.
const maxPublicFlags = 8

// PublicFlags lists what customers must not read in a customer update, as
// sentences for the reviewer: internal names (pc.Internal, unless a
// component is called the same), Slack channels, mentions and IDs, people
// (the display names in names), hostnames and addresses, incident ids,
// and, more softly, speculation and blame. It never changes the text.
func PublicFlags(text string, pc incident.PublicContext, names map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(found, why string) {
		k := strings.ToLower(found)
		if seen[k] || len(out) >= maxPublicFlags {
			return
		}
		seen[k] = true
		out = append(out, fmt.Sprintf("Mentions %q, %s.", found, why))
	}
	isComponent := func(s string) bool {
		return slices.ContainsFunc(pc.Components, func(c string) bool { return strings.EqualFold(c, s) })
	}
	for _, m := range slackMarkup.FindAllString(text, -1) {
		add(m, "Slack markup that customers would see raw")
	}
	for _, m := range channelRef.FindAllString(text, -1) {
		add(strings.TrimLeft(m, " \t\n("), "a Slack channel — customers can't see it")
	}
	for _, m := range bareSlackID.FindAllString(text, -1) {
		if hasDigit.MatchString(m) {
			add(m, "which looks like a Slack ID")
		}
	}
	for _, m := range incidentID.FindAllString(text, -1) {
		add(m, "our internal incident number")
	}
	for _, name := range pc.Internal {
		if len(name) >= 3 && !isComponent(name) && containsWord(text, name) {
			add(name, "an internal name — customers should see only component names")
		}
	}
	for _, name := range names {
		if len(name) >= 3 && !isComponent(name) && containsWord(text, name) {
			add(name, "a person's name — keep people out of customer updates")
		}
	}
	// Hosts inside the links customers are given are theirs to follow;
	// only internal ones count.
	plain := urlRef.ReplaceAllStringFunc(text, func(u string) string {
		for _, m := range internalHost.FindAllString(u, -1) {
			add(m, "an internal address")
		}
		return " "
	})
	for _, m := range internalHost.FindAllString(plain, -1) {
		add(m, "an internal address")
	}
	for _, m := range ipv4.FindAllString(plain, -1) {
		if net.ParseIP(m) != nil {
			add(m, "an IP address")
		}
	}
	for _, m := range ipv6ish.FindAllString(plain, -1) {
		if strings.Contains(m, "::") || strings.ContainsAny(strings.ToLower(m), "abcdef") {
			if net.ParseIP(m) != nil {
				add(m, "an IP address")
			}
		}
	}
	for _, m := range fqdn.FindAllString(plain, -1) {
		if !strings.HasPrefix(m, "www.") && !isComponent(m) && !ipv4.MatchString(m) && !hasDigitOnlyLabels(m) {
			add(m, "which looks like a hostname — customers should see only component names")
		}
	}
	for _, m := range hostLike.FindAllString(plain, -1) {
		if !isComponent(m) {
			add(m, "which looks like a hostname — customers should see only component names")
		}
	}
	for _, m := range speculation.FindAllString(text, -1) {
		add(m, "which reads as speculation or blame; say what customers see and what is being done")
	}
	return out
}

// hasDigitOnlyLabels reports a version number like 1.2.3, not a host.
func hasDigitOnlyLabels(s string) bool {
	for _, l := range strings.Split(s, ".") {
		if strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}

// containsWord reports whether name appears in text as a whole word,
// ignoring case.
func containsWord(text, name string) bool {
	lt, ln := strings.ToLower(text), strings.ToLower(name)
	for i := 0; ; {
		j := strings.Index(lt[i:], ln)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(ln)
		if !wordByte(lt, start-1) && !wordByte(lt, end) {
			return true
		}
		i = start + 1
	}
}

// wordByte reports whether s[i] continues a word (or a hostname).
func wordByte(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}
