#!/usr/bin/env bash
# Reproduces the performance table of the README (section Performance) in one
# run: validation against the fake Microsoft cloud at 200 ms a reply (one
# tenant; 1 to 5,000 tenants at defender.DefaultParallel; 1,000 tenants at
# other parallelisms), `test --all` of the built binary over 500 connectors x
# 10 tenants and 2,000 x 1, the store's commands over 10,000 saved
# connectors, the wizard's connector list over 10,000, and start-up. Every
# row is a ratio to its ideal or target.
# The fake cloud runs in a child process, so the figures are mdeconnect's.
# About ten minutes on a 2-core machine. Usage: scripts/bench.sh
# BENCH_RAW=FILE scripts/bench.sh prints the table of a run's saved output
# (its Benchmark lines) instead of running.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${BENCH_RAW:-}" ]; then
	cp "$BENCH_RAW" "$work/raw.txt"
else
go build -o "$work/mdeconnect" .
go test -c -o "$work/defender.test" ./defender
go test -c -o "$work/e2e.test" ./e2e
go test -c -o "$work/wizard.test" ./wizard

# Each run in its own process, so one run's memory is not another's peak.
{
	"$work/defender.test" -test.run '^$' -test.bench '^BenchmarkOneTenant$' -test.benchtime 5x
	"$work/defender.test" -test.run '^$' -test.bench '^BenchmarkFleet$' -test.benchtime 1x
	"$work/defender.test" -test.run '^$' -test.bench '^BenchmarkParallel$' -test.benchtime 1x
	MDECONNECT_BENCH_BIN="$work/mdeconnect" "$work/e2e.test" -test.run '^$' -test.bench '^BenchmarkTestAll$' -test.benchtime 1x
	MDECONNECT_BENCH_BIN="$work/mdeconnect" "$work/e2e.test" -test.run '^$' -test.bench '^BenchmarkStore10k$' -test.benchtime 5x
	MDECONNECT_BENCH_BIN="$work/mdeconnect" "$work/e2e.test" -test.run '^$' -test.bench '^BenchmarkStartup$/^(exec_true|version)$' -test.benchtime 10x
	(cd wizard && "$work/wizard.test" -test.run '^$' -test.bench '^BenchmarkConnectors(FirstFrame|Key|FilterKey)10k$' -test.benchtime 10x)
} | tee "$work/raw.txt" | grep -E '^(Benchmark|FAIL|---|panic)' >&2 || true
fi

