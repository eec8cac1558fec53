#!/usr/bin/env bash
# The dependency rule, checked by the build rather than by hope (Lemmy does the same):
# ordo-domain does no I/O and knows no database, web framework, async runtime or network crate,
# and no adapter depends on another adapter.
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(diesel|diesel_migrations|r2d2|actix[a-z_-]*|tokio[a-z_-]*|async-std|futures[a-z_-]*|mio|hyper|reqwest|socket2|lettre|argon2|jsonwebtoken|ring|openssl|libsqlite3-sys|pq-sys|rand|getrandom)$'
found=$(cargo tree -p ordo-domain -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u | grep -E "$forbidden" || true)
if [ -n "$found" ]; then
    echo "ordo-domain must stay pure, but depends on: $found" >&2
    exit 1
fi

status=0
for adapter in store http notify; do
    others=$(cargo tree -p "ordo-$adapter" -e normal --depth 1 --prefix none --format '{p}' | awk '{print $1}' \
        | grep -E '^ordo-(store|http|notify)$' | grep -v "^ordo-$adapter$" || true)
    if [ -n "$others" ]; then
        echo "ordo-$adapter depends on $others: adapters depend on ordo-domain only; wire them in ordo-app" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "purity: ordo-domain is pure and no adapter depends on another"
exit "$status"
