#!/usr/bin/env bash
# The quote path measured from outside: h2load (Debian's nghttp2-client), an HTTP/2 load
# generator that knows nothing of fairquote, against the release binary, sending real
# gRPC-framed requests. In one run and on one server it alternates rounds of
# `grpc.health.v1.Health/Check` (the bare RPC) and `fairquote.v1.QuoteService/Quote`, with the
# durable log on (the default), on without its Merkle tree and checkpoints
# (`audit.transparency=false`), and off (`audit.enabled=false`), and prints the ratios that
# `cargo bench --bench load` prints from its own generator.
#
# Then, on a fresh server with the log on, `QuoteService/QuoteStream`: one stream at a time and
# 16 at once over one connection, each stream 100 quotes, in quotes a second against unary
# `Quote` from one caller one at a time and from the full load.
#
#     benches/h2load.sh [SECONDS [CONNECTIONS [STREAMS]]]      (default 10 4 16)
#
# With BODIES naming a folder that already holds `health.grpc` and `quote.grpc`, the in-process
# generator (`cargo bench --bench load`, which writes them) is not run.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common/serve.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
seconds=${1:-10}
connections=${2:-4}
streams=${3:-16}
if ! command -v h2load >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null
fi
cargo build --release --bin fairquote
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -n "${BODIES:-}" ]; then
  cp "$BODIES/health.grpc" "$BODIES/quote.grpc" "$work/"
else
  FAIRQUOTE_BENCH_BODIES="$work" cargo bench --bench load
fi
# A QuoteStream body: 100 QuoteStreamRequest messages (request_id = 1, request = 2), each the
# Quote body's request, each framed as gRPC frames a message.
python3 - "$work/quote.grpc" "$work/stream.grpc" 100 <<'PY'
import struct, sys
source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
framed = open(source, "rb").read()
request = framed[5:5 + struct.unpack(">I", framed[1:5])[0]]
def varint(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)
body = bytearray()
for i in range(count):
    rid = b"r%d" % i
    message = b"\x0a" + varint(len(rid)) + rid + b"\x12" + varint(len(request)) + request
    body += b"\x00" + struct.pack(">I", len(message)) + message
open(target, "wb").write(bytes(body))
PY

# Starts a server on a fresh data folder with the given log settings; sets $server, $address.
start() {
  local name=$1 enabled=$2 transparency=$3 data="$work/data-$1" log="$work/log-$1"
  mkdir -p "$data"
  FAIRQUOTE__AUDIT__ENABLED=$enabled FAIRQUOTE__AUDIT__TRANSPARENCY=$transparency RUST_LOG=info \
    FAIRQUOTE__SERVER__LISTEN_ADDRESS=127.0.0.1:0 FAIRQUOTE__DATA__DIR="$data" \
    "$CARGO_TARGET_DIR/release/fairquote" serve 2>"$log" &
  server=$!
  address=$(served_address "$log")
}

# Requests a second of one round, as h2load counts them (CONNECTIONS x STREAMS unless told).
round() {
  local path=$1 body=$2 c=${3:-$connections} m=${4:-$streams}
  h2load --duration="$seconds" --warm-up-time=1 -c "$c" -m "$m" -t 1 \
    -d "$body" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://$address$path" |
    sed -n 's/.*finished in [0-9.]*[a-z]*, \([0-9.]*\) req\/s.*/\1/p'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + b) / 2 }'; }

declare -A quotes normalised
for mode in on bare off; do
  case $mode in
    on) start on true true ;;          # the default: durable log, Merkle tree, checkpoints
    bare) start bare true false ;;     # durable log without the tree and the checkpoints
    off) start off false true ;;       # no log (benchmarks only)
  esac
  health=$(round /grpc.health.v1.Health/Check "$work/health.grpc")
  quote=$(round /fairquote.v1.QuoteService/Quote "$work/quote.grpc")
  health_again=$(round /grpc.health.v1.Health/Check "$work/health.grpc")
  quote_again=$(round /fairquote.v1.QuoteService/Quote "$work/quote.grpc")
  kill "$server"
  wait "$server" 2>/dev/null || true
  h=$(mean "$health" "$health_again")
  quotes[$mode]=$(mean "$quote" "$quote_again")
  normalised[$mode]=$(ratio "${quotes[$mode]}" "$h")
  echo "log $mode: Health/Check $health, $health_again req/s; Quote $quote, $quote_again req/s; Quote / Health/Check $(ratio "${quotes[$mode]}" "$h")"
done
# h2load counts HTTP/2 answers; that they were quotes, not gRPC errors, the log says.
"$CARGO_TARGET_DIR/release/fairquote" audit --data "$work/data-on" verify | sed -n 1,3p
# The machine drifts between servers: each server's quotes are read against its own health
# checks, and the servers compared on that.
echo "log on / log off: $(ratio "${normalised[on]}" "${normalised[off]}"); with / without tree and checkpoints: $(ratio "${normalised[on]}" "${normalised[bare]}"), each against its own server's Health/Check (raw: $(ratio "${quotes[on]}" "${quotes[off]}") and $(ratio "${quotes[on]}" "${quotes[bare]}")); $connections connections x $streams streams, ${seconds} s rounds, h2load, release binary"

# QuoteStream against unary Quote, on a fresh server with the log on: quotes a second.
start stream true true
times() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a * b }'; }
unary=$(round /fairquote.v1.QuoteService/Quote "$work/quote.grpc")
unary_one=$(round /fairquote.v1.QuoteService/Quote "$work/quote.grpc" 1 1)
one=$(times "$(round /fairquote.v1.QuoteService/QuoteStream "$work/stream.grpc" 1 1)" 100)
sixteen=$(times "$(round /fairquote.v1.QuoteService/QuoteStream "$work/stream.grpc" 1 16)" 100)
unary_again=$(round /fairquote.v1.QuoteService/Quote "$work/quote.grpc")
kill "$server"
wait "$server" 2>/dev/null || true
"$CARGO_TARGET_DIR/release/fairquote" audit --data "$work/data-stream" verify | sed -n 1p
u=$(mean "$unary" "$unary_again")
echo "QuoteStream, log on: one stream $one quotes/s ($(ratio "$one" "$unary_one") x unary Quote from one caller, $unary_one/s; $(ratio "$one" "$u") x unary at $connections x $streams, $u/s); 16 streams on one connection $sixteen quotes/s ($(ratio "$sixteen" "$u") x unary at $connections x $streams)"
