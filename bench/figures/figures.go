package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/incidentbot/incidentbot/bench/report"
)

// plan is every command the figures come from. quick shrinks benchtimes
// and sizes to test bench/run itself; bleve includes the Bleve comparison.
func plan(quick, bleve bool) []*step {
	q := func(full, small string) string {
		if quick {
			return small
		}
		return full
	}
	count := 3
	if quick {
		count = 1
	}
	steps := []*step{
		goTest("store", "./store/", "Append|RawXADD", q("3s", "2000x"), count, true),
		goTest("store-read", "./store/", "Events100k", q("5x", "1x"), 1, true),
		goTest("bot-ingest", "./bot/", "Ingest|RawXADD16", q("20000x", "500x"), count, true),
		goTest("bot-decode", "./bot/", "Decode", q("20000x", "500x"), count, false),
		goTest("bot-flows", "./bot/", "DeclareToPage|WebhookToChannel|UpdateToDraft/instant", q("30x", "3x"), 1, true),
		// Every iteration of this one waits out the 2 s timeout: few are enough.
		goTest("bot-hanging", "./bot/", "UpdateToDraft/hanging", q("3x", "1x"), 1, true),
		goTest("incident", "./incident/", "Fold100k", q("20x", "2x"), 1, false),
		goTest("export", "./export/", "Export10k", q("20x", "2x"), 1, false),
		goTest("llm", "./llm/", ".", q("30x", "2x"), 1, false),
		goTest("pager", "./pager/", ".", q("2000x", "50x"), count, false),
		goTest("slackemu", "./internal/slackemu/", ".", q("5000x", "100x"), 1, false),
		goTest("runbooks-load", "./runbooks/", "Load", q("20x", "2x"), 1, false),
		goTest("runbooks-search", "./runbooks/", "Search", q("20000x", "500x"), 1, false),
		goTest("config", "./config/", "Check200Services|YAMLNode200Services", q("200x", "5x"), count, false),
		goTest("workflow", "./workflow/", "Match50", q("200000x", "1000x"), count, false),
		goTest("bot-workflows", "./bot/", "DeclareToWorkflows", q("30x", "3x"), 1, true),
		goTest("status", "./status/", "StatusPage", q("300x", "5x"), 1, true),
		goTest("insights", "./insights/", "Compute|Chart", q("20x", "2x"), 1, false),
		// Seeding 10,000 incidents takes most of this step; few loads are enough.
		goTest("insights-load", "./insights/", "Load", q("5x", "1x"), 1, true),
		goTest("bot-alerts", "./bot/", "AlertToChannel", q("20x", "2x"), 1, true),
		goTest("bot-export", "./bot/", "Export", q("30x", "3x"), 1, true),
	}
	ingest := []string{"go", "run", "./bench/ingest", "-json"}
	grep := []string{"go", "run", "./bench/runbooks", "-json"}
	bl := []string{"go", "run", ".", "-json"}
	if quick {
		ingest = append(ingest, "-n", "2000", "-raw", "10000", "-duration", "2s")
		grep = append(grep, "-runs", "1", "-cli-queries", "2", "-cli-runs", "1")
		bl = append(bl, "-sections", "1000", "-reps", "1")
	}
	steps = append(steps, jsonCmd("ingest", "", ingest...), jsonCmd("grep", "", grep...),
		&step{id: "recall", fn: recall, shown: "go test ./runbooks -run TestStarterRecall -v"})
	if bleve {
		steps = append(steps, jsonCmd("bleve", "bench/bleve", bl...), &step{id: "bleve-modules", fn: bleveModules,
			shown: "cd bench/bleve && go list -deps -f '{{with .Module}}{{.Path}}{{end}}' github.com/blevesearch/bleve/v2"})
	}
	return steps
}

// row is one line of the table.
type row struct {
	group   string // set on the first row of a group: a heading row precedes it
	figure  string
	result  string
	goal    string
	met     *bool // nil: no goal, or not measured
	command string
}

