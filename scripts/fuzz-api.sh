#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis (property-based): every
# operation of GET /api/v1/openapi.json is called with generated valid and invalid requests, as
# the demo admin, against `ordo serve --demo` on a free loopback port with a fresh SQLite file.
#
# Fails (exit 1) on any 5xx, any answer whose status, media type, headers or body the document
# does not describe — so every 4xx must be in the error shape with a code the operation lists —
# or a server that stops answering. Run by `make fuzz-api` and by .ci/run.
#
# Environment:
#   ORDO_FUZZ_VENV      the virtual environment (default /work/.fuzz-venv, else ~/.cache/ordo-fuzz-venv)
#   ORDO_FUZZ_EXAMPLES  test cases per operation and phase (default 25)
#   ORDO_FUZZ_SEED      hypothesis seed (default 20261123, so runs repeat; `random` for a new one)
#   ORDO_FUZZ_TIMEOUT   hard limit of the schemathesis run in seconds (default 600)
#   CARGO_TARGET_DIR    as for cargo
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
if [ -n "${ORDO_FUZZ_VENV:-}" ]; then
    venv=$ORDO_FUZZ_VENV
elif [ -d /work ] && [ -w /work ]; then
    venv=/work/.fuzz-venv
else
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/ordo-fuzz-venv"
fi
examples=${ORDO_FUZZ_EXAMPLES:-25}
seed=${ORDO_FUZZ_SEED:-20261123}
limit=${ORDO_FUZZ_TIMEOUT:-600}

say() { printf 'fuzz-api: %s\n' "$*"; }

# --- schemathesis, pinned, in its own virtual environment outside the repository ---
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    if ! python3 -m venv "$venv"; then
        say "python3 -m venv failed: install python3-venv (Debian) and try again" >&2
        exit 2
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$venv/bin/schemathesis" --version

# --- the server ---
cargo build --quiet -p ordo-app --bin ordo
target_dir=$(cargo metadata --format-version 1 --no-deps |
    "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
ordo="$target_dir/debug/ordo"

work=$(mktemp -d "${TMPDIR:-/tmp}/ordo-fuzz.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

secret=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')
# Rate limits far above what the fuzzer sends, so it reaches the handlers (429 stays documented).
ORDO_DATABASE_URL="sqlite://$work/ordo.db" \
    ORDO_JWT_SECRET="$secret" \
    ORDO_BIND=127.0.0.1:0 \
    ORDO_LOG=warn \
    ORDO_RATE_LIMITS=create=1000000,update=1000000,query=1000000,ws=1000000 \
    "$ordo" serve --demo >"$work/stdout" 2>"$work/server.log" &
server_pid=$!

base=
for _ in $(seq 600); do
    base=$(sed -n 's/^ordo listening on //p' "$work/stdout" | head -n1)
    [ -n "$base" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        say "ordo serve exited before listening:" >&2
        cat "$work/stdout" "$work/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base" ]; then
    say "ordo serve did not start listening in 60 s" >&2
    exit 1
fi
say "server at $base"

# A fresh bearer token for one of the demo log-ins.
login() {
    "$venv/bin/python" - "$base" "$1" "$2" <<'EOF'
import json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + "/api/v1/auth/login",
    data=json.dumps({"email": sys.argv[2], "password": sys.argv[3]}).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(req, timeout=30) as res:
    print(json.load(res)["data"]["access_token"])
EOF
}

# Every check but `positive_data_acceptance`: a schema cannot say that an id must exist or that
# stock must suffice, so valid-looking requests are rightly refused with a 4xx. The stateful
# phase is not run: it adds time more than coverage here.
seed_args=()
if [ "$seed" != random ]; then
    seed_args=(--seed "$seed")
fi
status=0
summary=()
fuzz() {
    local label=$1 token=$2
    shift 2
    local rc=0
    # From the temporary directory: schemathesis keeps a `.schemathesis/` cache where it runs.
    (cd "$work" && timeout --signal=INT --kill-after=30 "$limit" \
        "$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
        --header "Authorization: Bearer $token" \
        --checks all --exclude-checks positive_data_acceptance \
        --phases examples,coverage,fuzzing \
        --max-examples "$examples" \
        "${seed_args[@]}" \
        --workers 2 \
        --request-timeout 20 \
        --suppress-health-check all \
        --report junit --report-junit-path "$work/$label.xml" \
        --no-color "$@" >"$work/$label.log" 2>&1) || rc=$?
    local line
    line=$(grep -E '^ *[0-9]+ generated' "$work/$label.log" | tail -n1 | sed 's/^ *//' || true)
    summary+=("$label: ${line:-no summary}")
    if [ "$rc" -ne 0 ]; then
        cat "$work/$label.log"
        say "$label: schemathesis exited $rc" >&2
        status=1
    fi
}

# 1. Everything but what takes the fuzzer's own access away: changing a user (it may deactivate
#    the admin it runs as, whose id it learns from answers) and logging out (revoking its token).
fuzz main "$(login admin@ordo.demo demo-admin-pass)" \
    --exclude-operation-id patchApiV1UsersById --exclude-operation-id postApiV1AuthLogout
# 2. Those two last, each with a token of its own.
fuzz users "$(login admin@ordo.demo demo-admin-pass)" --include-operation-id patchApiV1UsersById
fuzz logout "$(login staff.north@ordo.demo demo-staff-pass)" --include-operation-id postApiV1AuthLogout

if ! kill -0 "$server_pid" 2>/dev/null; then
    say "the server died during the run" >&2
    status=1
fi
if grep -q "panicked" "$work/server.log"; then
    say "the server logged a panic:" >&2
    grep -m5 -A3 "panicked" "$work/server.log" >&2
    status=1
fi
for line in "${summary[@]}"; do
    say "$line"
done
if [ "$status" -ne 0 ]; then
    say "FAILED" >&2
    exit 1
fi
say "ok: no server error, every answer as the document says (seed $seed, $examples examples per operation and phase)"
