#!/usr/bin/env bash
# How high the quote path's ratios can go on this machine: the release binary against itself
# with `benches/ceiling.patch` applied, whose two switches take work out of a quote for
# measuring only (the patch is never part of the service):
#   FAIRQUOTE_CEILING_CANNED   every quote after the first is answered with the first's encoded
#                              event at once, and appended to the log as a quote of its own: a
#                              quote whose pricing, wording, answer and hashing cost nothing;
#   FAIRQUOTE_CEILING_NO_SYNC  the log writes its batches but never syncs them: a log without
#                              its durability.
# Four comparisons, each PAIRS pairs of h2load rounds alternated (benches/h2load_ab.sh):
#   1. log off: the real quote, then a free one      the ceiling of log off / Health/Check
#   2. log on:  the real quote, then a free one      the ceiling of log on / Health/Check
#   3. log on:  the real quote, then without sync    what the sync itself costs a quote
#   4. log on:  a free quote, then without sync      the log's cost with neither
#
#     BODIES=DIR benches/ceiling.sh [PAIRS]      (default 5; BODIES as for h2load_ab.sh)
#
# The patched binary is built from HEAD in a worktree, into a target folder of its own
# (`$CARGO_TARGET_DIR-ceiling`), so that the real build is left as it was: the first run
# builds it whole (about 12 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
export BODIES=${BODIES:?BODIES names a folder with health.grpc and quote.grpc}
target=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

CARGO_TARGET_DIR=$target cargo build --release --bin fairquote
cp "$target/release/fairquote" "$work/real"
git worktree add --quiet --detach "$work/tree" HEAD
git -C "$work/tree" apply "$PWD/benches/ceiling.patch"
(cd "$work/tree" && CARGO_TARGET_DIR=$target-ceiling cargo build --release --bin fairquote)
cp "$target-ceiling/release/fairquote" "$work/patched"

# The switches are read from the environment the server starts in.
switched() {
  printf '#!/bin/sh\nexec env %s "%s" "$@"\n' "$2" "$work/patched" >"$work/$1"
  chmod +x "$work/$1"
}
switched free FAIRQUOTE_CEILING_CANNED=1
switched no-sync FAIRQUOTE_CEILING_NO_SYNC=1
switched free-no-sync "FAIRQUOTE_CEILING_CANNED=1 FAIRQUOTE_CEILING_NO_SYNC=1"

echo "--- 1. log off: the real quote, then a free one"
benches/h2load_ab.sh off "$pairs" "$work/real" "$work/free"
echo "--- 2. log on: the real quote, then a free one"
benches/h2load_ab.sh on "$pairs" "$work/real" "$work/free"
echo "--- 3. log on: the real quote, then without the log's sync"
benches/h2load_ab.sh on "$pairs" "$work/real" "$work/no-sync"
echo "--- 4. log on: a free quote, then without the log's sync"
benches/h2load_ab.sh on "$pairs" "$work/free" "$work/free-no-sync"
