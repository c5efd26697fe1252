package incident

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Record is the structured part of an incident (the "incident node"): what
// broke, who was hurt, how it was found, the first guess and the proven
// cause, its AI connection, the communications sent and the postmortem's
// owner. Every field is optional until someone sets it, and every change is
// a KindField or KindComms event on the log.
type Record struct {
	Services []string // catalog names, lowercase
	Impact   string
	// Customers is how many customers are affected, when known.
	Customers      int64
	CustomersKnown bool
	DetectedBy     Detection
	DetectedLink   string
	Hypothesis     string
	RootCause      string
	Trigger        string
	AI             AIConnection
	Comms          map[Comm]CommDone

	PostmortemOwner string    // Slack user ID
	PostmortemDue   time.Time // a date (midnight UTC); zero: the default
	// PostmortemDrafted is set once a postmortem draft exists; the approved
	// one's id is Incident.PostmortemID.
	PostmortemDrafted bool
}

// Field names a record field as people type it: a public contract.
type Field string

// Record fields.
const (
	FieldService         Field = "service"
	FieldImpact          Field = "impact"
	FieldCustomers       Field = "customers"
	FieldDetectedBy      Field = "detected-by"
	FieldHypothesis      Field = "hypothesis"
	FieldRootCause       Field = "root-cause"
	FieldTrigger         Field = "trigger"
	FieldAI              Field = "ai"
	FieldPostmortemOwner Field = "postmortem-owner"
	FieldPostmortemDue   Field = "postmortem-due"
)

// Fields lists every record field in display order.
var Fields = []Field{FieldService, FieldImpact, FieldCustomers, FieldDetectedBy, FieldHypothesis,
	FieldRootCause, FieldTrigger, FieldAI, FieldPostmortemOwner, FieldPostmortemDue}

// Label is the field's display name.
func (f Field) Label() string {
	switch f {
	case FieldService:
		return "Service"
	case FieldImpact:
		return "Impact"
	case FieldCustomers:
		return "Customers affected"
	case FieldDetectedBy:
		return "Detected by"
	case FieldHypothesis:
		return "Hypothesis"
	case FieldRootCause:
		return "Root cause"
	case FieldTrigger:
		return "Trigger"
	case FieldAI:
		return "AI connection"
	case FieldPostmortemOwner:
		return "Postmortem owner"
	case FieldPostmortemDue:
		return "Postmortem due"
	}
	return string(f)
}

// Hint is an example value, for replies that list the valid ones.
func (f Field) Hint() string {
	switch f {
	case FieldService:
		return "a service name, or several separated by commas"
	case FieldImpact:
		return "who is affected and how, e.g. `EU customers cannot pay by card`"
	case FieldCustomers:
		return "a number, e.g. `1200`"
	case FieldDetectedBy:
		return "one of " + orList(detectionNames()) + ", optionally followed by a link"
	case FieldHypothesis:
		return "the current best guess"
	case FieldRootCause:
		return "the proven cause"
	case FieldTrigger:
		return "what set it off, e.g. `deploy 2026.12.03-2`"
	case FieldAI:
		return "one of " + orList(aiNames())
	case FieldPostmortemOwner:
		return "a person, e.g. `@ali`"
	case FieldPostmortemDue:
		return "a date like `2026-12-04`, or `3d` from today"
	}
	return ""
}

// ParseField accepts a field name as typed, with the spellings people use
// (`root_cause`, `rootcause`, `cause`, `services`…).
func ParseField(s string) (Field, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "_", "-")
	switch s {
	case "service", "services", "svc":
		return FieldService, true
	case "impact":
		return FieldImpact, true
	case "customers", "customer-count", "affected":
		return FieldCustomers, true
	case "detected-by", "detected", "detection", "detectedby":
		return FieldDetectedBy, true
	case "hypothesis", "guess":
		return FieldHypothesis, true
	case "root-cause", "rootcause", "cause":
		return FieldRootCause, true
	case "trigger":
		return FieldTrigger, true
	case "ai", "ai-connection":
		return FieldAI, true
	case "postmortem-owner", "pm-owner", "postmortem.owner":
		return FieldPostmortemOwner, true
	case "postmortem-due", "pm-due", "postmortem.due":
		return FieldPostmortemDue, true
	}
	return "", false
}

