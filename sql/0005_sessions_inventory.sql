-- 0005_sessions_inventory: sessions, cart abandonment, inventory and low-stock alerts.
-- Semantics: DESIGN.md §6 Sessions, Carts, Inventory; docs/stream.md. Every row is written
-- with absolute values by the stream checkpoint that produced it (upserts on the key), so a
-- re-run or a restart ends in the same rows.

CREATE TABLE session_metrics (
  session_id               text COLLATE "C" NOT NULL,
  session_start            timestamptz NOT NULL,
  session_end              timestamptz NOT NULL CHECK (session_end >= session_start),
  duration_seconds         double precision NOT NULL CHECK (duration_seconds >= 0),
  user_id                  text COLLATE "C" NOT NULL,
  task                     integer NOT NULL CHECK (task >= 0),
  page_views               integer NOT NULL CHECK (page_views >= 0),
  cart_adds                integer NOT NULL CHECK (cart_adds >= 0),
  cart_removes             integer NOT NULL CHECK (cart_removes >= 0),
  purchases                integer NOT NULL CHECK (purchases >= 0),
  total_amount_cents       bigint NOT NULL,
  distinct_products_viewed integer NOT NULL CHECK (distinct_products_viewed >= 0),
  device                   text,
  country                  text,
  converted                boolean NOT NULL,
  abandoned                boolean NOT NULL,
  is_closed                boolean NOT NULL,
  updated_at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, session_start)
);
CREATE INDEX session_metrics_start_idx ON session_metrics (session_start);
COMMENT ON TABLE session_metrics IS
  'One row per session (events of one session_id without a pause of stream.session_gap, default 2 min). Open sessions are upserted live (is_closed false); the row is final once the watermark passed session_end + the gap.';
COMMENT ON COLUMN session_metrics.session_start IS 'Effective time of the first event; with session_id, the key (a session_id seen again after its session closed starts a new row).';
COMMENT ON COLUMN session_metrics.purchases IS 'Transactions of the session (a transaction without session_id joins its user''s open session that got the latest event).';
COMMENT ON COLUMN session_metrics.total_amount_cents IS 'Σ quantity × price of the purchases'' line items.';
COMMENT ON COLUMN session_metrics.converted IS 'purchases > 0.';
COMMENT ON COLUMN session_metrics.abandoned IS 'The session''s last cart abandonment was not recovered by a later purchase.';
COMMENT ON COLUMN session_metrics.task IS 'The stream task (partition number of the user) that owns the session.';

CREATE TABLE cart_abandonment (
  session_id           text COLLATE "C" NOT NULL,
  session_start        timestamptz NOT NULL,
  abandonment_time     timestamptz NOT NULL,
  user_id              text COLLATE "C" NOT NULL,
  task                 integer NOT NULL CHECK (task >= 0),
  products_in_cart     integer NOT NULL CHECK (products_in_cart > 0),
  items_in_cart        bigint NOT NULL CHECK (items_in_cart > 0),
  cart_value_cents     bigint NOT NULL CHECK (cart_value_cents >= 0),
  time_in_cart_seconds double precision NOT NULL CHECK (time_in_cart_seconds >= 0),
  recovered            boolean NOT NULL,
  recovered_at         timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, session_start, abandonment_time),
  CHECK (recovered = (recovered_at IS NOT NULL))
);
CREATE INDEX cart_abandonment_time_idx ON cart_abandonment (abandonment_time);
COMMENT ON TABLE cart_abandonment IS
  'One row each time a non-empty cart saw no purchase within stream.cart_timeout (default 1 min) of its last activity. A later purchase in the same session marks the session''s latest abandonment recovered.';
COMMENT ON COLUMN cart_abandonment.abandonment_time IS 'Last cart activity + stream.cart_timeout (event time).';
COMMENT ON COLUMN cart_abandonment.products_in_cart IS 'Distinct products in the cart.';
COMMENT ON COLUMN cart_abandonment.cart_value_cents IS 'Σ quantity × price; a product''s price is the latest its cart events carried, else the catalog''s.';
COMMENT ON COLUMN cart_abandonment.time_in_cart_seconds IS 'Last cart activity − first add since the cart was last empty.';

CREATE TABLE inventory_status (
  product_id      text COLLATE "C" PRIMARY KEY,
  category        text,
  in_catalog      boolean NOT NULL,
  task            integer NOT NULL CHECK (task >= 0),
  current_stock   bigint NOT NULL,
  reserved_stock  bigint NOT NULL,
  available_stock bigint GENERATED ALWAYS AS (current_stock - reserved_stock) STORED,
  last_event_time timestamptz NOT NULL,
  last_updated    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_status_category_idx ON inventory_status (category);
CREATE INDEX inventory_status_available_idx ON inventory_status (available_stock);
COMMENT ON TABLE inventory_status IS
  'Stock of every product an event touched: current = initial (catalog, or 0 when the catalog lacks the product, or an absolute stock update) − sold + restocked; reserved = in open, unabandoned carts; available = current − reserved (negative = oversold). Untouched products are at products.initial_stock.';
COMMENT ON COLUMN inventory_status.in_catalog IS 'false: the product is missing from the catalog (tracked from 0 or its first absolute stock update).';
COMMENT ON COLUMN inventory_status.task IS 'The stream task owning the product (partition of product_id).';
COMMENT ON COLUMN inventory_status.last_event_time IS 'Effective time of the last change applied.';

CREATE TABLE low_stock_alerts (
  product_id       text COLLATE "C" NOT NULL,
  alert_no         integer NOT NULL CHECK (alert_no >= 1),
  task             integer NOT NULL CHECK (task >= 0),
  status           text NOT NULL CHECK (status IN ('open', 'updated', 'resolved')),
  severity         text NOT NULL CHECK (severity IN ('low', 'critical')),
  available_stock  bigint NOT NULL,
  lowest_available bigint NOT NULL,
  opened_at        timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  resolved_at      timestamptz,
  last_updated     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_id, alert_no),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- Never two open alerts for one product.
CREATE UNIQUE INDEX low_stock_alerts_one_open_idx ON low_stock_alerts (product_id)
  WHERE status <> 'resolved';
CREATE INDEX low_stock_alerts_opened_idx ON low_stock_alerts (opened_at);
COMMENT ON TABLE low_stock_alerts IS
  'A product''s available stock fell below stream.low_stock_threshold (default 10): open → updated (available changed while open) → resolved (back at or above the threshold). Severity critical below stream.critical_stock_threshold (default 5), else low.';
COMMENT ON COLUMN low_stock_alerts.alert_no IS 'The product''s 1st, 2nd, … alert.';
COMMENT ON COLUMN low_stock_alerts.available_stock IS 'At the last change (negative = oversold).';
COMMENT ON COLUMN low_stock_alerts.updated_at IS 'Effective time of the last change (event time).';

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    GRANT SELECT ON session_metrics, cart_abandonment, inventory_status, low_stock_alerts
      TO globalmart_reader;
  END IF;
END
$$;
