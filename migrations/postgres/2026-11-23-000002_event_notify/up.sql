-- Wakes the WebSocket tail of every instance when events are committed (issue 6): each
-- `LISTEN ordo_events` connection is told after the inserting transaction commits, never for one
-- that rolls back. Statement-level and with an empty payload, so one commit sends one signal
-- (PostgreSQL folds identical notifications of a transaction into one); the tail then reads the
-- log after its cursor, which is the truth. A lost signal only delays: the tail also catches up
-- on a timer.
CREATE FUNCTION ordo_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ordo_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify
AFTER INSERT ON events
FOR EACH STATEMENT
EXECUTE FUNCTION ordo_events_notify();
