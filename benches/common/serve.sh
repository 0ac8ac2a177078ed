# Sourced by the benches that start the release server (h2load.sh, h2load_ab.sh, export.sh,
# server_instructions.sh): waits until the server's log names the address it serves gRPC on, and
# prints it; prints the log and fails if it has not after SECONDS (default 30).
#
#     address=$(served_address LOG [SECONDS])
served_address() {
  local log=$1 seconds=${2:-30} address=""
  for _ in $(seq 1 $((seconds * 10))); do
    address=$(sed -n 's/.*serving gRPC on \([0-9.:]*\).*/\1/p' "$log" | head -n 1)
    if [ -n "$address" ]; then
      echo "$address"
      return 0
    fi
    sleep 0.1
  done
  cat "$log" >&2
  echo "the server did not report its address within $seconds s" >&2
  return 1
}