// Detection is how an incident was found.
type Detection string

// Detections.
const (
	DetectedAlert      Detection = "alert"
	DetectedCustomer   Detection = "customer"
	DetectedInternal   Detection = "internal"
	DetectedMonitoring Detection = "monitoring"
	DetectedOther      Detection = "other"
)

// Detections lists every detection in display order.
var Detections = []Detection{DetectedAlert, DetectedCustomer, DetectedInternal, DetectedMonitoring, DetectedOther}

func detectionNames() []string {
	out := make([]string, len(Detections))
	for i, d := range Detections {
		out[i] = string(d)
	}
	return out
}

// AIConnection is how an incident relates to AI: a public contract, since
// teams report on it.
type AIConnection string

// AI connections.
const (
	AICode     AIConnection = "code"     // AI-generated code
	AIDeploy   AIConnection = "deploy"   // AI-speed deploy, missing review
	AIProvider AIConnection = "provider" // an LLM provider's outage or limits
	AIModel    AIConnection = "model"    // model behaviour: wrong or harmful output
	AICost     AIConnection = "cost"     // runaway spend
	AINone     AIConnection = "none"
	AIUnknown  AIConnection = "unknown"
)

// AIConnections lists every AI connection in display order.
var AIConnections = []AIConnection{AICode, AIDeploy, AIProvider, AIModel, AICost, AINone, AIUnknown}

// Describe says what the connection means.
func (a AIConnection) Describe() string {
	switch a {
	case AICode:
		return "AI-generated code"
	case AIDeploy:
		return "AI-speed deploy or missing review"
	case AIProvider:
		return "an LLM provider's outage or limits"
	case AIModel:
		return "model behaviour: wrong or harmful output"
	case AICost:
		return "runaway AI spend"
	case AINone:
		return "no AI connection"
	case AIUnknown:
		return "not yet known"
	}
	return string(a)
}

func aiNames() []string {
	out := make([]string, len(AIConnections))
	for i, a := range AIConnections {
		out[i] = string(a)
	}
	return out
}

// ParseAI accepts an AI connection name.
func ParseAI(s string) (AIConnection, bool) {
	a := AIConnection(strings.ToLower(strings.TrimSpace(s)))
	return a, slices.Contains(AIConnections, a)
}

// Comm is a communication an incident owes.
type Comm string

// Communications.
const (
	CommCustomers  Comm = "customers"
	CommTeam       Comm = "team"
	CommStatusPage Comm = "status-page"
)

// CommKinds lists every communication in display order.
var CommKinds = []Comm{CommCustomers, CommTeam, CommStatusPage}

// ParseComm accepts a communication name (`status_page` and `statuspage`
// too).
func ParseComm(s string) (Comm, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "_", "-")
	if s == "statuspage" || s == "status" {
		s = string(CommStatusPage)
	}
	c := Comm(s)
	return c, slices.Contains(CommKinds, c)
}

// Label is the communication's display name.
func (c Comm) Label() string {
	switch c {
	case CommCustomers:
		return "Customers"
	case CommTeam:
		return "Team"
	case CommStatusPage:
		return "Status page"
	}
	return string(c)
}

// CommDone says who sent a communication and when.
type CommDone struct {
	By string
	At time.Time
}

// PostmortemState is where the postmortem stands.
type PostmortemState string

// Postmortem states.
const (
	PostmortemPending  PostmortemState = "pending"
	PostmortemDrafted  PostmortemState = "drafted"
	PostmortemApproved PostmortemState = "approved"
)

// PostmortemState derives the postmortem's state.
func (i Incident) PostmortemState() PostmortemState {
	switch {
	case i.PostmortemID != "":
		return PostmortemApproved
	case i.PostmortemDrafted:
		return PostmortemDrafted
	}
	return PostmortemPending
}