// figures turns the steps' output into the table's rows. A figure whose
// step failed or was skipped still gets its row, saying so.
func figures(steps []*step) []row {
	by := map[string]*step{}
	for _, s := range steps {
		by[s.id] = s
	}
	var rows []row
	group := ""
	// add appends a row computed by fn from the steps named; fn's error (a
	// figure missing from the output) is shown in the row.
	add := func(figure, goal string, fn func() (string, *bool, error), ids ...string) {
		r := row{figure: figure, goal: goal}
		if group != "" {
			r.group, group = group, ""
		}
		var cmds []string
		for _, id := range ids {
			s, ok := by[id]
			if !ok {
				r.result = "not run (`--no-bleve`)"
				rows = append(rows, r)
				return
			}
			cmds = append(cmds, "`"+s.shown+"`")
			if s.err != nil && r.result == "" {
				r.result = fmt.Sprintf("**failed**: see bench/results/last-run/%s.log", s.id)
			}
		}
		r.command = strings.Join(cmds, "; ")
		if r.result == "" {
			res, met, err := fn()
			if err != nil {
				res = "**no figure**: " + err.Error()
			}
			r.result, r.met = res, met
		}
		rows = append(rows, r)
	}
	b := func(id string) benchSet { return by[id].bench }
	var (
		ing report.Ingest
		gr  report.Grep
		bl  report.Bleve
	)
	// Each JSON step is decoded once; a step that failed or did not run
	// leaves its error nil, since its rows already say so.
	decoded := func(id string, v any) error {
		if s, ok := by[id]; ok && s.err == nil {
			return s.decode(v)
		}
		return nil
	}
	ingErr, grErr, blErr := decoded("ingest", &ing), decoded("grep", &gr), decoded("bleve", &bl)

	group = "Ingest and storage"
	add(fmt.Sprintf("Timeline append (dedupe + XADD + ts index, one Lua round trip) vs raw `XADD`, "+
		"8 × GOMAXPROCS = %d writers", 8*runtime.GOMAXPROCS(0)), "≥ 0.6×",
		func() (string, *bool, error) {
			return versus(b("store"), "BenchmarkAppend", "BenchmarkRawXADD", "events/s", 0.6)
		}, "store")
	add("Read a 100,000-event timeline (`Events`)", "", func() (string, *bool, error) {
		t, err1 := b("store-read").get("BenchmarkEvents100k", "ns/op")
		mem, err2 := b("store-read").get("BenchmarkEvents100k", "B/op")
		al, err3 := b("store-read").get("BenchmarkEvents100k", "allocs/op")
		if err := first(err1, err2, err3); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s per read; %s and %s allocs per event", dur(t.median), bytesSI(mem.median/1e5),
			sig(al.median/1e5, 2)), nil, nil
	}, "store-read")
	add("Full ingest path, real binary: socket-mode envelope → slack-go decode → dedupe → XADD → ack, "+
		"vs raw `XADD` (16 goroutines) on the same Redis", "≥ 0.6×", func() (string, *bool, error) {
		if ingErr != nil {
			return "", nil, ingErr
		}
		return fmt.Sprintf("%s vs %s events/s: **%s** (%s events, %d in flight, vs %s XADDs)", rate(ing.IngestPerSec),
			rate(ing.RawXADDPerSec), times(ing.Ratio), count(float64(ing.IngestEvents)), ing.InFlight,
			count(float64(ing.RawXADDEvents))), goalMet(ing.Ratio >= 0.6), nil
	}, "ingest")
	add("Bot CPU per ingested event, real binary (`/proc/<pid>/stat` over the run above)", "≤ 40 µs", func() (string, *bool, error) {
		return fmt.Sprintf("%s µs", sig(ing.BotCPUPerEventUS, 3)), goalMet(ing.BotCPUPerEventUS <= 40), ingErr
	}, "ingest")
	add("Decoding one message envelope as Slack sends it (blocks included): slack-go's socket-mode path "+
		"(read into a RawMessage, the envelope, `slackevents.ParseEvent`) vs one pass into only the fields the "+
		"recorder reads", "", func() (string, *bool, error) {
		sg, err1 := b("bot-decode").get("BenchmarkDecodeSlackGo", "ns/op")
		mn, err2 := b("bot-decode").get("BenchmarkDecodeMinimal", "ns/op")
		sa, err3 := b("bot-decode").get("BenchmarkDecodeSlackGo", "allocs/op")
		ma, err4 := b("bot-decode").get("BenchmarkDecodeMinimal", "allocs/op")
		if err := first(err1, err2, err3, err4); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s (%s allocs) vs %s (%s allocs): slack-go's takes **%s** as long", dur(sg.median),
			count(sa.median), dur(mn.median), count(ma.median), times(sg.median/mn.median)), nil, nil
	}, "bot-decode")
	add("Full ingest path, in process (`BenchmarkIngest`, emulator's CPU included) vs raw `XADD` (16 goroutines)",
		"≥ 0.6×", func() (string, *bool, error) {
			return versus(b("bot-ingest"), "BenchmarkIngest", "BenchmarkRawXADD16", "events/s", 0.6)
		}, "bot-ingest")
	add("Ack latency at a steady rate, real binary", "", func() (string, *bool, error) {
		s := fmt.Sprintf("%s events/s for %.0f s (achieved %s/s): p50 %s, p99 %s, max %s", rate(float64(ing.PacedRate)),
			ing.PacedSeconds, rate(ing.PacedAchieved), dur(ing.AckP50MS*1e6), dur(ing.AckP99MS*1e6), dur(ing.AckMaxMS*1e6))
		return s, nil, ingErr
	}, "ingest")
	add("Ack latency at the same rate with a replica attached, `REDIS_WAIT_REPLICAS=0` vs `=1` (a fresh bot each)", "", func() (string, *bool, error) {
		if ingErr != nil {
			return "", nil, ingErr
		}
		if len(ing.Replicated) != 2 {
			return "", nil, fmt.Errorf("bench/ingest reported %d replicated runs, want 2 (it skips them with REDIS_URL set)", len(ing.Replicated))
		}
		w0, w1 := ing.Replicated[0], ing.Replicated[1]
		return fmt.Sprintf("WAIT 0: p50 %s, p99 %s; WAIT 1: p50 %s, p99 %s (p99 **%s**)", dur(w0.AckP50MS*1e6), dur(w0.AckP99MS*1e6),
			dur(w1.AckP50MS*1e6), dur(w1.AckP99MS*1e6), times(w1.AckP99MS/w0.AckP99MS)), nil, nil
	}, "ingest")
	add("Bot memory (RSS), idle with 16 incidents / under that load (mean, max)", "", func() (string, *bool, error) {
		return fmt.Sprintf("%.1f MiB / %.1f, %.1f MiB", ing.IdleRSSMiB, ing.LoadRSSMeanMiB, ing.LoadRSSMaxMiB), nil,
			ingErr
	}, "ingest")
	add("SIGTERM to exit, after the load", "< 10 s", func() (string, *bool, error) {
		return fmt.Sprintf("%s (exit code %d)", dur(ing.SIGTERMExitSeconds*1e9), ing.ExitCode),
			goalMet(ing.SIGTERMExitSeconds < 10 && ing.ExitCode == 0), ingErr
	}, "ingest")

	group = "Incidents, end to end through the whole bot"
	add("Fold of a 100,000-event incident", "", func() (string, *bool, error) {
		return perOp(b("incident"), "BenchmarkFold100k")
	}, "incident")
	for _, f := range []struct{ name, sub string }{{"JSON", "json"}, {"Markdown", "md"}} {
		add("export, 10k-event incident ("+f.name+"), vs folding the same log", "", func() (string, *bool, error) {
			s, met, err := docOf(b("export"), "BenchmarkExport10k/"+f.sub)
			if err != nil {
				return s, met, err
			}
			x, err1 := b("export").get("BenchmarkExport10k/"+f.sub, "ns/op")
			fold, err2 := b("export").get("BenchmarkExport10k/fold", "ns/op")
			if err := first(err1, err2); err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("%s; **%.1f×** the fold alone (%s)", s, x.median/fold.median, dur(fold.median)), met, nil
		}, "export")
	}
	add("`/incident declare P1` → trigger at the PagerDuty Events API (fake)", "", func() (string, *bool, error) {
		return latencyOf(b("bot-flows"), "BenchmarkDeclareToPage")
	}, "bot-flows")
	add("PagerDuty webhook → incident channel created", "", func() (string, *bool, error) {
		return latencyOf(b("bot-flows"), "BenchmarkWebhookToChannel")
	}, "bot-flows")
	add("`/incident update` → draft on screen, model answering at once (200-message timeline)", "", func() (string, *bool, error) {
		return latencyOf(b("bot-flows"), "BenchmarkUpdateToDraft/instant")
	}, "bot-flows")
	add("same, model hanging, with `LLM_TIMEOUT=2s`", "", func() (string, *bool, error) {
		s, met, err := latencyOf(b("bot-hanging"), "BenchmarkUpdateToDraft/hanging-2s-timeout")
		return s + " (the template arrives at the timeout, by design)", met, err
	}, "bot-hanging")

	group = "Drafts (LLM)"
	add("Prompt build for a 50,000-message incident (fold, facts, condense, redact)", "< 100 ms", func() (string, *bool, error) {
		t, err1 := b("llm").get("BenchmarkPromptBuild50k", "ns/op")
		tok, err2 := b("llm").get("BenchmarkPromptBuild50k", "tokens")
		lines, err3 := b("llm").get("BenchmarkPromptBuild50k", "lines")
		if err := first(err1, err2, err3); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s, lands at %s estimated tokens, %s lines", dur(t.median), count(tok.median), count(lines.median)),
			goalMet(t.median < 100e6), nil
	}, "llm")
	add("Template draft (the fallback) for a 1,000-message incident", "", func() (string, *bool, error) {
		return perOp(b("llm"), "BenchmarkTemplateDraft")
	}, "llm")
	add("Whole `Draft` of a 1,000-message incident through go-openai against the local fake", "", func() (string, *bool, error) {
		return perOp(b("llm"), "BenchmarkDraftFakeLLM")
	}, "llm")

	group = "PagerDuty and Slack plumbing"
	add("One PagerDuty trigger round trip through go-pagerduty to the fake over loopback HTTP (the pager's share)", "",
		func() (string, *bool, error) { return perOp(b("pager"), "BenchmarkTrigger") }, "pager")
	add("One signed PagerDuty webhook delivery over loopback HTTP: verified, parsed, handed to a sink", "",
		func() (string, *bool, error) { return perOp(b("pager"), "BenchmarkWebhook") }, "pager")
	add("Slack emulator: events_api envelope to a slack-go socket-mode client, and its ack", "", func() (string, *bool, error) {
		r, err1 := b("slackemu").get("BenchmarkEventDeliveryAndAck", "events/s")
		t, err2 := b("slackemu").get("BenchmarkEventDeliveryAndAck", "ns/op")
		return fmt.Sprintf("%s events/s (%s each)", rate(r.median), dur(t.median)), nil, first(err1, err2)
	}, "slackemu")
	add("Slack emulator: `chat.postMessage` through slack-go", "", func() (string, *bool, error) {
		return perOp(b("slackemu"), "BenchmarkWebAPIPostMessage")
	}, "slackemu")

	group = "Config file"
	add("config check, 200-service file (parse, validate, unset `env:` references; the process start not included)", "",
		func() (string, *bool, error) {
			s, met, err := perOp(b("config"), "BenchmarkCheck200Services")
			if mb, err2 := b("config").get("BenchmarkCheck200Services", "MB/s"); err == nil && err2 == nil {
				s += fmt.Sprintf("; %.1f MB/s", mb.median)
			}
			check, err3 := b("config").get("BenchmarkCheck200Services", "ns/op")
			parse, err4 := b("config").get("BenchmarkYAMLNode200Services", "ns/op")
			if err == nil && first(err3, err4) == nil {
				s += fmt.Sprintf("; **%.2f×** the YAML library's own parse of the file (%s)", check.median/parse.median, dur(parse.median))
			}
			return s, met, err
		}, "config")
	add("workflow matching, 50 workflows, per event, vs the bot's CPU per ingested event", "", func() (string, *bool, error) {
		s, met, err := perOp(b("workflow"), "BenchmarkMatch50")
		if m, err2 := b("workflow").get("BenchmarkMatch50", "ns/op"); err == nil && err2 == nil && ingErr == nil && ing.BotCPUPerEventUS > 0 {
			s += fmt.Sprintf("; **%.1f%%** of the CPU one ingested event costs the bot (%s µs)", 100*m.median/(ing.BotCPUPerEventUS*1e3), sig(ing.BotCPUPerEventUS, 3))
		}
		return s, met, err
	}, "workflow", "ingest")
	add("`/incident declare P1 payments: …` → the last step of the 10 workflows it starts (20 steps), 50-workflow config, vs the same declare without a config file", "",
		func() (string, *bool, error) {
			wf, err1 := b("bot-workflows").get("BenchmarkDeclareToWorkflows/50-workflows", "ns/op")
			base, err2 := b("bot-workflows").get("BenchmarkDeclareToWorkflows/baseline", "ns/op")
			if err := first(err1, err2); err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("%s vs %s: **%.1f×**", dur(wf.median), dur(base.median), wf.median/base.median), nil, nil
		}, "bot-workflows")

	group = "Status page and insights"
	for _, v := range []struct{ name, what string }{
		{"cold", "every request reads Redis and renders"},
		{"cached", "within the cache's TTL"},
		{"render-only", "the template alone on facts already loaded: the baseline"},
	} {
		add(fmt.Sprintf("`GET /status` with 1,000 past public incidents in 90 days, %s", v.what), "", func() (string, *bool, error) {
			name := "BenchmarkStatusPage/" + v.name
			t, err1 := b("status").get(name, "ns/op")
			p, err2 := b("status").get(name, "p99-µs")
			sent, err3 := b("status").get(name, "B/page-sent")
			if err := first(err1, err2, err3); err != nil {
				return "", nil, err
			}
			s := fmt.Sprintf("mean %s, p99 %s", dur(t.median), dur(p.median*1e3))
			if raw, err := b("status").get(name, "B/page-raw"); err == nil {
				s += fmt.Sprintf("; page %s, %s gzipped", bytesSI(raw.median), bytesSI(sent.median))
			}
			if base, err := b("status").get("BenchmarkStatusPage/render-only", "ns/op"); err == nil && v.name != "render-only" {
				if x := t.median / base.median; x >= 1 {
					s += fmt.Sprintf("; **%.1f×** the render-only time", x)
				} else {
					s += fmt.Sprintf("; **%s faster** than rendering", times(1/x))
				}
			}
			return s, nil, nil
		}, "status")
	}
	add("Insights over 10,000 incidents in a year (every figure of the report), vs only filtering the window", "", func() (string, *bool, error) {
		t, err1 := b("insights").get("BenchmarkCompute/report-10k", "ns/op")
		base, err2 := b("insights").get("BenchmarkCompute/baseline-filter-10k", "ns/op")
		if err := first(err1, err2); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s vs %s: **%.0f×**", dur(t.median), dur(base.median), t.median/base.median), nil, nil
	}, "insights")
	add("Insights chart (1600×1000 PNG, gonum/plot) of that year", "", func() (string, *bool, error) {
		return perOp(b("insights"), "BenchmarkChart")
	}, "insights")
	add("Loading 10,000 incidents from Redis for insights: cached digests vs every log read", "", func() (string, *bool, error) {
		cached, err1 := b("insights-load").get("BenchmarkLoad/cached-10k", "ns/op")
		cold, err2 := b("insights-load").get("BenchmarkLoad/cold-10k", "ns/op")
		if err := first(err1, err2); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s vs %s: **%.1f×** faster", dur(cached.median), dur(cold.median), cold.median/cached.median), nil, nil
	}, "insights-load")
	add("Checking a customer update for internal names (20 services, channels, people, hosts), vs redacting its secrets", "", func() (string, *bool, error) {
		f, err1 := b("llm").get("BenchmarkPublicFlags", "ns/op")
		r, err2 := b("llm").get("BenchmarkRedactPublicText", "ns/op")
		if err := first(err1, err2); err != nil {
			return "", nil, err
		}
		return fmt.Sprintf("%s vs %s: **%.0f×**", dur(f.median), dur(r.median), f.median/r.median), nil, nil
	}, "llm")

	group = "Alerts and follow-ups"
	add("Alertmanager webhook → incident channel created and header pinned (the answer), 50 new alert groups at once, vs one group alone", "",
		func() (string, *bool, error) {
			p50, err1 := b("bot-alerts").get("BenchmarkAlertToChannel/groups=50", "p50-ms")
			p99, err2 := b("bot-alerts").get("BenchmarkAlertToChannel/groups=50", "p99-ms")
			b50, err3 := b("bot-alerts").get("BenchmarkAlertToChannel/groups=1", "p50-ms")
			b99, err4 := b("bot-alerts").get("BenchmarkAlertToChannel/groups=1", "p99-ms")
			if err := first(err1, err2, err3, err4); err != nil {
				return "", nil, err
			}
			return fmt.Sprintf("p50 %s, p99 %s vs alone p50 %s, p99 %s (p50 **%.0f×**)", dur(p50.median*1e6), dur(p99.median*1e6),
				dur(b50.median*1e6), dur(b99.median*1e6), p50.median/b50.median), nil, nil
		}, "bot-alerts")

	add("Action item *Open issue* click → issue recorded on the timeline (look up by key, create), against each tracker's fake, vs a *Done* click", "",
		func() (string, *bool, error) {
			base, err := b("bot-export").get("BenchmarkExport/baseline-done", "ns/op")
			if err != nil {
				return "", nil, err
			}
			var parts []string
			for _, name := range []string{"github", "jira", "linear"} {
				t, err := b("bot-export").get("BenchmarkExport/"+name, "ns/op")
				if err != nil {
					return "", nil, err
				}
				parts = append(parts, fmt.Sprintf("%s %s (**%.1f×**)", name, dur(t.median), t.median/base.median))
			}
			return strings.Join(parts, ", ") + fmt.Sprintf(" vs Done %s", dur(base.median)), nil, nil
		}, "bot-export")

	group = "Runbooks (generated corpus of 10,000 sections in 1,000 files)"
	add("Runbook index build (read, front matter, goldmark, analysis, BM25F weights)", "< 250 ms", func() (string, *bool, error) {
		t, err := b("runbooks-load").get("BenchmarkLoad", "ns/op")
		return dur(t.median), goalMet(t.median < 250e6), err
	}, "runbooks-load")
	add("Heap kept by the index / allocated while building it", "", func() (string, *bool, error) {
		h, err1 := b("runbooks-load").get("BenchmarkLoad", "index-heap-MiB")
		a, err2 := b("runbooks-load").get("BenchmarkLoad", "B/op")
		return fmt.Sprintf("%.1f MiB / %s", h.median, bytesSI(a.median)), nil, first(err1, err2)
	}, "runbooks-load")
	var p99 stat
	add("Runbook query in process, the labelled queries of `runbooks/testdata/queries.tsv`, top 5", "p99 < 1 ms",
		func() (string, *bool, error) {
			p50, err1 := b("runbooks-search").get("BenchmarkSearch", "p50-µs")
			var err2 error
			p99, err2 = b("runbooks-search").get("BenchmarkSearch", "p99-µs")
			return fmt.Sprintf("p50 %s, p99 %s", dur(p50.median*1e3), dur(p99.median*1e3)), goalMet(p99.median < 1000), first(err1, err2)
		}, "runbooks-search")
	add("`grep -ril -e WORD …` for the words of the same queries, same corpus (the baseline)", "", func() (string, *bool, error) {
		return fmt.Sprintf("mean %s per search (per query %s–%s; %d queries, %d runs each; %s sections in %s files, %.1f MB)",
			dur(gr.GrepMeanMS*1e6), dur(gr.GrepMinMS*1e6), dur(gr.GrepMaxMS*1e6), gr.Queries, gr.Runs,
			count(float64(gr.Sections)), count(float64(gr.Files)), float64(gr.CorpusBytes)/1e6), nil, grErr
	}, "grep")
	add("Runbook query p99 in process vs `grep -ril` mean", "≥ 10×", func() (string, *bool, error) {
		if grErr != nil {
			return "", nil, grErr
		}
		if p99.median == 0 {
			return "", nil, fmt.Errorf("no p99 from BenchmarkSearch")
		}
		x := gr.GrepMeanMS * 1e3 / p99.median
		return fmt.Sprintf("**%s faster**", times(x)), goalMet(x >= 10), nil
	}, "runbooks-search", "grep")
	add("Runbooks CLI end to end: start, load, index every section, search (a fresh process per query)", "",
		func() (string, *bool, error) {
			return fmt.Sprintf("%s, %s grep's time, which needs no index (%d queries, %d runs each)", dur(gr.CLIMeanMS*1e6),
				times(gr.CLIOverGrep), gr.CLIQueries, gr.CLIRuns), nil, grErr
		}, "grep")

	for _, set := range []struct{ name, what, goal string }{
		{"author", "Recall@1 / @3, the 70 queries of `runbooks/testdata/queries.tsv` (written by the library's author)", "@1 ≥ 0.75, @3 ≥ 0.9"},
		{"blind", "Recall@1 / @3, the 136 queries of `runbooks/testdata/blind.tsv` (written blind from titles and one-line symptoms)", ""},
	} {
		add(set.what, set.goal, func() (string, *bool, error) {
			at1, at3, n, err := recallOf(by["recall"].out, set.name)
			if err != nil {
				return "", nil, err
			}
			res := fmt.Sprintf("%.3f / %.3f (n=%d)", at1, at3, n)
			if set.goal != "" {
				return res, goalMet(at1 >= 0.75 && at3 >= 0.9), nil
			}
			return res, nil, nil
		}, "recall")
	}

	group = "Runbooks: our index vs Bleve, same sections, same queries, one process"
	engines := func(f func(name string, i int) string) (string, *bool, error) {
		if blErr != nil {
			return "", nil, blErr
		}
		var parts []string
		for i, e := range bl.Engines {
			parts = append(parts, f(engineName(e.Name), i))
		}
		return strings.Join(parts, "; "), nil, nil
	}
	add("Index build (ours: `runbooks.Load`; Bleve: `runbooks.Parse` + batches of 1,000)", "", func() (string, *bool, error) {
		s, _, err := engines(func(n string, i int) string { return n + " " + dur(bl.Engines[i].BuildS*1e9) })
		if err == nil {
			s = fmt.Sprintf("%s (%s sections in %s files, Bleve %s)", s, count(float64(bl.Sections)), count(float64(bl.Files)), bl.BleveVersion)
		}
		return s, nil, err
	}, "bleve")
	add("Go heap kept by the index (scorch keeps its segments in files, mmapped)", "", func() (string, *bool, error) {
		return engines(func(n string, i int) string { return fmt.Sprintf("%s %.1f MiB", n, bl.Engines[i].HeapMiB) })
	}, "bleve")
	add("Query p50 / p99, the labelled queries, top 5", "", func() (string, *bool, error) {
		return engines(func(n string, i int) string {
			return fmt.Sprintf("%s %s / %s", n, dur(bl.Engines[i].P50MS*1e6), dur(bl.Engines[i].P99MS*1e6))
		})
	}, "bleve")
	add("same, Bleve with fuzziness 1 (ours corrects typos in the figures above)", "", func() (string, *bool, error) {
		return engines(func(n string, i int) string {
			e := bl.Engines[i]
			if e.FuzzyP50MS == nil || e.FuzzyP99MS == nil {
				return n + " —"
			}
			return fmt.Sprintf("%s %s / %s", n, dur(*e.FuzzyP50MS*1e6), dur(*e.FuzzyP99MS*1e6))
		})
	}, "bleve")
	add("Recall@1 / @3 of the labelled queries on the starter library", "ours: @1 ≥ 0.75, @3 ≥ 0.9",
		func() (string, *bool, error) {
			s, _, err := engines(func(n string, i int) string {
				return fmt.Sprintf("%s %.3f / %.3f", n, bl.Engines[i].Recall1, bl.Engines[i].Recall3)
			})
			if err != nil {
				return "", nil, err
			}
			for _, e := range bl.Engines {
				if e.Name == "ours" {
					return s, goalMet(e.Recall1 >= 0.75 && e.Recall3 >= 0.9), nil
				}
			}
			return s, nil, nil
		}, "bleve")
	add("same, Bleve with fuzziness 1", "", func() (string, *bool, error) {
		return engines(func(n string, i int) string {
			e := bl.Engines[i]
			if e.FuzzyRecall1 == nil || e.FuzzyRecall3 == nil {
				return n + " —"
			}
			return fmt.Sprintf("%s %.3f / %.3f", n, *e.FuzzyRecall1, *e.FuzzyRecall3)
		})
	}, "bleve")
	add("Modules Bleve would add to the bot's build: those its package needs that `go list -m all` at the root does not list", "", func() (string, *bool, error) {
		n, err := strconv.Atoi(strings.TrimSpace(string(by["bleve-modules"].out)))
		return strconv.Itoa(n), nil, err
	}, "bleve-modules")
	return rows
}

