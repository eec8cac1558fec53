-- Nothing to do on SQLite: a statement costs no round trip there, so the store claims the
-- audit chain with a statement of its own. This folder keeps the two backends' migration
-- versions in step (see migrations/postgres/2026-12-03-000001_stock_and_claim_in_one_call).
SELECT 1;
