#include "stream/engine.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <thread>

#include "bus/file_bus.h"
#include "bus/kafka_bus.h"
#include "bus/sink_spec.h"
#include "common/logging.h"
#include "stream/internal/worker.h"

namespace gm::stream {

using internal::Routing;
using internal::Worker;
using internal::WorkerContext;

namespace {

std::vector<int32_t> AllTasks(int32_t tasks) {
  std::vector<int32_t> all;
  for (int32_t t = 0; t < tasks; ++t) all.push_back(t);
  return all;
}

}  // namespace

struct Engine::Shared {
  EngineOptions options;
  CheckpointStore& store;
  const CatalogLookup& catalog;
  WorkerContext ctx;
  RestoredCheckpoint restored;
  std::mutex callback_mu;
  std::unique_ptr<internal::StockExchange> stock_exchange;

  Shared(EngineOptions o, CheckpointStore& s, const CatalogLookup& c)
      : options(std::move(o)), store(s), catalog(c) {}

  // Takes all tasks over for a new ownership generation (fencing any older process of the
  // group), then loads the group's last checkpoint. With `claim_all` false (Kafka), tasks
  // are claimed as the group assigns them.
  Status Prepare(bool claim_all = true) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    ctx.owner = std::string(host) + ":" + std::to_string(::getpid());
    if (!claim_all) {
      FillContext(0, claim_all);
      return Status::Ok();
    }
    std::vector<int32_t> tasks;
    for (int32_t t = 0; t < options.tasks; ++t) tasks.push_back(t);
    Result<int64_t> generation = store.Claim(options.consumer_group, tasks, ctx.owner);
    if (!generation.ok()) return generation.status();
    Result<RestoredCheckpoint> r = store.Load(options.consumer_group);
    if (!r.ok()) return r.status();
    restored = std::move(r).value();
    FillContext(*generation, claim_all);
    return Status::Ok();
  }

  void FillContext(int64_t generation, bool claim_all) {
    ctx.config = &options.config;
    ctx.catalog = &catalog;
    ctx.store = &store;
    ctx.clock = options.clock != nullptr ? options.clock : &SystemClock::Instance();
    ctx.consumer_group = options.consumer_group;
    ctx.generation = generation;
    ctx.tasks = options.tasks;
    ctx.restored = &restored;
    // Stock work is re-partitioned in process when every task lives here (a file, the
    // memory bus); with Kafka, tasks may live in other processes.
    if (claim_all && options.config.processors.inventory) {
      stock_exchange = std::make_unique<internal::StockExchange>(options.tasks);
      ctx.stock_exchange = stock_exchange.get();
    }
    ctx.on_checkpoint = [this] {
      // Workers commit concurrently; the callback sees one call at a time.
      std::lock_guard lock(callback_mu);
      if (options.on_checkpoint) options.on_checkpoint(Stats());
    };
  }

  // stream.workers (0: one per core), never more than there are tasks.
  int32_t WorkerCount() const {
    int32_t workers = options.config.workers;
    if (workers <= 0) {
      workers = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
    }
    return std::min(workers, options.tasks);
  }

  EngineStats Stats() const {
    EngineStats s;
    s.received = ctx.received;
    s.valid = ctx.valid;
    s.invalid = ctx.invalid;
    s.late = ctx.late;
    s.duplicate = ctx.duplicate;
    s.transactions = ctx.transactions;
    s.anomalies = ctx.anomalies;
    s.products_missing_from_catalog = ctx.products_missing_from_catalog;
    s.unknown_customers = ctx.unknown_customers;
    s.checkpoints = ctx.checkpoints;
    s.watermark = ctx.LowWatermark();
    std::vector<Micros> freshness = ctx.Freshness();
    if (!freshness.empty()) {
      std::sort(freshness.begin(), freshness.end());
      auto at = [&](double q) {
        return freshness[std::min(freshness.size() - 1,
                                  static_cast<size_t>(q * static_cast<double>(freshness.size())))];
      };
      s.freshness_p50 = at(0.5);
      s.freshness_p99 = at(0.99);
      s.freshness_max = freshness.back();
    }
    return s;
  }
};

Engine::Engine(EngineOptions options, CheckpointStore& store, const CatalogLookup& catalog)
    : shared_(std::make_unique<Shared>(std::move(options), store, catalog)) {}

Engine::~Engine() = default;

EngineStats Engine::stats() const { return shared_->Stats(); }