func engineName(n string) string {
	switch n {
	case "bleve-scorch":
		return "Bleve scorch"
	case "bleve-memonly":
		return "Bleve `NewMemOnly`"
	}
	return n
}

// versus is "A vs B unit: ratio" for two benchmarks of one run, medians
// with their ranges when there were several runs, and whether the ratio
// reaches goal.
func versus(set benchSet, a, base, unit string, goal float64) (string, *bool, error) {
	x, err1 := set.get(a, unit)
	y, err2 := set.get(base, unit)
	if err := first(err1, err2); err != nil {
		return "", nil, err
	}
	ratio := x.median / y.median
	s := fmt.Sprintf("%s vs %s %s: **%s**", rate(x.median), rate(y.median), unit, times(ratio))
	if x.runs > 1 {
		s += fmt.Sprintf(" (medians of %d runs; %s–%s vs %s–%s)", x.runs, rate(x.min), rate(x.max), rate(y.min), rate(y.max))
	}
	return s, goalMet(ratio >= goal), nil
}

// perOp is a benchmark's time, memory and allocations per op.
func perOp(set benchSet, name string) (string, *bool, error) {
	t, err1 := set.get(name, "ns/op")
	mem, err2 := set.get(name, "B/op")
	al, err3 := set.get(name, "allocs/op")
	if err := first(err1, err2, err3); err != nil {
		return "", nil, err
	}
	s := fmt.Sprintf("%s, %s, %s allocs", dur(t.median), bytesSI(mem.median), count(al.median))
	if t.runs > 1 {
		s += fmt.Sprintf(" per op (median of %d runs; %s–%s)", t.runs, dur(t.min), dur(t.max))
	}
	return s, nil, nil
}

