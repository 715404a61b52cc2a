#pragma once

// GET /api/v1/live: headline figures pushed to every subscriber as Server-Sent Events once
// per interval. One thread computes the figures (one query) and writes to all streams;
// nothing is queried while nobody listens.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "server/http.h"
#include "server/internal/reader.h"

namespace gm::server {

class LiveFeed {
 public:
  LiveFeed(const Reader& reader, const Clock& clock, Micros interval);
  //! Stop()s.
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  void Start();
  //! Ends every stream (their responses complete) and joins the thread. Idempotent.
  void Stop();

  //! Adds a stream; it receives the figures from the next tick on. Thread-safe.
  void Subscribe(std::unique_ptr<EventSink> sink);

  //! The figures as one JSON object (queried now). Thread-safe.
  Result<std::string> Figures() const;

  size_t subscribers() const;

 private:
  void Run();

  const Reader& reader_;
  const Clock& clock_;
  const Micros interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                          // guarded by mu_
  std::vector<std::unique_ptr<EventSink>> sinks_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace gm::server