// PostmortemDueAt is when the postmortem is due: the date set, or after
// the default delay from resolution; zero while neither is known.
func (i Incident) PostmortemDueAt(after time.Duration) time.Time {
	if !i.PostmortemDue.IsZero() {
		return i.PostmortemDue
	}
	if i.ResolvedAt.IsZero() || after <= 0 {
		return time.Time{}
	}
	return i.ResolvedAt.Add(after)
}

// Limits on free-text fields, in runes: room for a paragraph, not a log dump.
const (
	MaxFieldText = 1000
	maxServices  = 10
)

// ClearValue is the value that clears a field: `/incident set hypothesis -`.
const ClearValue = "-"

// SetEnv is what setting a field needs to know beyond the incident.
type SetEnv struct {
	Now      time.Time
	Location *time.Location // for due dates; nil means UTC
	Catalog  Catalog
}

// SetUsage is the reply to a set command without a field.
func SetUsage() string {
	var b strings.Builder
	b.WriteString("Use `/incident set <field> <value>`. The fields:")
	for _, f := range Fields {
		fmt.Fprintf(&b, "\n• `%s` — %s", f, f.Hint())
	}
	b.WriteString("\n`/incident set <field> -` clears a field.")
	return b.String()
}

// ParseSet splits "/incident set" arguments into the field and its raw
// value. A missing or unknown field is a user error listing the valid ones.
func ParseSet(args string) (Field, string, error) {
	args = strings.TrimSpace(strings.ToValidUTF8(args, ""))
	name, value := args, ""
	if i := strings.IndexFunc(args, unicode.IsSpace); i >= 0 {
		name, value = args[:i], args[i:]
	}
	if name == "" {
		return "", "", Errorf(EInvalid, "%s", SetUsage())
	}
	f, ok := ParseField(name)
	if !ok {
		return "", "", Errorf(EInvalid, "I don't know the field `%s`. %s", Truncate(CleanText(name), 30), SetUsage())
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return "", "", Errorf(EInvalid, "Give `%s` a value: %s. For example `/incident set %s %s`.", f, f.Hint(), f, example(f))
	}
	return f, value, nil
}

func example(f Field) string {
	switch f {
	case FieldService:
		return "checkout"
	case FieldImpact:
		return "EU customers cannot pay by card"
	case FieldCustomers:
		return "1200"
	case FieldDetectedBy:
		return "alert https://grafana.example.com/d/abc"
	case FieldHypothesis:
		return "connection pool exhausted"
	case FieldRootCause:
		return "pool created per request in PR 4411"
	case FieldTrigger:
		return "deploy 2026.12.03-2"
	case FieldAI:
		return "code"
	case FieldPostmortemOwner:
		return "@ali"
	case FieldPostmortemDue:
		return "2026-12-04"
	}
	return "…"
}

// Value renders field f as stored on the log and shown in exports: the
// canonical form Set accepts back. An unset field is "".
func (r Record) Value(f Field) string {
	switch f {
	case FieldService:
		return strings.Join(r.Services, ", ")
	case FieldImpact:
		return r.Impact
	case FieldCustomers:
		if !r.CustomersKnown {
			return ""
		}
		return strconv.FormatInt(r.Customers, 10)
	case FieldDetectedBy:
		return strings.TrimSpace(string(r.DetectedBy) + " " + r.DetectedLink)
	case FieldHypothesis:
		return r.Hypothesis
	case FieldRootCause:
		return r.RootCause
	case FieldTrigger:
		return r.Trigger
	case FieldAI:
		return string(r.AI)
	case FieldPostmortemOwner:
		return r.PostmortemOwner
	case FieldPostmortemDue:
		if r.PostmortemDue.IsZero() {
			return ""
		}
		return r.PostmortemDue.Format(time.DateOnly)
	}
	return ""
}

// Set validates value for field f and applies it. It returns the event that
// records the change (actor and time for the caller to fill), or an ENoop
// error when the field already holds that value. Values arrive as Slack
// sends them: mentions as <@U…>, links as <https://…>.
func (r *Record) Set(f Field, value string, env SetEnv) (Event, error) {
	before := r.Value(f)
	value = strings.TrimSpace(value)
	if value == ClearValue || value == "" {
		r.clear(f)
	} else if err := r.set(f, value, env); err != nil {
		return Event{}, err
	}
	after := r.Value(f)
	if after == before {
		if after == "" {
			return Event{}, Errorf(ENoop, "%s is not set.", f.Label())
		}
		return Event{}, Errorf(ENoop, "%s is already %s.", f.Label(), quoteIf(Truncate(after, 80)))
	}
	return Event{Kind: KindField, Data: map[string]string{"field": string(f), "from": before, "to": after}}, nil
}

