// The bus names the shop topics without depending on events/; both lists must agree.
#include <gtest/gtest.h>

#include "bus/sink_spec.h"
#include "events/event.h"

namespace gm::bus {
namespace {

TEST(ShopTopicsTest, MatchTheEventContractsTopicNames) {
  std::vector<std::string> expected;
  for (events::Topic t : events::kAllTopics) expected.emplace_back(events::TopicName(t));
  std::vector<std::string> actual;
  for (const auto& name : ShopTopics()) actual.emplace_back(name);
  EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace gm::bus
