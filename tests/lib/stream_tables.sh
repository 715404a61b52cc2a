# Shared by the stream shell tests: the derived columns of each table the stream engine
# writes, sorted (DESIGN.md §6 Exactly once: wall-clock columns are left out), and helpers
# to dump and compare them. The caller defines `psql_on DB PSQL_ARGS...`.
declare -A derived_columns=(
  [transactions]="SELECT * FROM transactions ORDER BY transaction_id"
  [transaction_items]="SELECT * FROM transaction_items ORDER BY transaction_id, line_no"
  [sales_metrics]="SELECT window_start, window_end, category, country, total_amount_cents,
                          transaction_count, item_quantity, is_final
                   FROM sales_metrics ORDER BY window_start, window_end, category, country"
  [sales_metrics_by_task]="SELECT window_start, window_end, category, country, task,
                                  total_amount_cents, transaction_count, item_quantity, is_final
                           FROM sales_metrics_by_task
                           ORDER BY window_start, window_end, category, country, task"
  [transaction_anomalies]="SELECT transaction_id, user_id, event_time, total_amount_cents,
                                  country, anomaly_score::text, anomaly_types, description
                           FROM transaction_anomalies ORDER BY transaction_id"
  [dead_letter_events]="SELECT source_topic, source_partition, source_offset, encode(raw, 'hex'),
                               raw_size, reason
                        FROM dead_letter_events
                        ORDER BY source_topic, source_partition, source_offset"
  [stream_offsets]="SELECT consumer_group, source_topic, source_partition, next_offset
                    FROM stream_offsets
                    ORDER BY consumer_group, source_topic, source_partition"
  [session_metrics]="SELECT session_id, session_start, session_end, duration_seconds, user_id,
                            task, page_views, cart_adds, cart_removes, purchases,
                            total_amount_cents, distinct_products_viewed, device, country,
                            converted, abandoned, is_closed
                     FROM session_metrics ORDER BY session_id, session_start"
  [cart_abandonment]="SELECT session_id, session_start, abandonment_time, user_id, task,
                             products_in_cart, items_in_cart, cart_value_cents,
                             time_in_cart_seconds, recovered, recovered_at
                      FROM cart_abandonment
                      ORDER BY session_id, session_start, abandonment_time"
  [inventory_status]="SELECT product_id, category, in_catalog, task, current_stock,
                             reserved_stock, available_stock, last_event_time
                      FROM inventory_status ORDER BY product_id"
  [low_stock_alerts]="SELECT product_id, alert_no, task, status, severity, available_stock,
                             lowest_available, opened_at, updated_at, resolved_at
                      FROM low_stock_alerts ORDER BY product_id, alert_no"
)
dump_tables() {  # dump_tables DB FILE TABLE...: a "== TABLE" section of rows per table
  local db=$1 file=$2 table
  shift 2
  local args=()
  for table in "$@"; do
    args+=(-c "\\echo == $table" -c "COPY (${derived_columns[$table]}) TO STDOUT")
  done
  psql_on "$db" -At "${args[@]}" >"$file"
}
# Tables that are identical; on a difference, show where.
same_tables() {  # same_tables DUMP_A DUMP_B
  if cmp -s "$1" "$2"; then return 0; fi
  echo "  $1 and $2 differ:" >&2
  diff "$1" "$2" | head -20 >&2
  return 1
}
# Each dump section holds rows (a run that stored nothing must not pass as identical).
section_rows() {  # section_rows DUMP TABLE → the number of rows of TABLE in DUMP
  awk -v t="== $2" '/^== /{on = ($0 == t); next} on {n++} END {print n + 0}' "$1"
}
