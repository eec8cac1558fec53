DROP INDEX ix_orders_status_created_scope;
CREATE INDEX ix_orders_status_created ON orders (status, created_at);