Status Engine::RunFile(const std::string& path, bool until_eof, const std::atomic<bool>& stop) {
  auto log = Logger("stream");
  if (Status s = shared_->Prepare(); !s.ok()) return s;
  // Offsets name the file by its canonical path, so `./x.jsonl` and `/abs/x.jsonl` resume
  // each other.
  std::string file_topic = path;
  if (path != "-") {
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
    if (!ec) file_topic = canonical.string();
  }
  Worker worker(shared_->ctx, Routing::kByKey, AllTasks(shared_->options.tasks));
  Result<std::optional<int64_t>> next = worker.Restore(/*restore_offsets=*/path != "-", file_topic);
  if (!next.ok()) return next.status();
  const int64_t start_line = next->value_or(1);
  if (start_line > 1) {
    log->info("resuming {} at line {} (group {}, generation {})", path, start_line,
              shared_->options.consumer_group, shared_->ctx.generation);
  }
  Result<std::unique_ptr<bus::Source>> source = bus::OpenFileSource(path, start_line);
  if (!source.ok()) return source.status();
  return worker.Run(**source, until_eof, stop, file_topic);
}

Status Engine::RunSource(bus::Source& source, bool until_eof, const std::atomic<bool>& stop) {
  if (Status s = shared_->Prepare(); !s.ok()) return s;
  Worker worker(shared_->ctx, Routing::kByKey, AllTasks(shared_->options.tasks));
  Result<std::optional<int64_t>> restored = worker.Restore(/*restore_offsets=*/false, "");
  if (!restored.ok()) return restored.status();
  return worker.Run(source, until_eof, stop, "");
}

Status Engine::RunMemory(bus::MemoryBus& bus, const std::atomic<bool>& stop) {
  if (Status s = shared_->Prepare(); !s.ok()) return s;
  shared_->ctx.expected_topics = bus::ShopTopics();
  const int32_t workers = shared_->WorkerCount();
  std::vector<std::unique_ptr<Worker>> pool;
  std::vector<std::unique_ptr<bus::Source>> sources;
  for (int32_t w = 0; w < workers; ++w) {
    std::vector<int32_t> tasks;
    for (int32_t p = w; p < shared_->options.tasks; p += workers) tasks.push_back(p);
    pool.push_back(std::make_unique<Worker>(shared_->ctx, Routing::kByPartition, tasks));
    // Memory offsets restart with the process: only task state is resumed.
    Result<std::optional<int64_t>> r = pool.back()->Restore(/*restore_offsets=*/false, "");
    if (!r.ok()) return r.status();
    sources.push_back(bus.NewSource(tasks));
  }
  std::vector<Status> results(static_cast<size_t>(workers));
  std::vector<std::thread> threads;
  for (int32_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      results[static_cast<size_t>(w)] = pool[static_cast<size_t>(w)]->Run(
          *sources[static_cast<size_t>(w)], /*until_eof=*/false, stop, "");
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status Engine::RunKafka(const KafkaConfig& kafka, bool until_eof, const std::atomic<bool>& stop) {
  if (Status s = shared_->Prepare(/*claim_all=*/false); !s.ok()) return s;
  shared_->ctx.topic_prefix = kafka.topic_prefix;
  // Stock work moves between tasks — possibly in other processes — through the group's
  // re-partition topic, read back with the shop topics (DESIGN.md §6 Scale-out).
  const bool inventory = shared_->options.config.processors.inventory;
  const std::string stock_topic = bus::StockChangesTopic(kafka.group_id);
  std::vector<std::string> topics = bus::ShopTopics();
  if (inventory) {
    shared_->ctx.stock_topic = kafka.topic_prefix + stock_topic;
    topics.push_back(stock_topic);
  }
  const int32_t workers = shared_->WorkerCount();
  // Workers outlive their sources: leaving the group (a source's destructor) revokes the
  // partitions, which calls back into the worker.
  std::vector<std::unique_ptr<Worker>> pool;
  std::vector<std::unique_ptr<bus::Source>> sources;
  for (int32_t w = 0; w < workers; ++w) {
    pool.push_back(
        std::make_unique<Worker>(shared_->ctx, Routing::kByPartition, std::vector<int32_t>{}));
    Worker* worker = pool.back().get();
    if (inventory) {
      Result<std::unique_ptr<bus::Sink>> sink = bus::OpenKafkaSink(kafka);
      if (!sink.ok()) return sink.status();
      worker->SetStockTopicWriter(std::make_unique<internal::StockTopicWriter>(
          std::move(sink).value(), stock_topic, shared_->options.tasks));
    }
    bus::KafkaSourceOptions options;
    options.on_assign = [worker](std::vector<bus::PartitionOffset>& ps) { worker->OnAssign(ps); };
    options.on_revoke = [worker](const std::vector<bus::PartitionOffset>&) { worker->OnRevoke(); };
    Result<std::unique_ptr<bus::Source>> source = bus::OpenKafkaSource(kafka, topics, options);
    if (!source.ok()) return source.status();
    sources.push_back(std::move(source).value());
  }
  std::vector<Status> results(static_cast<size_t>(workers));
  std::vector<std::thread> threads;
  for (int32_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      const size_t i = static_cast<size_t>(w);
      results[i] = pool[i]->Run(*sources[i], until_eof, stop, "");
      // Leave the group now (revoking on this thread), so the partitions move on.
      sources[i].reset();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace gm::stream
