-- 0010_inventory_hot_updates: every checkpoint rewrites the inventory_status rows of the
-- products its events touched (~100,000 rows per million seed events), and the index on
-- available_stock, a column every such update changes, made each of them a non-HOT update
-- that inserted into all three of the table's indexes (measured: 840 ms of server time per
-- million events for the merge, 500 ms without the index). No reader searches or sorts by
-- available stock: the API lists stock by product_id and finds low stock through
-- low_stock_alerts. Without it, and with room in the pages, the updates are HOT.

DROP INDEX inventory_status_available_idx;
ALTER TABLE inventory_status SET (fillfactor = 70);
