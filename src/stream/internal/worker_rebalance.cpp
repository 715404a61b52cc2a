// A Worker's side of a Kafka assignment (worker.h): claiming the tasks of the assigned
// partitions, restoring their state and resuming at their stored offsets.

#include <fmt/ranges.h>

#include <algorithm>

#include "common/logging.h"
#include "stream/internal/worker.h"

namespace gm::stream::internal {

void Worker::OnAssign(std::vector<bus::PartitionOffset>& partitions) {
  auto log = Logger("stream");
  Drain();  // the staged messages go to the tasks hosted when they were read
  std::vector<int32_t> ids;
  for (const bus::PartitionOffset& p : partitions) {
    if (std::find(ids.begin(), ids.end(), p.partition) == ids.end()) ids.push_back(p.partition);
  }
  std::sort(ids.begin(), ids.end());
  if (stock_writer_ != nullptr) {
    // The product stage of task p reads partition p of the re-partition topic: the group
    // must assign partition p of every topic to the same member (the range assignor does,
    // the topics having equal partition counts).
    for (int32_t id : ids) {
      bool stock = false, shop = false;
      for (const bus::PartitionOffset& p : partitions) {
        if (p.partition != id) continue;
        (p.topic == ctx_.stock_topic ? stock : shop) = true;
      }
      if (stock != shop) {
        fatal_ = InvalidArgument(
            "the consumer group assigned partition " + std::to_string(id) + " of " +
            (stock ? ctx_.stock_topic + " without the shop topics'"
                   : std::string("the shop topics without ") + ctx_.stock_topic + "'s") +
            ": the topics must be co-partitioned (equal partition counts; "
            "partition.assignment.strategy range)");
        return;
      }
    }
  }
  for (int32_t id : ids) {
    if (id < 0 || id >= ctx_.tasks) {
      fatal_ = InvalidArgument("partition " + std::to_string(id) + " is beyond the " +
                               std::to_string(ctx_.tasks) +
                               " tasks of bus.partitions: the topics have more partitions than "
                               "configured");
      return;
    }
  }
  Result<int64_t> generation = ctx_.store->Claim(ctx_.consumer_group, ids, ctx_.owner);
  if (!generation.ok()) {
    fatal_ = generation.status();
    return;
  }
  generation_ = *generation;
  Result<RestoredCheckpoint> restored = ctx_.store->Load(ctx_.consumer_group);
  if (!restored.ok()) {
    fatal_ = restored.status();
    return;
  }
  for (int32_t id : ids) {
    auto& slot = tasks_[static_cast<size_t>(id)];
    slot = std::make_unique<Task>(id, *ctx_.config, *ctx_.catalog);
    hosted_.push_back(slot.get());
    auto it = restored->snapshots.find(id);
    if (it == restored->snapshots.end() || it->second.empty()) continue;
    std::vector<ClockEntry> clocks;
    if (Status s = slot->Restore(it->second, restored->ChangesOf(id), clocks); !s.ok()) {
      fatal_ = s;
      return;
    }
    restored_clocks_[id] = std::move(clocks);
  }
  int resumed = 0;
  for (bus::PartitionOffset& p : partitions) {
    for (const SourceOffset& o : restored->offsets) {
      if (o.topic == p.topic && o.partition == p.partition) {
        p.offset = o.next_offset;
        ++resumed;
      }
    }
    // The partition holds the task's watermark back from now on (until idle).
    bus::Message m;
    m.topic = p.topic;
    m.partition = p.partition;
    PartitionOf(m);
  }
  started_wall_ = ctx_.clock->Now();
  log->info("tasks {} assigned (generation {}); {} of {} partitions resume from stored offsets",
            fmt::join(ids, ","), generation_, resumed, partitions.size());
}

}  // namespace gm::stream::internal
