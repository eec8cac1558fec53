DROP TRIGGER IF EXISTS events_notify ON events;
DROP FUNCTION IF EXISTS ordo_events_notify();
