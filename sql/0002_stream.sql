-- 0002_stream: the state snapshots of the stream engine's tasks, committed in the same
-- transaction as the source offsets (stream_offsets) and the outputs they belong to.
-- Semantics: DESIGN.md §6 Exactly once and Scale-out.

CREATE TABLE stream_task_state (
  consumer_group   text NOT NULL,
  task             integer NOT NULL CHECK (task >= 0),
  owner_generation bigint NOT NULL,
  snapshot         bytea NOT NULL,
  snapshot_size    integer NOT NULL CHECK (snapshot_size >= 0),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, task)
);
-- Snapshots are binary and mostly incompressible: store them out of line without trying
-- to compress them (which would cost CPU on every checkpoint).
ALTER TABLE stream_task_state ALTER COLUMN snapshot SET STORAGE EXTERNAL;
COMMENT ON TABLE stream_task_state IS
  'Exactly once: the state of each stream task (sessions, carts, windows, baselines of one partition number of the user-keyed topics) as of its committed offsets, written in the same transaction. A task''s state moves with it on rebalance through this row. A commit from an owner_generation older than the stored one fails (fencing).';
COMMENT ON COLUMN stream_task_state.task IS 'The task: a partition number of the co-partitioned user-keyed topics.';
COMMENT ON COLUMN stream_task_state.owner_generation IS 'Consumer-group generation of the process that committed the row.';
COMMENT ON COLUMN stream_task_state.snapshot IS 'The task state in the engine''s binary snapshot format (versioned; see src/stream/snapshot.h).';
COMMENT ON COLUMN stream_task_state.snapshot_size IS 'octet_length(snapshot), readable without fetching the snapshot.';
COMMENT ON COLUMN stream_task_state.updated_at IS 'Last commit (wall clock).';

-- 0001's default privileges cover only tables created by the role that ran 0001: grant
-- explicitly so a different migrating role is covered too. When globalmart_reader is
-- missing, whoever creates it grants it every table (docs/database.md, An external server).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'globalmart_reader') THEN
    GRANT SELECT ON stream_task_state TO globalmart_reader;
  END IF;
END
$$;
