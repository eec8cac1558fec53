-- Nothing to do on SQLite: a statement costs no round trip there, so the store seals audit
-- entries in the application under the write lock. This folder keeps the two backends'
-- migration versions in step (see migrations/postgres/2026-12-03-000002_seal_in_the_claim).
SELECT 1;