// docOf is a document benchmark's time per op, the document's size (its
// bytes/doc metric), and the memory and allocations it took.
func docOf(set benchSet, name string) (string, *bool, error) {
	t, err1 := set.get(name, "ns/op")
	size, err2 := set.get(name, "bytes/doc")
	mem, err3 := set.get(name, "B/op")
	al, err4 := set.get(name, "allocs/op")
	if err := first(err1, err2, err3, err4); err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("%s per document of %s (%s, %s allocs)", dur(t.median), bytesSI(size.median), bytesSI(mem.median),
		count(al.median)), nil, nil
}

// latencyOf is a benchmark's time per op, for the end-to-end flows whose
// memory figures would be the whole bot's and say little.
func latencyOf(set benchSet, name string) (string, *bool, error) {
	t, err := set.get(name, "ns/op")
	return dur(t.median), nil, err
}

func goalMet(ok bool) *bool { return &ok }

func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// recallOf reads "recall <set> @1=… @3=… n=…" from the quality test's log.
func recallOf(out []byte, set string) (at1, at3 float64, n int, err error) {
	for _, line := range strings.Split(string(out), "\n") {
		i := strings.Index(line, "recall "+set+" ")
		if i < 0 {
			continue
		}
		if _, err := fmt.Sscanf(line[i:], "recall "+set+" @1=%g @3=%g n=%d", &at1, &at3, &n); err != nil {
			return 0, 0, 0, fmt.Errorf("read %q: %w", line[i:], err)
		}
		return at1, at3, n, nil
	}
	return 0, 0, 0, fmt.Errorf("no recall line for the %s set", set)
}
