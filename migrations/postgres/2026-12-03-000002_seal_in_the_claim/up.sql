-- A change's stock operations, its claim on the audit chain and the sealing of its audit
-- entries in one call. The store sends a change as one statement (`rows_stock_and_chain` in
-- crates/store/src/backend/pg/change.rs); product rows and the chain head are locked from the first
-- stock update to the commit, and every concurrent writer waits on them. Until now the entries
-- were sealed by the application between two statements, a round trip inside that window paid
-- by every waiting writer; here they are sealed where the previous hash is.
--
-- `links` holds each entry's `ordo_domain::audit::link_input` (a newline and the entry's
-- canonical bytes); an entry's hash is SHA-256(prev_hash ‖ link), lower-case hex: the formula of
-- `ordo_domain::audit::seal`, which `ordo audit verify` checks for every entry.
--
-- The answers are the counters before the change (its entries and events are numbered on from
-- them), each entry's previous hash and its hash. The product rows are locked in the order given
-- (ascending id), the head last, as in every transaction. On a shortage nothing is claimed: it
-- raises `ordo_short_stock` with DETAIL `position:available,…` (1-based positions), so that
-- nothing of the statement is kept even when it runs without BEGIN.
--
-- `ordo_stock_and_claim` stays for instances of the previous version during a rolling upgrade:
-- both hold the head until their commit (that one by its UPDATE, this one by SELECT … FOR
-- UPDATE, which conflict) and seal by the same formula.
--
-- `rows_first` is the number of rows the statement's other inserts (orders, notifications,
-- lines) wrote; the function does not use it. Passing it makes PostgreSQL run those inserts
-- before the call, since a call's arguments are computed before it: the product rows and the
-- head are then locked only for the rest of the statement (the audit entries, the events, the
-- foreign key checks at its end) and the commit.
--
-- `updates_made` is how many of the change's `updates_expected` conditional row updates (an
-- order's, on the version it was computed from) took place, in the same statement before the
-- call; fewer raises `ordo_stale_version` before any stock is touched: another change of the
-- same order won the race.
--
-- `keys_made` is how many of the change's `keys_expected` idempotency keys (0 or 1) the statement
-- wrote before the call — new, or taking over one past its expiry; fewer raises
-- `ordo_key_taken`: a live key, whose order the use case then replays.
CREATE FUNCTION ordo_stock_claim_and_seal(
    ids BIGINT[], kinds TEXT[], quantities BIGINT[], links BYTEA[], n_events BIGINT,
    rows_first BIGINT, updates_expected BIGINT, updates_made BIGINT,
    keys_expected BIGINT, keys_made BIGINT,
    OUT audit_before BIGINT, OUT prev_hashes TEXT[], OUT hashes TEXT[], OUT events_before BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
    failed INTEGER[];
    h TEXT;
    link BYTEA;
BEGIN
    -- The COMMIT does not wait for the WAL flush (the store's settle does, once no lock is
    -- held); set here too, for the transaction only, so that a change sent without BEGIN has it.
    PERFORM set_config('synchronous_commit', 'off', true);
    IF updates_made < updates_expected THEN
        RAISE EXCEPTION 'ordo_stale_version';
    END IF;
    IF keys_made < keys_expected THEN
        RAISE EXCEPTION 'ordo_key_taken';
    END IF;
    failed := ordo_apply_stock(ids, kinds, quantities);
    IF cardinality(failed) > 0 THEN
        RAISE EXCEPTION 'ordo_short_stock' USING DETAIL = (
            SELECT string_agg(f || ':' || coalesce(
                (SELECT p.stock_quantity - p.reserved_quantity FROM products AS p WHERE p.id = ids[f]),
                0), ',')
            FROM unnest(failed) AS f);
    END IF;
    IF cardinality(links) = 0 AND n_events = 0 THEN
        RETURN;
    END IF;
    -- Waits for the previous holder's commit, then reads its version of the head.
    SELECT c.audit_seq, c.audit_hash, c.event_seq INTO STRICT audit_before, h, events_before
    FROM chain_head AS c WHERE c.id = 1 FOR UPDATE;
    prev_hashes := '{}';
    hashes := '{}';
    FOREACH link IN ARRAY links LOOP
        prev_hashes := prev_hashes || h;
        h := encode(sha256(convert_to(h, 'UTF8') || link), 'hex');
        hashes := hashes || h;
    END LOOP;
    UPDATE chain_head AS c
    SET audit_seq = c.audit_seq + cardinality(links), audit_hash = h,
        event_seq = c.event_seq + n_events
    WHERE c.id = 1;
END
$$;
