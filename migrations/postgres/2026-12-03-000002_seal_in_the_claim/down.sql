DROP FUNCTION IF EXISTS ordo_stock_claim_and_seal(BIGINT[], TEXT[], BIGINT[], BYTEA[], BIGINT);
