-- 0007_stream_task_state_changes: incremental task snapshots (docs/stream.md, Exactly once).
-- A checkpoint mostly writes only what changed in a task since its previous snapshot (the
-- dedup ids, users, sessions and products added, changed or removed, and the small state
-- whole) as one row here, in the same transaction as its offsets and outputs; a task's
-- state is its stream_task_state snapshot with these rows applied in seq order. A full
-- snapshot, written when the changes add up to its size, deletes the task's rows here.

CREATE TABLE stream_task_state_changes (
  consumer_group text NOT NULL,
  task           integer NOT NULL CHECK (task >= 0),
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  changes        bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, task, seq)
);
-- Binary and mostly incompressible, like the snapshots.
ALTER TABLE stream_task_state_changes ALTER COLUMN changes SET STORAGE EXTERNAL;
COMMENT ON TABLE stream_task_state_changes IS
  'Exactly once: incremental snapshots of stream tasks, each committed with the offsets it belongs to. A task''s state = its stream_task_state snapshot followed by these rows in seq order; fenced through the stream_task_state row''s owner_generation.';
COMMENT ON COLUMN stream_task_state_changes.seq IS 'Commit order (increasing).';
COMMENT ON COLUMN stream_task_state_changes.changes IS
  'What changed since the task''s previous snapshot, in the engine''s binary format (src/stream/internal/task.cpp).';

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    GRANT SELECT ON stream_task_state_changes TO globalmart_reader;
  END IF;
END
$$;
