#!/usr/bin/env bash
# Reproduces the performance table of the README (section Performance): validation against
# the fake Microsoft cloud at 300 ms a reply (one tenant; 1, 10, 50, 200
# tenants at defender.DefaultParallel) and start-up of the built binary.
# Under two minutes on a 2-core machine. Usage: scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/mdeconnect" .
go test -c -o "$work/defender.test" ./defender
go test -c -o "$work/main.test" .

# Each run in its own process, so one run's memory is not another's peak.
{
	"$work/defender.test" -test.run '^$' -test.bench '^BenchmarkOneTenant$' -test.benchtime 3x
	"$work/defender.test" -test.run '^$' -test.bench '^BenchmarkFleet$' -test.benchtime 1x
	MDECONNECT_BENCH_BIN="$work/mdeconnect" "$work/main.test" -test.run '^$' -test.bench '^BenchmarkStartup$' -test.benchtime 10x
} | tee "$work/raw.txt" | grep -E '^(Benchmark|FAIL|---|panic)' >&2 || true

awk '
function f(x, d) { return x == "" ? "-" : sprintf("%." d "f", x) }
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); delete m
	for (i = 5; i < NF; i += 2) m[$(i+1)] = $i
	if (name == "BenchmarkOneTenant") {
		printf "| 1 tenant, engine | %s | ideal path %s | %sx | 1.3x |\n", f(m["wall_ms"], 0), f(m["ideal_ms"], 0), f(m["x_ideal"], 2)
		printf "| 1 tenant, sequential baseline | %s | engine %s | engine %sx faster | - |\n", f(m["seq_ms"], 0), f(m["wall_ms"], 0), f(m["x_faster_than_seq"], 2)
	} else if (name ~ /BenchmarkFleet/) {
		n = name; sub(/.*tenants=/, "", n)
		printf "| %s tenants, parallel %d | %s | ceil(%s/%d) x 1 tenant = %s | %sx | 2x; tokens/tenant/resource %s, requests/tenant %s, peak RSS %s MB, peak heap %s MB |\n", n, m["parallel"], f(m["wall_ms"], 0), n, m["parallel"], f(m["target_ms"], 0), f(m["x_target"], 2), m["tokens/tenant/resource"], m["requests/tenant"], f(m["peak_rss_MB"], 1), f(m["peak_heap_MB"], 1)
	} else if (name ~ /BenchmarkStartup/) {
		c = name; sub(/.*\//, "", c)
		t = (c ~ /first_frame/) ? 150 : 50
		if (c == "exec_true") printf "| start-up: /bin/true (floor) | %s | - | - | - |\n", f(m["wall_ms"], 1)
		else printf "| start-up: %s | %s | %d | %sx | 1x |\n", c, f(m["wall_ms"], 1), t, f(m["wall_ms"] / t, 2)
	}
}
BEGIN {
	print "| case | wall ms | target | ratio | limit / counts |"
	print "|---|---|---|---|---|"
}' "$work/raw.txt"
if grep -q '^FAIL\|^--- FAIL' "$work/raw.txt"; then
	echo "a benchmark failed: see above" >&2
	exit 1
fi
