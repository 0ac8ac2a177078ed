#!/usr/bin/env bash
# The log's export at size: a data folder filled with QUOTES durable quotes (h2load against the
# release binary, as benches/h2load.sh drives it), then `fairquote audit export` of the whole
# folder and `fairquote fairness report` on its quotes, with no service running, each timed and
# its peak memory (maximum resident set, GNU time) reported. Both read a page of the log at a
# time, so their memory should not grow with the log.
#
#     benches/export.sh [QUOTES...]      (default 100000 400000)
#
# The framed request body comes from `cargo bench --bench load` (as in h2load.sh), or from the
# folder BODIES names, when set, holding `quote.grpc`.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/common/serve.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100000 400000)
if ! command -v h2load >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client time >/dev/null
fi
cargo build --release --bin fairquote
binary="$CARGO_TARGET_DIR/release/fairquote"
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$work"' EXIT
bodies=${BODIES:-}
if [ -z "$bodies" ]; then
  bodies="$work/bodies"
  mkdir -p "$bodies"
  FAIRQUOTE_BENCH_BODIES="$bodies" cargo bench --bench load >/dev/null
fi

echo "on $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for count in "${counts[@]}"; do
  data="$work/data-$count"
  mkdir -p "$data"
  FAIRQUOTE__SERVER__LISTEN_ADDRESS=127.0.0.1:0 FAIRQUOTE__DATA__DIR="$data" RUST_LOG=info \
    "$binary" serve 2>"$work/log" &
  server=$!
  address=$(served_address "$work/log")
  h2load -n "$count" -c 4 -m 16 -t 1 -d "$bodies/quote.grpc" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://$address/fairquote.v1.QuoteService/Quote" >"$work/h2load"
  grep -q " 0 failed, 0 errored" "$work/h2load" || { cat "$work/h2load"; exit 1; }
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
  out="$work/quotes-$count.parquet"
  FAIRQUOTE__DATA__DIR="$data" /usr/bin/time -f '%e %M' -o "$work/time" \
    "$binary" audit export --out "$out" >"$work/out"
  read -r seconds kib <"$work/time"
  awk -v n="$count" -v s="$seconds" -v k="$kib" -v folder="$(du -m "$data" | tail -1 | cut -f1)" \
    -v file="$(du -m "$out" | cut -f1)" -v said="$(cat "$work/out")" 'BEGIN {
    printf "export %9d quotes  %7.1f s  %6.1f us a quote  peak %7.1f MiB  (log %d MB, file %d MB: %s)\n",
      n, s, s * 1e6 / n, k / 1024, folder, file, said }'
  FAIRQUOTE__DATA__DIR="$data" /usr/bin/time -f '%e %M' -o "$work/time" \
    "$binary" fairness report --rating-date 2026-12-01 --out "$work/fairness.json" \
    >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
  read -r seconds kib <"$work/time"
  awk -v n="$count" -v s="$seconds" -v k="$kib" \
    -v policies="$(sed -n 's/^ *"policies": \([0-9]*\),*$/\1/p' "$work/fairness.json" | head -n 1)" 'BEGIN {
    printf "fairness %7d quotes  %7.1f s  %6.1f us a quote  peak %7.1f MiB  (%s policies in the report)\n",
      n, s, s * 1e6 / n, k / 1024, policies }'
  rm -rf "$data" "$out" "$work/fairness.json"
done
