-- 0004_stream_generations: ownership generations for fencing (DESIGN.md §6 Exactly once).
-- A process that takes over tasks (starting, or after a consumer-group rebalance) draws a
-- generation from this sequence and stamps it on the tasks' stream_task_state rows before it
-- loads their state; from then on a commit by an older owner of those tasks fails.

CREATE SEQUENCE stream_generation_seq AS bigint;
COMMENT ON SEQUENCE stream_generation_seq IS
  'Ownership generations of stream processes; a higher one fences every lower one.';
-- Continue above anything committed before this sequence existed.
SELECT setval('stream_generation_seq',
              greatest(1, (SELECT coalesce(max(owner_generation), 0) FROM stream_task_state),
                          (SELECT coalesce(max(owner_generation), 0) FROM stream_offsets)));
