-- 0001_core: the catalog, the archive of raw transactions, the real-time results of the
-- stream engine (sales_metrics, transaction_anomalies), pipeline bookkeeping (stream_offsets,
-- dead_letter_events, kafka_metrics) and the read-only role. Semantics: DESIGN.md §6.
--
-- Conventions: money is bigint cents (*_cents); times are timestamptz in UTC; rows that the
-- stream engine derives from events are reproducible (exactly once), wall-clock columns
-- (updated_at, loaded_at, received_at) are not. Aggregates that span stream tasks are stored
-- as partial rows per task (*_by_task) and summed by a view with the seed name.

-- Catalog dimensions (globalmart catalog load) ----------------------------------------------

CREATE TABLE products (
  product_id    text PRIMARY KEY,
  name          text NOT NULL,
  category      text NOT NULL,
  price_cents   bigint NOT NULL CHECK (price_cents >= 0),
  initial_stock integer NOT NULL CHECK (initial_stock >= 0),
  rating        numeric(2,1) CHECK (rating BETWEEN 0 AND 5),
  loaded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_category_idx ON products (category);
COMMENT ON TABLE products IS
  'The product catalog (products.csv of globalmart catalog export), upserted by globalmart catalog load. Events may name products missing here (catalogs lag behind shops).';
COMMENT ON COLUMN products.price_cents IS 'List price in cents; events carry their own price.';
COMMENT ON COLUMN products.initial_stock IS 'Stock before any inventory event; the start of inventory_status.current_stock.';
COMMENT ON COLUMN products.rating IS 'Average customer rating, 1.0 to 5.0.';
COMMENT ON COLUMN products.loaded_at IS 'When catalog load last inserted or changed the row (wall clock).';

CREATE TABLE customers (
  user_id              text PRIMARY KEY,
  name                 text NOT NULL,
  first_name           text,
  last_name            text,
  email                text,
  age                  smallint CHECK (age BETWEEN 0 AND 150),
  country              text NOT NULL,
  city                 text,
  latitude             double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude            double precision CHECK (longitude BETWEEN -180 AND 180),
  utc_offset_minutes   smallint,
  signup_date          date,
  preferred_categories text[] NOT NULL DEFAULT '{}',
  activity             text,
  loaded_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_country_idx ON customers (country);
COMMENT ON TABLE customers IS
  'The customer population (customers.csv of globalmart catalog export), upserted by globalmart catalog load.';
COMMENT ON COLUMN customers.name IS 'Full name as displayed: first and last name.';
COMMENT ON COLUMN customers.country IS 'Home country; a transaction from another country fires the geo_mismatch rule.';
COMMENT ON COLUMN customers.utc_offset_minutes IS 'Standard-time offset of the home city from UTC.';
COMMENT ON COLUMN customers.preferred_categories IS 'Categories the customer favours (the generator''s behaviour model).';
COMMENT ON COLUMN customers.activity IS 'Generator ground truth: heavy, regular or occasional shopper; NULL for real data.';

-- Raw facts (archive processor; the warehouse reads whole UTC days of these) ------------------

CREATE TABLE transactions (
  transaction_id         text PRIMARY KEY,
  user_id                text NOT NULL,
  session_id             text,
  event_time             timestamptz NOT NULL,
  total_amount_cents     bigint NOT NULL,
  line_items_total_cents bigint NOT NULL,
  payment_method         text NOT NULL,
  country                text NOT NULL,
  city                   text,
  currency               text,
  device                 text,
  amount_mismatch        boolean NOT NULL
);
CREATE INDEX transactions_event_time_idx ON transactions (event_time);
CREATE INDEX transactions_user_idx ON transactions (user_id, event_time);
CREATE INDEX transactions_session_idx ON transactions (session_id) WHERE session_id IS NOT NULL;
COMMENT ON TABLE transactions IS
  'Every distinct transaction event (duplicates within the dedup horizon dropped), late ones included; idempotent on transaction_id.';
COMMENT ON COLUMN transactions.event_time IS 'The event''s own timestamp (event time), UTC.';
COMMENT ON COLUMN transactions.total_amount_cents IS 'total_amount as the event stated it, in cents.';
COMMENT ON COLUMN transactions.line_items_total_cents IS 'Sum of quantity x price over the line items: the truth for every money figure.';
COMMENT ON COLUMN transactions.amount_mismatch IS 'total_amount differs from the line items by more than one cent.';

CREATE TABLE transaction_items (
  transaction_id text NOT NULL,
  line_no        smallint NOT NULL CHECK (line_no >= 1),
  product_id     text NOT NULL,
  category       text NOT NULL,
  quantity       integer NOT NULL CHECK (quantity >= 1),
  price_cents    bigint NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (transaction_id, line_no)
);
CREATE INDEX transaction_items_product_idx ON transaction_items (product_id);
COMMENT ON TABLE transaction_items IS
  'The line items of transactions (transaction_id), in event order (line_no from 1); written in the same transaction as their transactions row. No foreign key: it would cost a lookup per item on the hot path.';
COMMENT ON COLUMN transaction_items.category IS 'The item''s category: from the event, else from the catalog, else ''unknown''.';
COMMENT ON COLUMN transaction_items.price_cents IS 'Unit price in cents as the event stated it.';

-- Real-time results ----------------------------------------------------------------------------

CREATE TABLE sales_metrics_by_task (
  window_start       timestamptz NOT NULL,
  window_end         timestamptz NOT NULL CHECK (window_end > window_start),
  category           text NOT NULL,
  country            text NOT NULL,
  task               integer NOT NULL CHECK (task >= 0),
  total_amount_cents bigint NOT NULL,
  transaction_count  bigint NOT NULL CHECK (transaction_count >= 0),
  item_quantity      bigint NOT NULL CHECK (item_quantity >= 0),
  is_final           boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, window_end, category, country, task)
);
CREATE INDEX sales_metrics_by_task_end_idx ON sales_metrics_by_task (window_end);
COMMENT ON TABLE sales_metrics_by_task IS
  'Partial sales_metrics rows, one per stream task (a partition number of the user-keyed topics, DESIGN.md §6 Scale-out). A transaction belongs to exactly one task, so summing over tasks is exact. Read the sales_metrics view instead.';
COMMENT ON COLUMN sales_metrics_by_task.category IS 'A category, or ALL for the total over categories.';
COMMENT ON COLUMN sales_metrics_by_task.country IS 'A country, or ALL for the total over countries.';
COMMENT ON COLUMN sales_metrics_by_task.total_amount_cents IS 'Sum of quantity x price of the group''s line items in the window, late events excluded.';
COMMENT ON COLUMN sales_metrics_by_task.transaction_count IS 'Distinct transactions with at least one line item in the group.';
COMMENT ON COLUMN sales_metrics_by_task.item_quantity IS 'Sum of the quantities of those line items.';
COMMENT ON COLUMN sales_metrics_by_task.is_final IS 'The task''s watermark passed window_end: the row will not change again.';
COMMENT ON COLUMN sales_metrics_by_task.updated_at IS 'Last upsert (wall clock).';

CREATE VIEW sales_metrics AS
SELECT window_start,
       window_end,
       category,
       country,
       sum(total_amount_cents)::bigint AS total_amount_cents,
       sum(transaction_count)::bigint AS transaction_count,
       sum(item_quantity)::bigint AS item_quantity,
       round(sum(total_amount_cents) / nullif(sum(transaction_count), 0) / 100.0, 2)
         AS avg_transaction_value,
       (extract(epoch FROM window_start)::bigint
          % nullif(extract(epoch FROM window_end - window_start)::bigint, 0) = 0) AS is_tumbling,
       bool_and(is_final) AS is_final,
       max(updated_at) AS updated_at
FROM sales_metrics_by_task
GROUP BY window_start, window_end, category, country;
COMMENT ON VIEW sales_metrics IS
  'Sales per event-time window (60 s sliding every 30 s by default, aligned to the Unix epoch), category and country, with ALL rows for the totals (grouping sets). Sliding windows overlap: to sum over time use only is_tumbling rows, or sales_hourly.';
COMMENT ON COLUMN sales_metrics.avg_transaction_value IS 'total / transaction_count in currency units, rounded to cents.';
COMMENT ON COLUMN sales_metrics.is_tumbling IS 'The window starts on a multiple of its length: these rows tile time without overlap.';

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

CREATE TABLE transaction_anomalies (
  transaction_id     text PRIMARY KEY,
  user_id            text NOT NULL,
  event_time         timestamptz NOT NULL,
  total_amount_cents bigint NOT NULL,
  country            text NOT NULL,
  anomaly_score      real NOT NULL CHECK (anomaly_score BETWEEN 0 AND 1),
  anomaly_types      text[] NOT NULL,
  description        text NOT NULL,
  detected_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transaction_anomalies_event_time_idx ON transaction_anomalies (event_time);
CREATE INDEX transaction_anomalies_user_idx ON transaction_anomalies (user_id);
CREATE INDEX transaction_anomalies_alert_idx ON transaction_anomalies (event_time)
  WHERE anomaly_score >= 0.8;
COMMENT ON TABLE transaction_anomalies IS
  'Transactions scoring at least 0.5; a score of 0.8 or more (any rule fired) is an alert.';
COMMENT ON COLUMN transaction_anomalies.anomaly_types IS
  'What fired: high_value, unusual_quantity, velocity, geo_mismatch, amount_mismatch, statistical.';
COMMENT ON COLUMN transaction_anomalies.detected_at IS 'When the row was written (wall clock).';

-- Pipeline bookkeeping -------------------------------------------------------------------------

CREATE TABLE stream_offsets (
  consumer_group   text NOT NULL,
  source_topic     text NOT NULL,
  source_partition integer NOT NULL CHECK (source_partition >= 0),
  next_offset      bigint NOT NULL CHECK (next_offset >= 0),
  owner_generation bigint NOT NULL,
  owner            text,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, source_topic, source_partition)
);
COMMENT ON TABLE stream_offsets IS
  'Exactly once: the next offset to read per source partition, committed in the same transaction as the outputs it produced. A commit from an owner_generation older than the stored one fails (fencing).';
COMMENT ON COLUMN stream_offsets.source_topic IS 'Kafka topic or memory-bus topic; for a file source, the file path (partition 0).';
COMMENT ON COLUMN stream_offsets.owner_generation IS 'Consumer-group generation of the process that committed the row.';
COMMENT ON COLUMN stream_offsets.owner IS 'Who committed it (host:pid and member id), for people.';

CREATE TABLE dead_letter_events (
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  raw              bytea NOT NULL,
  raw_size         integer NOT NULL CHECK (raw_size >= 0),
  reason           text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_topic, source_partition, source_offset)
);
CREATE INDEX dead_letter_events_received_idx ON dead_letter_events (received_at);
COMMENT ON TABLE dead_letter_events IS
  'Messages that are not valid events (bad JSON, missing field, wrong type, impossible value), one row per source position; the pipeline goes on.';
