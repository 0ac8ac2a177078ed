#!/usr/bin/env bash
# The portfolio paths at a national insurer's sizes: `fairquote portfolio generate`,
# `fairquote impact` (with its per-policy rows written) and `fairquote fairness report` on books
# of 1,000,000 and 10,000,000 policies, with the release binary, each timed and its peak memory
# (maximum resident set, from GNU time) reported. Each reads and writes a part at a time, so
# that peak memory should be flat in the book's size and time linear in it (the fairness
# report's tests on a sample of fixed size: constant past it). FAIRNESS=0 leaves the report out
# (about 80 s a million policies).
#
#     benches/portfolio.sh [SIZE...]      (default 1000000 10000000)
#
# It needs about 1.5 GB of disk a 10,000,000-policy book (the book and its rows, in Parquet).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-target}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
[ -x /usr/bin/time ] || {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
cargo build --release --bin fairquote
binary="$CARGO_TARGET_DIR/release/fairquote"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A candidate that moves some premiums up and some down: the escorts' class at clients'
# premises up, the venue class down.
cp -r models/liability "$work/candidate"
rm -f "$work/candidate/expected_premiums.csv"
sed -i -e 's/^L2,client_premises,3.60/L2,client_premises,3.90/' \
  -e 's/^L3,venue,4.40/L3,venue,4.00/' "$work/candidate/base_rates.csv"

# Runs a command under GNU time; prints its line of the table.
measure() {
  local step=$1 size=$2
  shift 2
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/err"
    exit 1
  }
  read -r seconds kib <"$work/time"
  awk -v step="$step" -v size="$size" -v s="$seconds" -v k="$kib" 'BEGIN {
    printf "%-9s %11d policies  %8.1f s  %7.2f us a policy  peak %7.1f MiB\n",
      step, size, s, s * 1e6 / size, k / 1024 }'
}

echo "on $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for size in "${sizes[@]}"; do
  book="$work/book-$size.parquet"
  measure generate "$size" "$binary" portfolio generate --size "$size" --seed 1 \
    --rating-date 2026-12-01 --out "$book"
  measure impact "$size" "$binary" impact --old models/liability --new "$work/candidate" \
    --portfolio "$book" --rows "$work/rows-$size.parquet" --json
  policies=$(sed -n 's/^  "policies": \([0-9]*\),/\1/p' "$work/out")
  echo "          (book $(du -m "$book" | cut -f1) MB, rows $(du -m "$work/rows-$size.parquet" | cut -f1) MB, $policies liability policies priced twice)"
  if [ "${FAIRNESS:-1}" != 0 ]; then
    measure fairness "$size" "$binary" fairness report --portfolio "$book" --models models \
      --rating-date 2026-12-01 --out "$work/fairness-$size.json"
    echo "          ($(grep -o 'tests, intervals and medians on a seeded uniform sample[^;"]*([^)]*)' "$work/fairness-$size.json" | head -n 1))"
  fi
  rm -f "$book" "$work/rows-$size.parquet"
done
