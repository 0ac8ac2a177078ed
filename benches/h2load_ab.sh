#!/usr/bin/env bash
# Two builds of the release binary against each other on the quote path, from outside: for each
# pair, each binary gets a fresh server (log on or off) and h2load sends it NUMBER health checks
# then NUMBER quotes (4 connections x 16 streams), while `perf stat` counts the server's CPU.
# The binaries alternate, so that both see the same drift of this shared machine; it prints each
# round, then each binary's median ratio of Quote to Health/Check and median CPU per quote.
#
#     benches/h2load_ab.sh MODE PAIRS BINARY_A BINARY_B      (MODE: on or off)
#     NUMBER=200000 BODIES=DIR (health.grpc and quote.grpc, as benches/h2load.sh makes them)
#
# Every change to the quote path in docs/PERFORMANCE.md was kept on these medians.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common/serve.sh
mode=$1 pairs=$2
binaries=("$3" "$4")
number=${NUMBER:-200000}
bodies=${BODIES:?BODIES names a folder with health.grpc and quote.grpc}
command -v h2load >/dev/null && command -v perf >/dev/null || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client linux-perf >/dev/null
}
enabled=true
[ "$mode" = off ] && enabled=false
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT

# One round: req/s and the server's CPU microseconds a call.
round() {
  local path=$1 body=$2
  perf stat -e task-clock -x, -o "$work/stat" -p "$server" &
  local counting=$!
  sleep 0.2
  local rate
  rate=$(h2load -n "$number" -c 4 -m 16 -t 1 -d "$body" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://$address$path" |
    sed -n 's/.*finished in [0-9.]*[a-z]*, \([0-9.]*\) req\/s.*/\1/p')
  kill -INT "$counting"
  wait "$counting" || true
  awk -F, -v r="$rate" -v n="$number" '/task-clock/ { printf "%s %.2f", r, $1 * 1000 / n }' "$work/stat"
}

for pair in $(seq 1 "$pairs"); do
  for which in 0 1; do
    binary=${binaries[$which]}
    rm -rf "$work/data"
    mkdir -p "$work/data"
    FAIRQUOTE__AUDIT__ENABLED=$enabled FAIRQUOTE__SERVER__LISTEN_ADDRESS=127.0.0.1:0 RUST_LOG=info \
      FAIRQUOTE__DATA__DIR="$work/data" "$binary" serve 2>"$work/log" >/dev/null &
    server=$!
    address=$(served_address "$work/log")
    read -r health health_cpu <<<"$(round /grpc.health.v1.Health/Check "$bodies/health.grpc")"
    read -r quote quote_cpu <<<"$(round /fairquote.v1.QuoteService/Quote "$bodies/quote.grpc")"
    kill "$server"
    wait "$server" 2>/dev/null || true
    echo "$which $health $quote $health_cpu $quote_cpu" >>"$work/rounds"
    awk -v b="$binary" -v h="$health" -v q="$quote" -v hc="$health_cpu" -v qc="$quote_cpu" \
      'BEGIN { printf "%-40s Health/Check %8.0f/s %6.2f us  Quote %8.0f/s %6.2f us  ratio %.3f\n", b, h, hc, q, qc, q / h }'
  done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for which in 0 1; do
  ratio=$(awk -v w="$which" '$1 == w { print $3 / $2 }' "$work/rounds" | median)
  cpu=$(awk -v w="$which" '$1 == w { print $5 }' "$work/rounds" | median)
  echo "${binaries[$which]}: log $mode, median Quote / Health/Check $ratio, median server CPU a quote $cpu us ($pairs rounds)"
done
