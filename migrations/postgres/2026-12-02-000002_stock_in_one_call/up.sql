-- A change's stock operations in one round trip. Each is the same conditional update the store
-- made one statement at a time (never read-then-write), applied in the order given (the caller
-- sorts by product id, the lock order); the answer lists the 1-based positions of the
-- operations whose condition did not hold. Product rows stay locked from the first of these
-- updates to the commit, and every concurrent change for the same products waits on them: two
-- fewer round trips inside that window is what this function is for.
CREATE FUNCTION ordo_apply_stock(ids BIGINT[], kinds TEXT[], quantities BIGINT[])
RETURNS INTEGER[]
LANGUAGE plpgsql AS $$
DECLARE
    failed INTEGER[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
        CASE kinds[i]
        WHEN 'reserve' THEN
            UPDATE products SET reserved_quantity = reserved_quantity + quantities[i]
            WHERE id = ids[i] AND stock_quantity - reserved_quantity >= quantities[i];
        WHEN 'release' THEN
            UPDATE products SET reserved_quantity = reserved_quantity - quantities[i]
            WHERE id = ids[i] AND reserved_quantity >= quantities[i];
        WHEN 'consume' THEN
            UPDATE products SET stock_quantity = stock_quantity - quantities[i],
                reserved_quantity = reserved_quantity - quantities[i]
            WHERE id = ids[i] AND reserved_quantity >= quantities[i];
        END CASE;
        IF NOT FOUND THEN
            failed := failed || i;
        END IF;
    END LOOP;
    RETURN failed;
END
$$;
