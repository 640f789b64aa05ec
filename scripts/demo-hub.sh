# Sourced by the scripts that test against a live hub serving the demo data
# set (API fuzzing, the client examples, the browser tests).
#
# start_demo_hub [serve options...]: starts target/debug/edi-hub demo on a
# free port (or on $hub_port when set) with a fresh data directory, waits until it listens, and sets
# hub_url, hub_steward, hub_analyst and hub_submitter (the demo submitter is
# Harrow's, E09000015). The hub stops, and its data goes, when the calling
# script exits.
# on_exit COMMAND: runs COMMAND when the calling script exits, after those
# registered before it.
on_exit() {
  exit_commands="${exit_commands:-}$1;"
  trap 'eval "$exit_commands"' EXIT
}

start_demo_hub() {
  hub_data=$(mktemp -d)
  hub_log=$(mktemp)
  local port=${hub_port:-}
  [ -n "$port" ] || port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  target/debug/edi-hub demo --listen "127.0.0.1:$port" --data-dir "$hub_data" "$@" > "$hub_log" 2>&1 &
  hub_pid=$!
  on_exit 'kill "$hub_pid" 2>/dev/null || true; rm -rf "$hub_data" "$hub_log"'
  for _ in $(seq 1 1500); do
    grep -q "listening on" "$hub_log" && break
    kill -0 "$hub_pid" 2>/dev/null || { cat "$hub_log"; exit 1; }
    sleep 0.2
  done
  grep -q "listening on" "$hub_log" || { echo "the demo hub did not start"; cat "$hub_log"; exit 1; }
  hub_url="http://127.0.0.1:$port"
  hub_steward=$(awk '/demo steward/ {print $3}' "$hub_log")
  hub_analyst=$(awk '/demo analyst/ {print $3}' "$hub_log")
  hub_submitter=$(awk '/demo submitter/ {print $4}' "$hub_log")
}
