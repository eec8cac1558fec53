-- Nothing to do on SQLite: the instance that writes the database wakes its own WebSocket tail
-- after each commit (there is no LISTEN/NOTIFY). This folder keeps the two backends' migration
-- versions in step (see migrations/postgres/2026-11-23-000002_event_notify).
SELECT 1;
