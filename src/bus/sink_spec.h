#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "common/config.h"

namespace gm::bus {

//! Opens the sink a `--to` flag names: `null`, `file:PATH` (JSONL; `file:-` = stdout) or
//! `kafka` (kafka.brokers; missing shop topics are created with bus.partitions partitions,
//! see EnsureTopics). InvalidArgument for any other spec, naming it; Unavailable/Timeout
//! from the Kafka bus when the cluster cannot be reached or cannot create the topics.
Result<std::unique_ptr<Sink>> OpenSinkBySpec(std::string_view spec, const Config& config);

//! The four shop topics in DESIGN.md §5 order: transactions, product_views, cart_events,
//! inventory_updates (the names events::TopicName gives; bus/ cannot depend on events/).
const std::vector<std::string>& ShopTopics();

//! The stream engine's internal re-partition topic of consumer group `group_id` (stock
//! changes keyed by product, DESIGN.md §6 Scale-out): "<group_id>-stock_changes", like Kafka
//! Streams' "<application.id>-…-repartition", so groups sharing a cluster never read each
//! other's records. Without kafka.topic_prefix (the bus prepends it). It has bus.partitions
//! partitions, co-partitioned with the user-keyed topics.
std::string StockChangesTopic(std::string_view group_id);

}  // namespace gm::bus
