#!/usr/bin/env bash
# Prints the CHANGELOG.md section of one release, for the release page:
#
#   scripts/release-notes.sh v1.2.0 > notes.md
#
# Fails when CHANGELOG.md has no "## [1.2.0]" section, so a tag cannot be
# released before its changes are written down.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:?usage: scripts/release-notes.sh TAG}
version=${tag#v}

notes=$(awk -v v="$version" '
	/^## \[/ { if (on) exit; on = index($0, "## [" v "]") == 1; next }
	/^\[[^]]+\]: / { if (on) exit }
	on
' CHANGELOG.md)
if [ -z "$(tr -d '[:space:]' <<<"$notes")" ]; then
	echo "release-notes: CHANGELOG.md has no section \"## [$version]\" (move the Unreleased lines under it)" >&2
	exit 1
fi
printf '%s\n' "$notes"