func (r *Record) clear(f Field) {
	switch f {
	case FieldService:
		r.Services = nil
	case FieldImpact:
		r.Impact = ""
	case FieldCustomers:
		r.Customers, r.CustomersKnown = 0, false
	case FieldDetectedBy:
		r.DetectedBy, r.DetectedLink = "", ""
	case FieldHypothesis:
		r.Hypothesis = ""
	case FieldRootCause:
		r.RootCause = ""
	case FieldTrigger:
		r.Trigger = ""
	case FieldAI:
		r.AI = ""
	case FieldPostmortemOwner:
		r.PostmortemOwner = ""
	case FieldPostmortemDue:
		r.PostmortemDue = time.Time{}
	}
}

func (r *Record) set(f Field, value string, env SetEnv) error {
	switch f {
	case FieldService:
		svcs, err := ParseServices(value, env.Catalog)
		if err != nil {
			return err
		}
		r.Services = svcs
	case FieldImpact:
		r.Impact = fieldText(value)
	case FieldCustomers:
		n, err := parseCount(value)
		if err != nil {
			return err
		}
		r.Customers, r.CustomersKnown = n, true
	case FieldDetectedBy:
		d, link, err := parseDetection(value)
		if err != nil {
			return err
		}
		r.DetectedBy, r.DetectedLink = d, link
	case FieldHypothesis:
		r.Hypothesis = fieldText(value)
	case FieldRootCause:
		r.RootCause = fieldText(value)
	case FieldTrigger:
		r.Trigger = fieldText(value)
	case FieldAI:
		a, ok := ParseAI(value)
		if !ok {
			return Errorf(EInvalid, "`%s` is not an AI connection. Use one of: %s.", Truncate(CleanText(value), 30), aiList())
		}
		r.AI = a
	case FieldPostmortemOwner:
		id, ok := ParseUserMention(value)
		if !ok && userID.MatchString(value) {
			id, ok = value, true // the canonical form, as exports hold it
		}
		if !ok {
			return Errorf(EInvalid, "Mention the postmortem owner with @ so Slack links them, for example `/incident set postmortem-owner @ali`.")
		}
		r.PostmortemOwner = id
	case FieldPostmortemDue:
		d, err := ParseDue(value, env.Now, env.Location)
		if err != nil {
			return err
		}
		r.PostmortemDue = d
	default:
		return Errorf(EInvalid, "I don't know the field `%s`. %s", f, SetUsage())
	}
	return nil
}

func aiList() string {
	var parts []string
	for _, a := range AIConnections {
		parts = append(parts, fmt.Sprintf("`%s` (%s)", a, a.Describe()))
	}
	return strings.Join(parts, ", ")
}

// fieldText cleans free text for a field: one paragraph, within the limit.
// Slack's escaping (&amp; &lt; &gt;) is kept as sent; renderers escape.
func fieldText(s string) string { return Truncate(CleanText(s), MaxFieldText) }

// ParseServices parses a list of services separated by commas or spaces,
// resolving each through the catalog (names and aliases). An unknown name
// is a user error listing the catalog.
func ParseServices(value string, catalog Catalog) ([]string, error) {
	var out []string
	for _, typed := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\u00a0' }) {
		name, ok := catalog.Resolve(typed)
		if !ok {
			typed = Truncate(CleanText(typed), 40)
			if len(catalog) == 0 {
				return nil, Errorf(EInvalid, "`%s` is not a service name: use lowercase letters, digits and - _ . (for example `checkout`).", typed)
			}
			return nil, Errorf(EInvalid, "I don't know the service `%s`. The catalog has: %s.", typed, codeList(catalog.Names()))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "Name a service, for example `/incident set service checkout`.")
	}
	if len(out) > maxServices {
		return nil, Errorf(EInvalid, "That is %d services; an incident can name at most %d.", len(out), maxServices)
	}
	return out, nil
}

