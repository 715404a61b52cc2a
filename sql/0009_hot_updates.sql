-- 0009_hot_updates: room in the pages of the tables whose rows the stream engine rewrites in
-- place, so PostgreSQL can make those updates HOT (heap-only: the new row version goes on the
-- same page and no index is touched). Live at 50,000 events/s the engine rewrites ~20,000
-- open session rows a second and thousands of sales-window rows; in full pages every update
-- inserted into each of the table's indexes. The columns these updates change are not
-- indexed. (inventory_status and low_stock_alerts index columns their updates change, so
-- HOT cannot help them.) Applies to pages written from now on.

ALTER TABLE session_metrics SET (fillfactor = 70);
ALTER TABLE sales_metrics_by_task SET (fillfactor = 70);
ALTER TABLE cart_abandonment SET (fillfactor = 80);
