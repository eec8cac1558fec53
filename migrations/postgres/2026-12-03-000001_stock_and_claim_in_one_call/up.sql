-- A change's stock operations and its claim on the audit chain in one call. The stock comes
-- first (`ordo_apply_stock`, product rows in ascending id), then, only if every operation held,
-- the claim: the chain head is locked last, as in every transaction. The claim is the one the
-- store made as a statement of its own: the counters moved on by the change's numbers of audit
-- entries and events, answered with the hash before them. An UPDATE that waited for the head's
-- lock is re-evaluated on the head's newest version, so the counters and hash it answers are
-- the previous holder's committed ones. STRICT: a missing head is an error, never a change
-- committed without its audit entries and events. The product rows stay locked from the first stock
-- update to the commit: one round trip fewer in that window is what this function is for.
CREATE FUNCTION ordo_stock_and_claim(
    ids BIGINT[], kinds TEXT[], quantities BIGINT[], n_audit BIGINT, n_events BIGINT,
    OUT failed INTEGER[], OUT claimed_audit BIGINT, OUT head_hash TEXT, OUT claimed_events BIGINT)
LANGUAGE plpgsql AS $$
BEGIN
    failed := ordo_apply_stock(ids, kinds, quantities);
    IF cardinality(failed) = 0 AND (n_audit > 0 OR n_events > 0) THEN
        UPDATE chain_head AS h
        SET audit_seq = h.audit_seq + n_audit, event_seq = h.event_seq + n_events
        WHERE h.id = 1
        RETURNING h.audit_seq, h.audit_hash, h.event_seq
        INTO STRICT claimed_audit, head_hash, claimed_events;
    END IF;
END
$$;
