#!/usr/bin/env bash
# Writes the man page and the shell completions that release archives carry,
# by running mdeconnect itself: fang's hidden `man` command and cobra's
# `completion` command, so both always match the command tree.
# goreleaser runs this as a before hook; run by hand it does the same.
#
#   scripts/release-assets.sh [OUT]    OUT defaults to release-assets/
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-release-assets}

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/mdeconnect" .

rm -rf "$out/completions" "$out/manpages"
mkdir -p "$out/completions" "$out/manpages"
# The folder ignores itself, so a release leaves the work tree clean.
echo '*' >"$out/.gitignore"

# No terminal, no colour, no user settings: the same text on every machine.
run() { NO_COLOR=1 TERM=dumb "$bin/mdeconnect" "$@" </dev/null; }
run man | gzip -n -9 >"$out/manpages/mdeconnect.1.gz"
run completion bash >"$out/completions/mdeconnect.bash"
run completion zsh >"$out/completions/_mdeconnect"
run completion fish >"$out/completions/mdeconnect.fish"
run completion powershell >"$out/completions/mdeconnect.ps1"

# A command that printed nothing (or help instead of a script) must not ship.
[ "$(gzip -dc "$out/manpages/mdeconnect.1.gz" | head -c 3)" = ".TH" ] ||
	{ echo "release-assets: 'mdeconnect man' printed no man page" >&2; exit 1; }
grep -q '__start_mdeconnect\|__mdeconnect_' "$out/completions/mdeconnect.bash" &&
	grep -q '#compdef mdeconnect' "$out/completions/_mdeconnect" &&
	grep -q 'complete -c mdeconnect' "$out/completions/mdeconnect.fish" &&
	grep -q 'Register-ArgumentCompleter' "$out/completions/mdeconnect.ps1" ||
	{ echo "release-assets: a completion script is missing or not a script" >&2; exit 1; }
ls -l "$out/manpages" "$out/completions" >&2