awk '
function f(x, d) { return x == "" ? "-" : sprintf("%." d "f", x) }
function row(c, got, ideal, ratio, limit, counts) { printf "| %s | %s | %s | %s | %s | %s |\n", c, got, ideal, ratio, limit, counts }
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); delete m
	for (i = 5; i < NF; i += 2) m[$(i+1)] = $i
	if (name == "BenchmarkOneTenant") {
		row("1 tenant, cold", f(m["wall_ms"], 0) " ms", "2 replies = " f(m["ideal_ms"], 0) " ms", f(m["x_ideal"], 2) "x", "1.1x",
			"requests/tenant " f(m["requests/tenant"], 0) "; sequential " f(m["seq_ms"], 0) " ms (" f(m["x_faster_than_seq"], 1) "x slower)")
	} else if (name ~ /^BenchmarkFleet\//) {
		n = name; sub(/.*tenants=/, "", n)
		p = f(m["parallel"], 0)
		row(n (n == 1 ? " tenant" : " tenants") ", parallel " p, f(m["wall_ms"] / 1000, 1) " s", "ceil(" n "/" p ") x 2 replies = " f(m["ideal_ms"] / 1000, 1) " s",
			f(m["x_ideal"], 2) "x", "-", "CPU " f(m["cpu_ms/tenant"], 2) " ms/tenant (fake " f(m["fake_cpu_ms/tenant"], 1) "), peak RSS " f(m["peak_rss_MB"], 0) " MB, conns/host " f(m["conns/host"], 0) ", requests/tenant " f(m["requests/tenant"], 0))
	} else if (name ~ /^BenchmarkParallel\//) {
		p = name; sub(/.*parallel=/, "", p); sub(/\/.*/, "", p)
		row("1,000 tenants, parallel " p, f(m["wall_ms"] / 1000, 1) " s", "ceil(1000/" p ") x 2 replies = " f(m["ideal_ms"] / 1000, 1) " s",
			f(m["x_ideal"], 2) "x", "-", "CPU " f(m["cpu_ms/tenant"], 2) " ms/tenant (fake " f(m["fake_cpu_ms/tenant"], 1) "), peak RSS " f(m["peak_rss_MB"], 0) " MB, conns/host " f(m["conns/host"], 0))
	} else if (name ~ /^BenchmarkTestAll\//) {
		s = name; sub(/.*\//, "", s)
		split(s, xs, "x")
		row("test --all " s " (binary)", f(m["wall_ms"] / 1000, 1) " s", "ceil(" xs[1] * xs[2] "/" f(m["parallel"], 0) ") x 2 replies = " f(m["ideal_ms"] / 1000, 1) " s",
			f(m["x_ideal"], 2) "x", "1.15x", "store writes " f(m["store_writes"], 0) ", requests/tenant " f(m["requests/tenant"], 0) ", CPU " f(m["cpu_ms/tenant"], 2) " ms/tenant (fake " f(m["fake_cpu_ms/tenant"], 1) "), peak RSS " f(m["peak_rss_MB"], 0) " MB, peak sockets " f(m["peak_sockets"], 0))
	} else if (name ~ /^BenchmarkStore10k\//) {
		c = name; sub(/.*\//, "", c)
		st[c] = m["wall_ms"]
	} else if (name ~ /^BenchmarkConnectors/) {
		wz[name] = $3 / 1e6
	} else if (name ~ /^BenchmarkStartup\//) {
		c = name; sub(/.*\//, "", c)
		st["startup_" c] = m["wall_ms"]
	}
}
END {
	if ("show" in st) row("show NAME, 10,000 connectors", f(st["show"], 1) " ms", "30 ms", f(st["show"] / 30, 2) "x", "1x", "start-up alone (--version) " f(st["startup_version"], 1) " ms")
	if ("test_name" in st) row("test NAME, 10,000 connectors: beyond an ad hoc test", f(st["test_name"] - st["test_adhoc_same_tenant"], 1) " ms", "30 ms",
		f((st["test_name"] - st["test_adhoc_same_tenant"]) / 30, 2) "x", "1x", "test NAME " f(st["test_name"], 1) " ms, ad hoc test of its tenant " f(st["test_adhoc_same_tenant"], 1) " ms (fake at 0 ms)")
	if ("list_json" in st) row("list --json, 10,000 connectors", f(st["list_json"], 1) " ms", "60 ms", f(st["list_json"] / 60, 2) "x", "1x", "19 MB of connectors, each with its last test")
	if ("BenchmarkConnectorsFirstFrame10k" in wz) row("wizard first frame, 10,000 connectors", f(wz["BenchmarkConnectorsFirstFrame10k"], 1) " ms", "60 ms",
		f(wz["BenchmarkConnectorsFirstFrame10k"] / 60, 2) "x", "1x", "the store read (Summaries) and the first view; every record follows in the background")
	if ("BenchmarkConnectorsKey10k" in wz) row("wizard keystroke (move), 10,000 connectors", f(wz["BenchmarkConnectorsKey10k"], 2) " ms", "20 ms",
		f(wz["BenchmarkConnectorsKey10k"] / 20, 3) "x", "1x", "update and view: only the visible rows are drawn")
	if ("BenchmarkConnectorsFilterKey10k" in wz) row("wizard keystroke (filter), 10,000 connectors", f(wz["BenchmarkConnectorsFilterKey10k"], 2) " ms", "20 ms",
		f(wz["BenchmarkConnectorsFilterKey10k"] / 20, 3) "x", "1x", "a typed character filters all 10,000 names, then the view")
	if ("startup_version" in st) row("start-up: --version", f(st["startup_version"], 1) " ms", "50 ms", f(st["startup_version"] / 50, 2) "x", "1x", "/bin/true " f(st["startup_exec_true"], 1) " ms")
}
BEGIN {
	print "| case | measured | ideal or target | ratio | limit | counts |"
	print "|---|---|---|---|---|---|"
}' "$work/raw.txt"
if grep -q '^FAIL\|^--- FAIL' "$work/raw.txt"; then
	echo "a benchmark failed: see above" >&2
	exit 1
fi
