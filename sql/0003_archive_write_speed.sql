-- 0003_archive_write_speed: the stream engine archives tens of thousands of transactions a
-- second, and every index on the archive is maintained row by row inside each checkpoint
-- (measured: the product, user and session indexes cost ~860 ms of the ~1.2 s of index
-- work per 60,000 transactions). Readers of the archive work on whole UTC days
-- (event_time) or on one transaction (the keys), so only those indexes stay; a later
-- reader that needs another access path adds its index in its own migration.
-- Ids compare bytewise (COLLATE "C"): they are identifiers, not words, and the locale-aware
-- comparison of the default collation makes every key lookup slower.

DROP INDEX transaction_items_product_idx;
DROP INDEX transactions_user_idx;
DROP INDEX transactions_session_idx;

-- sales_hourly reads transaction_id, so it is dropped around the type change and recreated
-- as 0001 defined it.
DROP VIEW sales_hourly;
ALTER TABLE transactions ALTER COLUMN transaction_id TYPE text COLLATE "C";
ALTER TABLE transaction_items ALTER COLUMN transaction_id TYPE text COLLATE "C";
ALTER TABLE transaction_anomalies ALTER COLUMN transaction_id TYPE text COLLATE "C";

CREATE VIEW sales_hourly AS
SELECT date_trunc('hour', t.event_time, 'UTC') AS hour_start,
       coalesce(i.category, 'ALL') AS category,
       coalesce(t.country, 'ALL') AS country,
       sum(i.quantity * i.price_cents)::bigint AS total_amount_cents,
       count(DISTINCT t.transaction_id) AS transaction_count,
       sum(i.quantity)::bigint AS item_quantity
FROM transaction_items i
JOIN transactions t USING (transaction_id)
GROUP BY GROUPING SETS (
  (date_trunc('hour', t.event_time, 'UTC'), i.category, t.country),
  (date_trunc('hour', t.event_time, 'UTC'), i.category),
  (date_trunc('hour', t.event_time, 'UTC'), t.country),
  (date_trunc('hour', t.event_time, 'UTC')));
COMMENT ON VIEW sales_hourly IS
  'Sales per UTC hour, category and country (ALL = total) rolled up from the archived line items, late transactions included.';

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    GRANT SELECT ON sales_hourly TO globalmart_reader;
  END IF;
END
$$;
