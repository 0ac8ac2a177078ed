#!/usr/bin/env bash
# The release server's own instructions (user space, all its threads) for a `Health/Check` and
# for a `Quote`, counted by valgrind's callgrind while h2load calls it: the issue's ratio as a
# count, which this shared machine's noise does not touch (h2load's timed rounds on one binary
# differ by a third). The server starts with callgrind's instrumentation off (loading the tables
# under valgrind would take minutes), which is switched on once it serves; each kind of call is
# then sent 500 and 1,500 times, and the difference of the two counts over 1,000 is what one
# more call costs (connections and warm-up cancel out). The kernel's share (TCP, the disk) is
# not counted, and valgrind hides SHA-NI, so SHA-256 counts as its software version.
#
#     benches/server_instructions.sh [BINARY...]   (default: this tree's release binary)
#     MODE=on (the log on; default off) BODIES=DIR (health.grpc and quote.grpc, which
#     `FAIRQUOTE_BENCH_BODIES=DIR cargo bench --bench load` writes)
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common/serve.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
bodies=${BODIES:?BODIES names a folder with health.grpc and quote.grpc}
enabled=false
[ "${MODE:-off}" = on ] && enabled=true
command -v valgrind >/dev/null && command -v h2load >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind nghttp2-client >/dev/null
}
binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
  cargo build --release --bin fairquote >/dev/null 2>&1
  binaries=("$CARGO_TARGET_DIR/release/fairquote")
fi
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT

for binary in "${binaries[@]}"; do
  rm -rf "$work"/*
  FAIRQUOTE__AUDIT__ENABLED=$enabled FAIRQUOTE__SERVER__LISTEN_ADDRESS=127.0.0.1:0 RUST_LOG=info \
    FAIRQUOTE__DATA__DIR="$work/data" valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$work/calls" "$binary" serve 2>"$work/log" >/dev/null &
  server=$!
  # Under valgrind, loading the tables takes minutes.
  address=$(served_address "$work/log" 600)
  callgrind_control --instr=on "$server" >/dev/null 2>&1
  # Sends NUMBER calls, then has callgrind write what it counted since the last dump.
  calls() {
    h2load -n "$1" -c 4 -m 16 -t 1 -d "$bodies/$2" -H 'content-type: application/grpc' \
      -H 'te: trailers' "http://$address$3" | grep -q "$1 succeeded" ||
      { echo "h2load: not every call succeeded" >&2; exit 1; }
    callgrind_control --dump "$server" >/dev/null 2>&1
  }
  calls 500 health.grpc /grpc.health.v1.Health/Check
  calls 1500 health.grpc /grpc.health.v1.Health/Check
  calls 500 quote.grpc /fairquote.v1.QuoteService/Quote
  calls 1500 quote.grpc /fairquote.v1.QuoteService/Quote
  kill "$server"
  wait "$server" 2>/dev/null || true
  counted() { sed -n 's/^summary: \([0-9]*\).*/\1/p' "$work/calls.$1"; }
  health=$((($(counted 2) - $(counted 1)) / 1000))
  quote=$((($(counted 4) - $(counted 3)) / 1000))
  awk -v b="$binary" -v h="$health" -v q="$quote" -v m="${MODE:-off}" 'BEGIN {
    printf "%s (log %s): instructions a Health/Check %d, a Quote %d; Health/Check / Quote %.3f\n", b, m, h, q, h / q }'
done
