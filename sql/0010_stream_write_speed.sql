-- 0010_stream_write_speed: less index work for the rows every stream checkpoint writes
-- (measured per million seed events; the PostgreSQL server is the stream's bottleneck).
--
-- inventory_status: every checkpoint rewrites the rows of the products its events touched
-- (~100,000 per million events), and the index on available_stock, a column every such
-- update changes, made each of them a non-HOT update that inserted into all three of the
-- table's indexes: 840 ms for the merge, 500 ms without the index. No reader searches or
-- sorts by available stock (the API lists stock by product_id and finds low stock through
-- low_stock_alerts). Without it, and with room in the pages, the updates are HOT.
DROP INDEX inventory_status_available_idx;
ALTER TABLE inventory_status SET (fillfactor = 70);

-- session_metrics and cart_abandonment: the keys lead with the time now, as readers list
-- them (newest first, ranges of session_start / abandonment_time), so one index serves as
-- key and time index. New rows go to the right edge of it instead of random places in a
-- key index plus the time index: COPY of 205,000 sessions 950 -> 640 ms, of 75,000
-- abandonments 290 -> 215 ms. ON CONFLICT names the key's columns in any order.
ALTER TABLE session_metrics DROP CONSTRAINT session_metrics_pkey,
  ADD PRIMARY KEY (session_start, session_id);
DROP INDEX session_metrics_start_idx;
ALTER TABLE cart_abandonment DROP CONSTRAINT cart_abandonment_pkey,
  ADD PRIMARY KEY (abandonment_time, session_id, session_start);
DROP INDEX cart_abandonment_time_idx;
