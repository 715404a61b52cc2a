#pragma once

// Request counts and latency histograms per route, rendered in the Prometheus text format
// (docs/api.md lists the series). Lock-free on the request path: one slot per route, fixed
// at construction.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/time.h"

namespace gm::server {

class RequestMetrics {
 public:
  //! One label per route ("GET /api/v1/sales/summary"); requests no route matched are
  //! counted under route="unmatched".
  explicit RequestMetrics(std::vector<std::string> route_labels);
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  //! Counts one finished request. `route` is the route's index, or -1. Thread-safe.
  void Record(int route, int http_status, Micros latency);

  //! globalmart_http_requests_total{route,code}, globalmart_http_request_duration_seconds
  //! histogram {route}, globalmart_http_in_flight. Thread-safe.
  std::string Render() const;

  std::atomic<int64_t>& in_flight() { return in_flight_; }

 private:
  static constexpr std::array<int, 17> kCodes = {200, 204, 304, 400, 401, 403, 404, 405, 406,
                                                 409, 413, 415, 429, 500, 503, 504, 0};
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  struct Slot {
    std::array<std::atomic<int64_t>, kCodes.size()> by_code{};
    std::array<std::atomic<int64_t>, kBuckets.size()> buckets{};  // non-cumulative
    std::atomic<int64_t> count{0};
    std::atomic<int64_t> sum_micros{0};
  };
  std::vector<std::string> labels_;  // the last one is "unmatched"
  std::unique_ptr<Slot[]> slots_;
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace gm::server
