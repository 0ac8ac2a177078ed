#!/usr/bin/env bash
# Fuzzes one target for RUNS executions from its committed corpus (plus past findings), and
# prints libFuzzer's summary. Run from anywhere: fuzz/run.sh TARGET [RUNS]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP lets stable Rust build it.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
runs=${2:-1000000}
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fairquote-fuzz-target}
# No sanitizer (safe Rust; it halves the speed) but debug assertions: overflow panics.
flags=(-s none -a)
mkdir -p "work/$target"
seeds=("corpus/$target")
[ -d "regressions/$target" ] && seeds+=("regressions/$target")
cargo fuzz run "${flags[@]}" "$target" "work/$target" "${seeds[@]}" -- \
  -runs="$runs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
