#include "server/internal/metrics.h"

#include <fmt/format.h>

namespace gm::server {

RequestMetrics::RequestMetrics(std::vector<std::string> route_labels)
    : labels_(std::move(route_labels)) {
  labels_.push_back("unmatched");
  slots_ = std::make_unique<Slot[]>(labels_.size());
}

void RequestMetrics::Record(int route, int http_status, Micros latency) {
  const size_t index = route < 0 || static_cast<size_t>(route) >= labels_.size() - 1
                           ? labels_.size() - 1
                           : static_cast<size_t>(route);
  Slot& s = slots_[index];
  size_t code = kCodes.size() - 1;  // 0 = "other"
  for (size_t i = 0; i + 1 < kCodes.size(); ++i) {
    if (kCodes[i] == http_status) {
      code = i;
      break;
    }
  }
  s.by_code[code].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(latency) / kMicrosPerSecond;
  for (size_t b = 0; b < kBuckets.size(); ++b) {
    if (seconds <= kBuckets[b]) {
      s.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_micros.fetch_add(latency, std::memory_order_relaxed);
}

std::string RequestMetrics::Render() const {
  std::string out;
  out +=
      "# HELP globalmart_http_requests_total HTTP requests answered, by route and status code.\n"
      "# TYPE globalmart_http_requests_total counter\n";
  for (size_t r = 0; r < labels_.size(); ++r) {
    for (size_t c = 0; c < kCodes.size(); ++c) {
      const int64_t n = slots_[r].by_code[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out +=
          fmt::format("globalmart_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", labels_[r],
                      kCodes[c] == 0 ? std::string("other") : std::to_string(kCodes[c]), n);
    }
  }
  out +=
      "# HELP globalmart_http_request_duration_seconds Time from a request's arrival to its "
      "response being handed to the socket, by route.\n"
      "# TYPE globalmart_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < labels_.size(); ++r) {
    const Slot& s = slots_[r];
    const int64_t count = s.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    int64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += s.buckets[b].load(std::memory_order_relaxed);
      out += fmt::format(
          "globalmart_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
          labels_[r], kBuckets[b], cumulative);
    }
    out += fmt::format(
        "globalmart_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
        labels_[r], count);
    out += fmt::format(
        "globalmart_http_request_duration_seconds_sum{{route=\"{}\"}} {:.6f}\n", labels_[r],
        static_cast<double>(s.sum_micros.load(std::memory_order_relaxed)) / kMicrosPerSecond);
    out += fmt::format("globalmart_http_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                       labels_[r], count);
  }
  out += fmt::format(
      "# HELP globalmart_http_in_flight Requests being handled now.\n"
      "# TYPE globalmart_http_in_flight gauge\nglobalmart_http_in_flight {}\n",
      in_flight_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace gm::server
