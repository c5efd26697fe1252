#!/usr/bin/env bash
# Compares runbook search with `grep -ril` for the same words over the same
# generated corpus (10,000 sections in 1,000 files by default):
#   1. in process: the Go benchmark's per-query p50/p99 on the loaded index,
#      against grep's time for one search;
#   2. end to end: `incidentbot runbooks search --dir` (start, load, index,
#      search) against the same grep.
# Uses hyperfine when installed (apt-get install -y hyperfine), else a loop.
# Usage: bench/runbooks/compare.sh [SECTIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."

sections=${1:-10000}
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== generating $sections sections into $work/corpus" >&2
go run ./runbooks/internal/corpus/gencorpus -out "$work/corpus" -sections "$sections"
echo "   $(find "$work/corpus" -name '*.md' | wc -l) files, $(du -sh "$work/corpus" | cut -f1)" >&2
go build -o "$work/incidentbot" ./cmd/incidentbot

queries=("postgres connections" "certificate expired" "redis eviction" "disk full" "rollback deploy")

# mean_seconds CMD: mean wall time of CMD over $runs runs.
mean_seconds() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --style none --warmup 2 --runs "$runs" --export-json "$work/hf.json" \
			--ignore-failure "$1" >/dev/null 2>&1
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/hf.json"
	else
		local start end
		start=$(date +%s%N)
		for _ in $(seq "$runs"); do bash -c "$1" >/dev/null 2>&1 || true; done
		end=$(date +%s%N)
		python3 -c "print(($end - $start) / 1e9 / $runs)"
	fi
}

echo "== in-process query latency (go test -bench BenchmarkSearch)" >&2
bench=$(go test ./runbooks/ -run '^$' -bench 'BenchmarkSearch$' -benchtime 20000x | grep BenchmarkSearch)
p50=$(awk '{for (i=1;i<=NF;i++) if ($i=="p50-µs") print $(i-1)}' <<<"$bench")
p99=$(awk '{for (i=1;i<=NF;i++) if ($i=="p99-µs") print $(i-1)}' <<<"$bench")

printf '\n%-24s %12s %12s %10s %12s\n' "query" "grep -ril" "CLI e2e" "e2e ratio" "grep/p99"
grep_sum=0 cli_sum=0
for q in "${queries[@]}"; do
	pattern=""
	for w in $q; do pattern+=" -e $w"; done
	g=$(mean_seconds "grep -ril$pattern $work/corpus")
	c=$(mean_seconds "$work/incidentbot runbooks search --dir $work/corpus --json $q")
	grep_sum=$(python3 -c "print($grep_sum + $g)")
	cli_sum=$(python3 -c "print($cli_sum + $c)")
	python3 -c "print('%-24s %10.1fms %10.1fms %9.2fx %11.0fx' % ('$q', $g*1e3, $c*1e3, $c/$g, $g*1e6/$p99))"
done
n=${#queries[@]}
python3 - <<PY
g, c, p50, p99 = $grep_sum / $n, $cli_sum / $n, $p50, $p99
print()
print(f"grep -ril mean:                 {g*1e3:8.1f} ms per search")
print(f"search in process (loaded):     p50 {p50:6.1f} µs, p99 {p99:6.1f} µs  -> p99 is {g*1e6/p99:,.0f}x faster than grep")
print(f"CLI end to end (start+load+index+search): {c*1e3:8.1f} ms  -> {c/g:.2f}x grep's time")
PY
