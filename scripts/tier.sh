#!/usr/bin/env bash
# Runs one test tier, and only its tests: the tests in files a tier's build tags
# bring in beyond those of the tier below it. Tags add files, so
# `go test -tags corpus ./...` would also run the whole default tier again;
# this runs the default tier's tests once (make unit) and each tier's own once.
#
#   unit      no tags: hermetic, no corpus, emulator, judges, faults or load
#   corpus    -tags corpus: tests that read the corpus (CORPUS, default ../shared/corpus)
#   emulator  -tags corpus,emulator: tests against the BigQuery emulator process
#   fault     -tags corpus,emulator,fault: the services under injected faults
#   load      -tags corpus,load: the reduced load (BLENDPIPE_LOAD=full for make load)
#   judges    -tags corpus,judges: files judged by Blender, assimp, three.js, ... (make verify)
#
# usage: scripts/tier.sh TIER [-list] [go test flags...]
#   -list prints the tier's packages and tests instead of running them.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
tier=${1:?usage: scripts/tier.sh unit|corpus|emulator|fault|load|judges [-list] [go test flags]}
shift
list=false
if [ "${1:-}" = -list ]; then list=true; shift; fi

case "$tier" in
unit)     tags="";                     below="" ;;
corpus)   tags="corpus";               below="" ;;
emulator) tags="corpus,emulator";      below="corpus" ;;
fault)    tags="corpus,emulator,fault"; below="corpus,emulator" ;;
load)     tags="corpus,load";          below="corpus" ;;
judges)   tags="corpus,judges";        below="corpus" ;;
*) echo "unknown tier $tier" >&2; exit 2 ;;
esac

if [ "$tier" = unit ]; then
  if $list; then
    $GO list -f '{{.ImportPath}}{{range .TestGoFiles}} {{.}}{{end}}{{range .XTestGoFiles}} {{.}}{{end}}' ./...
    exit 0
  fi
  exec $GO test "$@" ./...
fi

# Test files (one per line, as dir/file) of every package under the tags given.
files() {
  $GO list -tags "$1" -f '{{$d := .Dir}}{{range .TestGoFiles}}{{$d}}/{{.}}
{{end}}{{range .XTestGoFiles}}{{$d}}/{{.}}
{{end}}' ./... | sed '/^$/d' | sort
}
mine=$(comm -23 <(files "$tags") <(files "$below"))
if [ -z "$mine" ]; then
  echo "tier $tier: no test files" >&2
  exit 1
fi

pkgs=$(for f in $mine; do dirname "$f"; done | sort -u | sed "s|^$PWD|.|")
names=$(grep -hoE '^func (Test|Fuzz|Example)[A-Za-z0-9_]*' $mine | sed 's/^func //' | sort -u)
if $list; then
  for f in $mine; do
    echo "${f#"$PWD"/}: $(grep -hoE '^func (Test|Fuzz|Example)[A-Za-z0-9_]*' "$f" | sed 's/^func //' | tr '\n' ' ')"
  done
  exit 0
fi
run="^($(echo $names | tr ' ' '|'))\$"
# shellcheck disable=SC2086
exec $GO test -tags "$tags" -run "$run" "$@" $pkgs
