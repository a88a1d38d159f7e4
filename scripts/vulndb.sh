#!/usr/bin/env bash
# Builds a Go vulnerability database that govulncheck reads offline
# (`govulncheck -db file://DIR`), from the module golang.org/x/vulndb as the Go
# module proxy serves it, and prints DIR.
#
#   scripts/vulndb.sh [CACHE]      CACHE defaults to $MDECONNECT_VULNDB_CACHE,
#                                  else ~/.cache/mdeconnect/vulndb
#   VULNDB_VERSION=v0.0.0-...      a fixed vulndb version instead of the latest
#
# The vulndb module carries every report as an OSV file in data/osv; its own
# command indexdb ("creating a v1 vulnerability database from a folder
# containing OSV JSON files") writes the v1 layout govulncheck expects:
# index/db.json, index/modules.json, index/vulns.json and ID/<id>.json.
# (Its other command, gendb, needs the vulndb git history, which a module zip
# does not carry.) One database per vulndb version; an existing complete one is
# reused, so a second run costs one proxy look-up. If the proxy cannot be asked
# for the latest version, the newest database already built is used, with a
# warning on stderr.
set -euo pipefail

cache=${1:-${MDECONNECT_VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdeconnect/vulndb}}
want=${VULNDB_VERSION:-latest}
mkdir -p "$cache"

# Outside any module, so nothing here reads or touches a go.mod.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

newest_built() {
	local d
	d=$(ls -1d "$cache"/v*/ 2>/dev/null | sort | tail -1) || true
	[ -n "$d" ] && [ -f "$d/.complete" ] && echo "${d%/}"
}

field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$info"; }
if ! info=$(go mod download -json "golang.org/x/vulndb@$want" 2>&1); then
	why=$(field Error | head -c 300)
	if old=$(newest_built); then
		echo "vulndb.sh: could not fetch golang.org/x/vulndb@$want (${why:-$info}); using $old" >&2
		echo "$old"
		exit 0
	fi
	echo "vulndb.sh: could not fetch golang.org/x/vulndb@$want: ${why:-$info}" >&2
	exit 1
fi
version=$(field Version)
src=$(field Dir)
[ -n "$version" ] && [ -d "$src/data/osv" ] || { echo "vulndb.sh: no data/osv in golang.org/x/vulndb@$want ($src)" >&2; exit 1; }

out="$cache/$version"
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

# Build next to the target and rename, so a killed run never leaves a
# half-written database that a later run would take as complete.
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work" "$tmp"' EXIT
# indexdb is built by whatever Go the caller chose; +auto lets it move to a
# newer toolchain should a later vulndb ask for one.
tc=$(go env GOTOOLCHAIN)
GOTOOLCHAIN="${tc%%+*}+auto" go run "golang.org/x/vulndb/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$tmp/db" >&2

want_n=$(find "$src/data/osv" -name 'GO-*.json' | wc -l)
got_n=$(find "$tmp/db/ID" -name 'GO-*.json' | wc -l)
for f in index/db.json index/modules.json index/vulns.json; do
	[ -s "$tmp/db/$f" ] || { echo "vulndb.sh: indexdb wrote no $f" >&2; exit 1; }
done
[ "$want_n" -gt 0 ] && [ "$want_n" -eq "$got_n" ] ||
	{ echo "vulndb.sh: $got_n entries written for $want_n reports" >&2; exit 1; }
echo "golang.org/x/vulndb@$version: $got_n entries" >"$tmp/db/.complete"

rm -rf "$out"
mv "$tmp/db" "$out"
# Keep the newest two versions (about 40 MB each) and the one just built.
ls -1d "$cache"/v*/ 2>/dev/null | sort -r | tail -n +3 | while read -r d; do
	[ "${d%/}" = "$out" ] || rm -rf "$d"
done
echo "$out"
