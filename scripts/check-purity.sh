#!/usr/bin/env bash
# The dependency rule, checked by the build rather than by hope (Lemmy's CI does the same with
# `cargo tree -i`):
#   1. ordo-domain does no I/O: no database, web framework, async runtime, network, crypto-backend
#      or randomness crate (it takes ids through its IdGenerator port), and no other ordo crate.
#   2. No adapter depends on another adapter; only ordo-app knows them all.
# Run by `make lint` and `make check-purity`. Exit 1 names every offending crate.
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(diesel[a-z_-]*|r2d2[a-z_-]*|actix[a-z_-]*|tokio[a-z_-]*|async-std|futures[a-z_-]*|mio|hyper[a-z_-]*|reqwest|socket2|lettre|argon2|jsonwebtoken|ring|openssl[a-z_-]*|libsqlite3-sys|pq-sys|rand[a-z_-]*|getrandom)$'

# Package names in a dependency tree, one per line. A failing `cargo tree` (bad manifest, unknown
# package) stops the script with exit 2 instead of letting the check pass on an empty tree.
tree_names() {
    local out
    out=$(cargo tree "$@" --prefix none --format '{p}') || {
        echo "check-purity: \`cargo tree $*\` failed" >&2
        exit 2
    }
    awk '{print $1}' <<<"$out" | sort -u
}

status=0

domain=$(tree_names -p ordo-domain -e normal)
found=$(grep -E "$forbidden" <<<"$domain" || true)
inward=$(grep -E '^ordo-' <<<"$domain" | grep -vx 'ordo-domain' || true)
if [ -n "$found" ]; then
    echo "check-purity: ordo-domain must stay pure, but depends on: $(paste -sd" " <<<"$found")" >&2
    echo "  (see: cargo tree -p ordo-domain -e normal -i <crate>)" >&2
    status=1
fi
if [ -n "$inward" ]; then
    echo "check-purity: ordo-domain depends on $(paste -sd" " <<<"$inward"): dependencies point inwards only" >&2
    status=1
fi

# Every crate under crates/ except the domain and the binary is an adapter.
adapters=()
for manifest in crates/*/Cargo.toml; do
    name=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | head -n1)
    case "$name" in
        ordo-domain | ordo-app | "") ;;
        *) adapters+=("$name") ;;
    esac
done

for adapter in "${adapters[@]}"; do
    direct=$(tree_names -p "$adapter" -e normal --depth 1)
    others=$(grep -E '^ordo-' <<<"$direct" | grep -vx -e "$adapter" -e 'ordo-domain' || true)
    if [ -n "$others" ]; then
        echo "check-purity: $adapter depends on $(paste -sd" " <<<"$others"): adapters depend on ordo-domain" \
            "only; wire them together in ordo-app" >&2
        status=1
    fi
done

if [ "$status" -eq 0 ]; then
    echo "check-purity: ordo-domain is pure; no adapter (${adapters[*]}) depends on another"
fi
exit "$status"
