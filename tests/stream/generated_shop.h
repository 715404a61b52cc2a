#pragma once

// The generator's events and catalog in process, and a source of decoded events, for tests
// and benchmarks that feed the stream engine without files or a database
// (bench/stream_core_bench.cpp, tests/stream/engine_source_test.cpp). Header-only; aborts when the
// generator fails.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/config.h"
#include "common/prefetch.h"
#include "events/codec.h"
#include "generator/catalog.h"
#include "generator/customers.h"
#include "generator/generator.h"
#include "stream/catalog_lookup.h"

namespace gm::stream::testing {

struct GeneratedShop {
  std::vector<std::string> lines;     //!< as `generate --to file:` writes them (no '\n'), if kept
  std::vector<events::Event> events;  //!< the same, decoded as `stream` decodes them
};

//! Runs the generator with `config` (set `count`); keeps the JSON lines too when `keep_lines`.
inline GeneratedShop Generate(const GeneratorConfig& config, bool keep_lines) {
  class Collector final : public bus::Sink {
   public:
    Collector(GeneratedShop& out, bool keep_lines) : out_(out), keep_lines_(keep_lines) {}
    Status Send(std::string_view topic, std::string_view, std::string_view payload,
                Micros) override {
      if (keep_lines_) out_.lines.emplace_back(payload);
      return decoder_.Decode(events::TopicFromName(topic), payload, out_.events.emplace_back());
    }
    Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }

   private:
    GeneratedShop& out_;
    const bool keep_lines_;
    events::Decoder decoder_{events::kDefaultMaxMessageBytes};
  };
  GeneratedShop shop;
  shop.events.reserve(static_cast<size_t>(config.count));
  Collector sink(shop, keep_lines);
  if (Result<generator::GeneratorStats> r = generator::RunGenerator(config, sink); !r.ok()) {
    std::fprintf(stderr, "generator: %s\n", r.status().message().c_str());
    std::abort();
  }
  return shop;
}

//! One partition of decoded events (bus::Message::event), handed out in order as a file
//! source hands out lines, for Engine::RunSource. The engine takes the events' contents.
class DecodedSource final : public bus::Source {
 public:
  struct Options {
    size_t max_per_poll = 8192;
    //! Load each event a few messages before handing it out, as if a decoder had just
    //! written it (for benchmarks: events of a big array are otherwise a wait for memory
    //! on first touch, which the decoding path does not have).
    bool load_ahead = false;
  };
  DecodedSource(std::vector<events::Event>& events, Options options)
      : events_(events), options_(options) {}

  Result<size_t> Poll(const bus::MessageHandler& handler, std::chrono::milliseconds) override {
    size_t delivered = 0;
    for (; next_ < events_.size() && delivered < options_.max_per_poll; ++next_, ++delivered) {
      if (options_.load_ahead) LoadAhead();
      bus::Message m;
      m.topic = "decoded";
      m.offset = static_cast<int64_t>(next_) + 1;
      m.topic_is_schema = false;
      m.event = &events_[next_];
      handler(m);
    }
    return delivered;
  }
  bool AtEnd() const override { return next_ == events_.size(); }
  Status Commit(const std::vector<bus::PartitionOffset>&) override { return Status::Ok(); }

 private:
  // The topic of the event 16 ahead, then (known by then) the first 192 bytes of the active
  // member of the event 8 ahead: its ids, key and time.
  void LoadAhead() const {
    if (next_ + 16 < events_.size()) PrefetchForRead(&events_[next_ + 16].topic);
    if (next_ + 8 >= events_.size()) return;
    const events::Event& e = events_[next_ + 8];
    const void* member = &e.transaction;
    switch (e.topic) {
      case events::Topic::kTransactions:
        break;
      case events::Topic::kProductViews:
        member = &e.view;
        break;
      case events::Topic::kCartEvents:
        member = &e.cart;
        break;
      case events::Topic::kInventoryUpdates:
        member = &e.inventory;
        break;
    }
    for (int line = 0; line < 3; ++line) {
      PrefetchForRead(static_cast<const char*>(member) + 64 * line);
    }
  }

  std::vector<events::Event>& events_;
  const Options options_;
  size_t next_ = 0;
};

//! Adds the catalog `config` generates — products with their categories, prices and stock,
//! customers with their home countries — as `catalog load` would put it in the database.
inline void LoadCatalog(const GeneratorConfig& config, CatalogLookup& catalog) {
  const generator::Catalog products(config.products, config.seed);
  const auto categories = generator::Catalog::categories();
  for (int64_t i = 0; i < products.size(); ++i) {
    const generator::Product& p = products.product(i);
    catalog.AddProduct(p.id, std::string(categories[static_cast<size_t>(p.category)].name), p.price,
                       p.initial_stock);
  }
  const generator::Customers customers(config.customers, config.seed, *config.start);
  const auto countries = generator::Customers::countries();
  for (int64_t i = 0; i < customers.size(); ++i) {
    const generator::Customer c = customers.Get(i);
    catalog.AddCustomer(c.user_id, std::string(countries[static_cast<size_t>(c.country)].name));
  }
}

}  // namespace gm::stream::testing