// userID is a bare Slack user ID; real ones are 9 to 11 characters.
var userID = regexp.MustCompile(`^[UW][A-Z0-9]{8,}$`)

var countRe = regexp.MustCompile(`^[~≈]?\s*([0-9][0-9,_ ]*)$`)

func parseCount(value string) (int64, error) {
	m := countRe.FindStringSubmatch(strings.TrimSpace(value))
	bad := Errorf(EInvalid, "`%s` is not a number of customers. Use a whole number, for example `/incident set customers 1200`.", Truncate(CleanText(value), 30))
	if m == nil {
		return 0, bad
	}
	digits := strings.NewReplacer(",", "", "_", "", " ", "").Replace(m[1])
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	return n, nil
}

func parseDetection(value string) (Detection, string, error) {
	fields := strings.Fields(value)
	d := Detection(strings.ToLower(fields[0]))
	if !slices.Contains(Detections, d) {
		return "", "", Errorf(EInvalid, "`%s` is not how incidents are detected here. Use one of %s, optionally followed by a link, for example `/incident set detected-by alert https://grafana.example.com/d/abc`.",
			Truncate(CleanText(fields[0]), 30), codeList(detectionNames()))
	}
	if len(fields) == 1 {
		return d, "", nil
	}
	if len(fields) > 2 {
		return "", "", Errorf(EInvalid, "After `%s` give one link and nothing else, for example `/incident set detected-by %s https://…`.", d, d)
	}
	link, ok := ParseLink(fields[1])
	if !ok {
		return "", "", Errorf(EInvalid, "`%s` is not a link. Give an http or https URL.", Truncate(CleanText(fields[1]), 60))
	}
	return d, link, nil
}

// ParseLink accepts a URL as Slack sends it (<https://…> or <https://…|label>)
// or bare, and returns it when it is http or https.
func ParseLink(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
		s, _, _ = strings.Cut(s, "|")
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return "", false
	}
	if strings.ContainsAny(s, " <>|\"") || len(s) > 2000 || len(s) < len("http://x") {
		return "", false
	}
	return s, true
}

var relativeDays = regexp.MustCompile(`^\+?([0-9]{1,3})\s*(d|day|days|w|week|weeks)$`)

// ParseDue parses a due date: YYYY-MM-DD, `today`, `tomorrow`, or a number
// of days or weeks from now (`3d`, `2w`), in loc. It returns the date at
// midnight UTC, which is how dates are stored.
func ParseDue(value string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := strings.ToLower(strings.TrimSpace(value))
	today := now.In(loc)
	date := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	switch v {
	case "today":
		return date(today), nil
	case "tomorrow":
		return date(today.AddDate(0, 0, 1)), nil
	}
	if m := relativeDays.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "w") {
			n *= 7
		}
		return date(today.AddDate(0, 0, n)), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, Errorf(EInvalid, "`%s` is not a date. Write it as YYYY-MM-DD (for example `2026-12-04`), or `3d` or `2w` from today.", Truncate(CleanText(value), 30))
	}
	return t, nil
}

// codeList renders names as `a`, `b` and `c`.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return strings.Join(quoted, ", ")
}

// orList renders names as `a`, `b` or `c`.
func orList(names []string) string {
	q := codeList(names)
	if i := strings.LastIndex(q, ", "); i >= 0 {
		q = q[:i] + " or " + q[i+2:]
	}
	return q
}

// MarkComm records that communication c was sent by by at at. Marking one
// already sent is an ENoop error naming who sent it.
func (r *Record) MarkComm(c Comm, by string, at time.Time) (Event, error) {
	if _, ok := r.Comms[c]; ok {
		return Event{}, Errorf(ENoop, "The %s communication is already marked done.", strings.ToLower(c.Label()))
	}
	if r.Comms == nil {
		r.Comms = map[Comm]CommDone{}
	}
	r.Comms[c] = CommDone{By: by, At: at}
	return Event{Kind: KindComms, Actor: by, At: at, Data: map[string]string{"comm": string(c)}}, nil
}
