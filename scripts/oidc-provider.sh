# Sourced by scripts/browser-test.sh (after scripts/demo-hub.sh, whose
# on_exit it uses): a real OpenID provider for the
# sign-in tests, the certified oidc-provider from npm (pinned in
# tests/oidc-provider/package-lock.json, installed with `npm ci`), with
# one registered client, the hub, and the test accounts of
# tests/oidc-provider/provider.mjs.
#
# start_oidc_provider HUB_PUBLIC_URL: starts it on a free port at
# http://localhost:PORT (another site than the hub's 127.0.0.1, as a
# council's provider is), registering HUB_PUBLIC_URL/auth/callback as the
# hub's redirect URL, waits until it listens, and sets oidc_issuer,
# oidc_client_id and oidc_client_secret_file. It stops, and its files go,
# when the calling script exits.
start_oidc_provider() {
  local public_url=$1
  command -v node > /dev/null || { echo "the sign-in tests need Node.js (20.19 or later) and npm"; exit 1; }
  (cd tests/oidc-provider && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null)
  oidc_dir=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  oidc_issuer="http://localhost:$port"
  oidc_client_id=edi-hub-test
  oidc_client_secret_file="$oidc_dir/client-secret"
  python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "$oidc_client_secret_file"
  : > "$oidc_dir/log"
  OIDC_PORT=$port OIDC_ISSUER=$oidc_issuer OIDC_CLIENT_ID=$oidc_client_id \
    OIDC_CLIENT_SECRET=$(cat "$oidc_client_secret_file") OIDC_REDIRECT_URI="$public_url/auth/callback" \
    node tests/oidc-provider/provider.mjs > "$oidc_dir/log" 2>&1 &
  oidc_pid=$!
  on_exit 'kill "$oidc_pid" 2>/dev/null || true; rm -rf "$oidc_dir"'
  for _ in $(seq 1 150); do
    grep -q "listening on" "$oidc_dir/log" && break
    kill -0 "$oidc_pid" 2>/dev/null || { cat "$oidc_dir/log"; exit 1; }
    sleep 0.2
  done
  grep -q "listening on" "$oidc_dir/log" || { echo "the OpenID provider did not start"; cat "$oidc_dir/log"; exit 1; }
}
