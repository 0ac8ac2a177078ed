#!/usr/bin/env bash
# Instructions the quote path costs, counted by valgrind's callgrind over the steps of
# `cargo bench --bench allocations` (decode, convert, price with and without the worksheet,
# write the answer and encode the quote once, frame its log record, copy the answer to the wire;
# before 'encode once', the response and the log record were each encoded; before 'straight from
# the quote', the response was written as prost's messages, then encoded, and the encoding's
# input was a copy of them, which the pass counted; since, writing the answer is inlined into
# the bench's step, so only the whole pass counts it). A count, not a time: this
# shared machine's noise does not touch it, so a change of a few percent to the quote path
# shows here where h2load's rounds (benches/h2load_ab.sh) cannot see it. Each binary runs the
# steps 1,000 and 2,000 times; the difference, over 1,000, is what one more pass costs. Runs of one
# binary differ by a few hundred instructions (hash maps' random keys).
#
#     benches/instructions.sh [BINARY...]      (allocations bench binaries; default: this tree's)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
command -v valgrind >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
}
binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
  binaries=("$(cargo bench --bench allocations --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "allocations" and m.get("executable"):
        print(m["executable"])')")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Functions whose instructions (with what they call) are shown on their own, as callgrind
# attributes them: inlining can move instructions between them from one build to the next; the
# total is exact.
functions=(
  "fairquote::rating::quote_on|price (with and without the worksheet)"
  "fairquote::rating::wording::Words::lookup|  of which the worksheet's wording"
  "fairquote::contract::quote::quote_response|write the response (before 'straight from the quote')"
  "fairquote::audit::encoded::EncodedQuote::new|encode the quote once (before 'straight from the quote')"
  "fairquote::audit::encoded::EncodedQuote::encode_record|frame its log record"
  "prost::message::Message::encode_to_vec|encode_to_vec (binaries before 'encode once')"
)
for binary in "${binaries[@]}"; do
  for calls in 1000 2000; do
    valgrind --tool=callgrind --callgrind-out-file="$work/$calls.out" "$binary" "$calls" \
      >/dev/null 2>"$work/$calls.err"
    callgrind_annotate --inclusive=yes --threshold=100 "$work/$calls.out" >"$work/$calls.txt" 2>/dev/null
  done
  echo "$binary: instructions a pass of the quote path's steps"
  total() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/$1.err"; }
  printf '  %-44s %9d\n' "all steps" $((($(total 2000) - $(total 1000)) / 1000))
  for entry in "${functions[@]}"; do
    name=${entry%%|*} label=${entry#*|}
    inclusive() {
      grep -F "$name [" "$work/$1.txt" | head -n 1 | awk '{gsub(",", "", $1); v = $1} END {print v + 0}'
    }
    printf '  %-44s %9d\n' "$label" $((($(inclusive 2000) - $(inclusive 1000)) / 1000))
  done
done
