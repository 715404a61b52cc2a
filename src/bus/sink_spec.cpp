#include "bus/sink_spec.h"

#include <string>

#include "bus/file_bus.h"
#include "bus/kafka_bus.h"
#include "bus/null_sink.h"

namespace gm::bus {

const std::vector<std::string>& ShopTopics() {
  // The same names as events::TopicName; spelled out because bus/ sits below events/.
  static const std::vector<std::string> kTopics = {"transactions", "product_views", "cart_events",
                                                   "inventory_updates"};
  return kTopics;
}

std::string StockChangesTopic(std::string_view group_id) {
  return std::string(group_id) + "-stock_changes";
}

Result<std::unique_ptr<Sink>> OpenSinkBySpec(std::string_view spec, const Config& config) {
  if (spec == "null") return std::unique_ptr<Sink>(std::make_unique<NullSink>());
  if (spec.substr(0, 5) == "file:") {
    std::string path(spec.substr(5));
    if (path.empty()) return InvalidArgument("--to file:PATH needs a path (file:- for stdout)");
    return OpenFileSink(path);
  }
  if (spec == "kafka") {
    if (Status s = EnsureTopics(config.kafka, ShopTopics(), config.bus.partitions); !s.ok()) {
      return s;
    }
    return OpenKafkaSink(config.kafka);
  }
  return InvalidArgument("unknown sink '" + std::string(spec) +
                         "': expected null, file:PATH or kafka");
}

}  // namespace gm::bus