COMMENT ON COLUMN dead_letter_events.raw IS 'The message bytes, capped (they may not be UTF-8).';
COMMENT ON COLUMN dead_letter_events.raw_size IS 'The message''s full size in bytes (raw may be shorter).';

CREATE TABLE kafka_metrics_by_partition (
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  interval_start   timestamptz NOT NULL,
  received         bigint NOT NULL DEFAULT 0,
  valid            bigint NOT NULL DEFAULT 0,
  invalid          bigint NOT NULL DEFAULT 0,
  late             bigint NOT NULL DEFAULT 0,
  duplicate        bigint NOT NULL DEFAULT 0,
  consumer_lag     bigint,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_topic, interval_start, source_partition)
);
CREATE INDEX kafka_metrics_by_partition_interval_idx
  ON kafka_metrics_by_partition (interval_start);
COMMENT ON TABLE kafka_metrics_by_partition IS
  'Ingestion counts per source partition and 10-second wall-clock interval, written by whichever process owns the partition. Read the kafka_metrics view.';
COMMENT ON COLUMN kafka_metrics_by_partition.consumer_lag IS 'Messages behind the partition''s end at the end of the interval; NULL when unknown.';

CREATE VIEW kafka_metrics AS
SELECT source_topic AS topic,
       interval_start,
       sum(received)::bigint AS received,
       sum(valid)::bigint AS valid,
       sum(invalid)::bigint AS invalid,
       sum(late)::bigint AS late,
       sum(duplicate)::bigint AS duplicate,
       sum(consumer_lag)::bigint AS consumer_lag,
       max(updated_at) AS updated_at
FROM kafka_metrics_by_partition
GROUP BY source_topic, interval_start;
COMMENT ON VIEW kafka_metrics IS
  'Per topic and 10-second interval: messages received, valid events, invalid (dead-lettered), late, duplicate, and the consumer lag summed over partitions.';

-- The read-only role of readers (the API). Roles belong to the whole server, so they are
-- created only when missing, and only by a role allowed to; elsewhere an administrator
-- creates globalmart_reader and grants it to the API's login role.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
      RAISE WARNING 'role globalmart_reader is missing and % may not create roles; '
                    'create it (CREATE ROLE globalmart_reader NOLOGIN) and re-grant', current_user;
      RETURN;
    END IF;
    CREATE ROLE globalmart_reader NOLOGIN;
    COMMENT ON ROLE globalmart_reader IS
      'Read-only access to GlobalMart tables; grant it to login roles that only read (the API).';
  END IF;
  GRANT USAGE ON SCHEMA public TO globalmart_reader;
  GRANT SELECT ON ALL TABLES IN SCHEMA public TO globalmart_reader;
  -- Tables that later migrations create (as this role) are readable too.
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO globalmart_reader;
END
$$;
