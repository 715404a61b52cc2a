-- 0008_snapshot_compaction: full task snapshots written off the checkpoint path
-- (docs/stream.md, Exactly once). A checkpoint writes a task's changes only; when they add
-- up to the task's state, a background compaction stores the whole state as of one of those
-- change rows (is_full) and deletes the rows it covers, in its own transaction — so a
-- checkpoint's duration no longer grows with the state.
--
-- Order of a task's rows: (owner_generation, snapshot_no, is_full, seq). snapshot_no counts
-- an owner's snapshots of the task: 0 is the full one in stream_task_state written by its
-- first checkpoint, then 1, 2, ... for its change rows; a compaction's full row takes the
-- number of the change row it includes last. A task's state: its newest full row (else
-- stream_task_state.snapshot) with the change rows after it. Rows of generations older than
-- the one that wrote stream_task_state.snapshot are superseded by it (a compaction of a
-- fenced owner that commits late) and ignored.

ALTER TABLE stream_task_state
  ADD COLUMN snapshot_generation bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN stream_task_state.snapshot_generation IS
  'The owner_generation that wrote snapshot; stream_task_state_changes rows of older generations are superseded.';

ALTER TABLE stream_task_state_changes
  ADD COLUMN owner_generation bigint NOT NULL DEFAULT 0,
  ADD COLUMN snapshot_no bigint NOT NULL DEFAULT 0,
  ADD COLUMN is_full boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN stream_task_state_changes.owner_generation IS 'Generation of the owner that wrote the row.';
COMMENT ON COLUMN stream_task_state_changes.snapshot_no IS
  'The owner''s snapshot number of the task (its checkpoints count them from 0); orders the rows of one generation.';
COMMENT ON COLUMN stream_task_state_changes.is_full IS
  'A compaction: the task''s whole state as of change row snapshot_no (which it replaced, with the rows before it).';
COMMENT ON TABLE stream_task_state_changes IS
  'Exactly once: incremental snapshots of stream tasks, each committed with the offsets it belongs to, and full ones written by background compaction. A task''s state = its newest full row (else its stream_task_state snapshot) followed by the change rows after it in (owner_generation, snapshot_no, seq) order; fenced through the stream_task_state row''s owner_generation.';
