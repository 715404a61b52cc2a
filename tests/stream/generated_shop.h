#pragma once

// The generator's events and catalog in process, for tests and benchmarks that feed the
// stream engine without files or a database (bench/stream_core_bench.cpp,
// tests/stream/engine_source_test.cpp). Header-only; aborts when the generator fails.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/config.h"
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

//! Adds the catalog `config` generates — products with their categories, prices and stock,
//! customers with their home countries — as `catalog load` would put it in the database.
inline void LoadCatalog(const GeneratorConfig& config, CatalogLookup& catalog) {
  const generator::Catalog products(config.products, config.seed);
  const auto categories = generator::Catalog::categories();
  for (int64_t i = 0; i < products.size(); ++i) {
    const generator::Product& p = products.product(i);
    catalog.AddProduct(p.id, std::string(categories[static_cast<size_t>(p.category)].name),
                       p.price, p.initial_stock);
  }
  const generator::Customers customers(config.customers, config.seed, *config.start);
  const auto countries = generator::Customers::countries();
  for (int64_t i = 0; i < customers.size(); ++i) {
    const generator::Customer c = customers.Get(i);
    catalog.AddCustomer(c.user_id, std::string(countries[static_cast<size_t>(c.country)].name));
  }
}

}  // namespace gm::stream::testing
