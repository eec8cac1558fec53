-- Nothing to do on SQLite: a statement costs no round trip there, so the store applies a
-- change's stock operations one conditional update at a time. This folder keeps the two
-- backends' migration versions in step (see migrations/postgres/2026-12-02-000002_stock_in_one_call).
SELECT 1;
