package runbooks

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// SynonymsFile is the name of the optional file, at the root of the runbooks
// directory, that adds synonym groups to the built-in ones. It is a YAML list
// of groups, each a list of words or phrases that mean the same thing, e.g.
// [[payments, stripe, adyen], [checkout, cart, "order placement"]].
const SynonymsFile = "synonyms.yaml"

// defaultSynonyms are the words on-call engineers use interchangeably. Each
// group is symmetric: a query for any member also finds the others, scored a
// little below an exact match.
var defaultSynonyms = [][]string{
	{"postgres", "postgresql", "pg", "psql"},
	{"db", "database", "rds"},
	{"k8s", "kubernetes", "kube"},
	{"cert", "certificate", "tls", "ssl", "x509"},
	{"expiry", "expire", "expiration"},
	{"oom", "oomkilled", "oomkill", "out of memory"},
	{"5xx", "500", "502", "503", "504", "server error", "bad gateway"},
	{"429", "rate limit", "throttle", "too many requests", "ratelimit"},
	{"dns", "nxdomain", "servfail", "resolver", "name resolution"},
	{"deploy", "deployment", "release", "rollout"},
	{"rollback", "roll back", "revert"},
	{"crashloop", "crashloopbackoff", "crash loop", "restart loop"},
	{"disk", "filesystem", "volume"},
	{"full", "enospc", "no space"},
	{"memory", "ram", "mem"},
	{"slow", "latency", "sluggish"},
	{"timeout", "timed out", "deadline exceeded"},
	{"llm", "openai", "anthropic", "gpt", "claude", "language model"},
	{"cost", "spend", "bill", "billing"},
	{"queue", "backlog"},
	{"job", "worker", "sidekiq", "celery"},
	{"backup", "snapshot"},
	{"restore", "pitr"},
	{"failover", "fail over", "switchover"},
	{"status page", "statuspage"},
	{"comms", "communication"},
	{"lock", "deadlock", "contention"},
	{"redis", "cache", "elasticache"},
	{"payment", "stripe", "psp"},
	{"webhook", "callback"},
	{"third party", "vendor", "upstream"},
	{"pod", "container"},
	{"vm", "instance", "host"},
	{"conn", "connection"},
	{"pool", "pooler", "pgbouncer"},
	{"hallucination", "hallucinate"},
	{"regression", "degradation"},
	{"sev1", "p1"}, {"sev2", "p2"}, {"sev3", "p3"},
}

// parseSynonyms reads a SynonymsFile.
func parseSynonyms(data []byte) ([][]string, error) {
	var groups [][]string
	if err := yaml.Unmarshal(data, &groups); err != nil {
		return nil, fmt.Errorf("want a YAML list of lists of words: %w", err)
	}
	for i, g := range groups {
		if len(g) < 2 {
			return nil, fmt.Errorf("group %d has %d words; a synonym group needs at least 2", i+1, len(g))
		}
	}
	return groups, nil
}

// synonyms maps a term id to the ids of the other terms of its groups.
type synonyms map[int32][]int32

// buildSynonyms analyses the groups into terms, registering multi-word
// entries as phrases on a, and returns the term -> alternatives map.
func buildSynonyms(groups [][]string, a *analyzer) synonyms {
	syn := synonyms{}
	for _, g := range groups {
		ids := make([]int32, 0, len(g))
		for _, w := range g {
			if id, ok := a.phrase(w); ok {
				ids = append(ids, id)
			}
		}
		for _, k := range ids {
			for _, other := range ids {
				if other != k && !slices.Contains(syn[k], other) {
					syn[k] = append(syn[k], other)
				}
			}
		}
	}
	return syn
}
