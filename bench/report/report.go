// Package report holds the results the benchmark commands print as JSON
// (bench/ingest, bench/runbooks, bench/bleve) and bench/figures reads, so
// the writer and the reader share one definition.
package report

// Ingest is what one run of bench/ingest measured; it prints it with -json.
type Ingest struct {
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`
	Channels  int    `json:"channels"`
	InFlight  int    `json:"in_flight"`

	IdleRSSMiB float64 `json:"idle_rss_mib"`

	IngestEvents     int     `json:"ingest_events"`
	IngestPerSec     float64 `json:"ingest_events_per_s"`
	BotCPUPerEventUS float64 `json:"bot_cpu_us_per_event"`
	RawXADDEvents    int     `json:"raw_xadd_events"`
	RawXADDPerSec    float64 `json:"raw_xadd_events_per_s"`
	Ratio            float64 `json:"ingest_over_raw"`

	PacedRate      int     `json:"paced_rate_per_s"`
	PacedSeconds   float64 `json:"paced_seconds"`
	PacedSent      int     `json:"paced_sent"`
	PacedAchieved  float64 `json:"paced_achieved_per_s"`
	AckP50MS       float64 `json:"ack_p50_ms"`
	AckP99MS       float64 `json:"ack_p99_ms"`
	AckMaxMS       float64 `json:"ack_max_ms"`
	LoadRSSMeanMiB float64 `json:"load_rss_mean_mib"`
	LoadRSSMaxMiB  float64 `json:"load_rss_max_mib"`

	SIGTERMExitSeconds float64 `json:"sigterm_exit_s"`
	ExitCode           int     `json:"exit_code"`

	// Replicated is the paced run again with a replica attached, once per
	// REDIS_WAIT_REPLICAS setting, each with a fresh bot process.
	Replicated []ReplicatedAcks `json:"replicated,omitempty"`
}

// ReplicatedAcks is the paced run's ack latency with one replica attached
// and the bot waiting for WaitReplicas of them.
type ReplicatedAcks struct {
	WaitReplicas int     `json:"wait_replicas"`
	AckP50MS     float64 `json:"ack_p50_ms"`
	AckP99MS     float64 `json:"ack_p99_ms"`
	AckMaxMS     float64 `json:"ack_max_ms"`
}

// Grep is what one run of bench/runbooks measured: grep and the runbooks
// CLI over a generated corpus; it prints it with -json.
type Grep struct {
	Sections    int   `json:"sections"`
	Files       int   `json:"files"`
	CorpusBytes int64 `json:"corpus_bytes"`

	// Grep times are per search: each query's mean over Runs, then the mean,
	// fastest and slowest of those over all Queries.
	Queries    int     `json:"queries"`
	Runs       int     `json:"runs"`
	GrepMeanMS float64 `json:"grep_mean_ms"`
	GrepMinMS  float64 `json:"grep_min_ms"`
	GrepMaxMS  float64 `json:"grep_max_ms"`

	// CLIQueries of the labelled queries, evenly spread, each run CLIRuns
	// times: a run indexes the whole corpus, so it takes far longer.
	CLIQueries  int     `json:"cli_queries"`
	CLIRuns     int     `json:"cli_runs"`
	CLIMeanMS   float64 `json:"cli_mean_ms"`
	CLIOverGrep float64 `json:"cli_over_grep"`
}

// Bleve is what one run of bench/bleve measured: our index and Bleve on the
// same sections and queries; it prints it with -json.
type Bleve struct {
	BleveVersion string   `json:"bleve_version"`
	Sections     int      `json:"sections"`
	Files        int      `json:"files"`
	Queries      int      `json:"queries"`
	Reps         int      `json:"reps"`
	Engines      []Engine `json:"engines"`
}

// Engine is one index's figures. Fuzzy figures are Bleve's with fuzziness 1;
// they are absent for our index, whose figures include typo correction.
type Engine struct {
	Name    string  `json:"name"`
	BuildS  float64 `json:"build_s"`
	HeapMiB float64 `json:"heap_mib"`
	P50MS   float64 `json:"p50_ms"`
	P99MS   float64 `json:"p99_ms"`
	Recall1 float64 `json:"recall1"`
	Recall3 float64 `json:"recall3"`

	FuzzyP50MS   *float64 `json:"fuzzy_p50_ms,omitempty"`
	FuzzyP99MS   *float64 `json:"fuzzy_p99_ms,omitempty"`
	FuzzyRecall1 *float64 `json:"fuzzy_recall1,omitempty"`
	FuzzyRecall3 *float64 `json:"fuzzy_recall3,omitempty"`
}
