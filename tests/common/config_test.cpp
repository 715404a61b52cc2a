#include "common/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace gm {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gm_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& text) {
    std::string path = (dir_ / "globalmart.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsWhenNothingIsGiven) {
  ConfigSources sources;
  sources.file = WriteFile("");
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.generator.rate, 500);
  EXPECT_EQ(loaded->config.generator.customers, 1'000'000);
  EXPECT_EQ(loaded->config.bus.partitions, 6);
  EXPECT_EQ(loaded->origins.at("generator.rate"), ConfigOrigin::kDefault);
}

TEST_F(ConfigTest, PrecedenceIsFlagOverEnvOverFileOverDefault) {
  ConfigSources sources;
  sources.file =
      WriteFile("[generator]\nrate = 100\nseed = 7\ncustomers = 1_000\n[bus]\npartitions = 3\n");
  sources.environment = {"GLOBALMART_GENERATOR_RATE=200", "GLOBALMART_GENERATOR_SEED=8",
                         "PATH=/usr/bin"};
  sources.flags = {{"generator.rate", "300"}};
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = loaded->config;
  EXPECT_EQ(c.generator.rate, 300);              // flag
  EXPECT_EQ(c.generator.seed, 8u);               // env
  EXPECT_EQ(c.generator.customers, 1000);        // file
  EXPECT_EQ(c.bus.partitions, 3);                // file
  EXPECT_EQ(c.kafka.brokers, "127.0.0.1:9092");  // default
  EXPECT_EQ(loaded->origins.at("generator.rate"), ConfigOrigin::kFlag);
  EXPECT_EQ(loaded->origins.at("generator.seed"), ConfigOrigin::kEnv);
  EXPECT_EQ(loaded->origins.at("generator.customers"), ConfigOrigin::kFile);
}

TEST_F(ConfigTest, ErrorsNameTheOffendingKeyAndValue) {
  struct Case {
    std::string file;
    std::vector<std::string> env;
    std::vector<std::pair<std::string, std::string>> flags;
    std::string must_mention;
  } cases[] = {
      {"[generator]\nrat = 5\n", {}, {}, "generator.rat"},
      {"[generator]\nrate = -5\n", {}, {}, "generator.rate"},
      {"[generator]\nprofile = \"fancy\"\n", {}, {}, "fancy"},
      {"", {"GLOBALMART_GENERATOR_RATEX=1"}, {}, "GLOBALMART_GENERATOR_RATEX"},
      {"", {"GLOBALMART_BUS_PARTITIONS=zero"}, {}, "bus.partitions"},
      {"", {}, {{"generator.start", "yesterday"}}, "yesterday"},
      {"", {}, {{"kafka.connect_timeout", "10"}}, "kafka.connect_timeout"},
      {"", {}, {{"no.such_key", "1"}}, "no.such_key"},
      {"[generator\n", {}, {}, "globalmart.toml"},
  };
  for (const Case& c : cases) {
    ConfigSources sources;
    sources.file = WriteFile(c.file);
    sources.environment = c.env;
    sources.flags = c.flags;
    Result<LoadedConfig> loaded = LoadConfig(sources);
    ASSERT_FALSE(loaded.ok()) << c.must_mention;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(loaded.status().message().find(c.must_mention), std::string::npos)
        << loaded.status().message();
  }
}

TEST_F(ConfigTest, MissingExplicitFileIsAnError) {
  ConfigSources sources;
  sources.file = (dir_ / "nope.toml").string();
  EXPECT_FALSE(LoadConfig(sources).ok());
}

TEST_F(ConfigTest, KafkaPropertiesPassThrough) {
  ConfigSources sources;
  sources.file = WriteFile(
      "[kafka.properties]\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanism\" = \"PLAIN\"\n");
  sources.flags = {{"kafka.properties.linger.ms", "20"}};
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const auto& props = loaded->config.kafka.properties;
  EXPECT_EQ(props.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(props.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(props.at("linger.ms"), "20");
}

TEST_F(ConfigTest, RateMaxAndStartNow) {
  ConfigSources sources;
  sources.file = WriteFile("");
  sources.flags = {{"generator.rate", "max"}, {"generator.start", "2024-01-15T10:30:00Z"}};
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.generator.rate, 0);
  ASSERT_TRUE(loaded->config.generator.start.has_value());
  EXPECT_EQ(FormatTimestamp(*loaded->config.generator.start), "2024-01-15T10:30:00.000Z");
}

TEST_F(ConfigTest, RenderedConfigLoadsBackToTheSameValues) {
  ConfigSources sources;
  sources.file = WriteFile("");
  sources.flags = {{"generator.rate", "max"}, {"generator.seed", "99"}, {"log.level", "debug"}};
  Result<LoadedConfig> first = LoadConfig(sources);
  ASSERT_TRUE(first.ok());
  ConfigSources again;
  again.file = WriteFile(RenderConfig(*first));
  Result<LoadedConfig> second = LoadConfig(again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->config.generator.rate, 0);
  EXPECT_EQ(second->config.generator.seed, 99u);
  EXPECT_EQ(second->config.log.level, "debug");
  EXPECT_EQ(second->config.kafka.connect_timeout, first->config.kafka.connect_timeout);
  EXPECT_EQ(second->origins.at("generator.seed"), ConfigOrigin::kFile);
}

// The enabled processors as "sales,archive" (written out here, not with the property's getter).
std::string Enabled(const StreamProcessors& p) {
  std::string out;
  auto add = [&out](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : ",") + std::string(name);
  };
  add(p.sales, "sales");
  add(p.anomalies, "anomalies");
  add(p.archive, "archive");
  add(p.sessions, "sessions");
  add(p.inventory, "inventory");
  return out;
}

TEST_F(ConfigTest, StreamProcessorsDefaultToAllFive) {
  ConfigSources sources;
  sources.file = WriteFile("");
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(Enabled(loaded->config.stream.processors),
            "sales,anomalies,archive,sessions,inventory");
  EXPECT_EQ(loaded->origins.at("stream.processors"), ConfigOrigin::kDefault);
  EXPECT_NE(
      RenderConfig(*loaded).find("processors = \"sales,anomalies,archive,sessions,inventory\""),
      std::string::npos);
}

TEST_F(ConfigTest, StreamProcessorsEnableExactlyThoseNamed) {
  struct Case {
    std::string value;
    std::string enabled;
  } cases[] = {
      {"sales, archive", "sales,archive"},
      {"all", "sales,anomalies,archive,sessions,inventory"},
      {" all ", "sales,anomalies,archive,sessions,inventory"},
      {"anomalies", "anomalies"},
      {"inventory,sessions", "sessions,inventory"},
      {"archive,sales,archive", "sales,archive"},
      {"sessions , ,sales", "sales,sessions"},
  };
  for (const Case& c : cases) {
    ConfigSources sources;
    sources.file = WriteFile("");
    sources.flags = {{"stream.processors", c.value}};
    Result<LoadedConfig> loaded = LoadConfig(sources);
    ASSERT_TRUE(loaded.ok()) << c.value << ": " << loaded.status().ToString();
    EXPECT_EQ(Enabled(loaded->config.stream.processors), c.enabled) << c.value;
  }
}

TEST_F(ConfigTest, StreamProcessorsFromFileAndEnvironment) {
  ConfigSources sources;
  sources.file = WriteFile("[stream]\nprocessors = \"anomalies\"\n");
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(Enabled(loaded->config.stream.processors), "anomalies");
  EXPECT_EQ(loaded->origins.at("stream.processors"), ConfigOrigin::kFile);

  sources.environment = {"GLOBALMART_STREAM_PROCESSORS=sales,sessions"};
  loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(Enabled(loaded->config.stream.processors), "sales,sessions");
  EXPECT_EQ(loaded->origins.at("stream.processors"), ConfigOrigin::kEnv);
}

TEST_F(ConfigTest, StreamProcessorsRejectUnknownNamesEmptyListsAndInventoryAlone) {
  struct Case {
    std::string value;
    std::string must_mention;
  } cases[] = {
      {"sales,fraud", "unknown processor 'fraud'"}, {"Sales", "unknown processor 'Sales'"},
      {"none", "unknown processor 'none'"},         {"", "name at least one processor"},
      {" , ", "name at least one processor"},       {"inventory,sales", "inventory needs sessions"},
      {"inventory", "inventory needs sessions"},
  };
  for (const Case& c : cases) {
    ConfigSources sources;
    sources.file = WriteFile("");
    sources.flags = {{"stream.processors", c.value}};
    Result<LoadedConfig> loaded = LoadConfig(sources);
    ASSERT_FALSE(loaded.ok()) << c.value;
    EXPECT_EQ(loaded.status().code(), ErrorCode::kInvalidArgument);
    std::string message = loaded.status().message();
    EXPECT_NE(message.find("invalid value '" + c.value + "' for stream.processors"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.must_mention), std::string::npos) << message;
  }
}

TEST_F(ConfigTest, StreamProcessorsRenderedConfigLoadsBack) {
  ConfigSources sources;
  sources.file = WriteFile("");
  sources.flags = {{"stream.processors", "inventory, sessions,sales"}};
  Result<LoadedConfig> first = LoadConfig(sources);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string rendered = RenderConfig(*first);
  EXPECT_NE(rendered.find("processors = \"sales,sessions,inventory\""), std::string::npos)
      << rendered;
  ConfigSources again;
  again.file = WriteFile(rendered);
  Result<LoadedConfig> second = LoadConfig(again);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->config.stream.processors, first->config.stream.processors);
  EXPECT_EQ(Enabled(second->config.stream.processors), "sales,sessions,inventory");
}

}  // namespace
}  // namespace gm

namespace gm {
namespace {

// The shipped config/globalmart.toml documents every key with its default value.
TEST(ShippedConfigTest, LoadsAndEqualsTheDefaults) {
  ConfigSources sources;
  sources.file = std::string(GM_SOURCE_DIR) + "/config/globalmart.toml";
  Result<LoadedConfig> shipped = LoadConfig(sources);
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  for (const auto& [key, origin] : shipped->origins) {
    EXPECT_EQ(origin, ConfigOrigin::kFile) << key << " is not documented in the shipped file";
  }
  LoadedConfig defaults;
  std::string a = RenderConfig(*shipped), b = RenderConfig(defaults);
  // Same values: compare the renderings with the origin comments stripped.
  auto values = [](const std::string& text) {
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      std::string line = text.substr(pos, end - pos);
      if (!line.starts_with("#")) out += line.substr(0, line.find("  #")) + "\n";
      pos = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
  };
  EXPECT_EQ(values(a), values(b));
}

}  // namespace
}  // namespace gm

namespace gm {
namespace {

TEST(RedactUrlTest, HidesPasswords) {
  EXPECT_EQ(RedactUrl("postgresql://gm:s3cret@db:5432/x"), "postgresql://gm:***@db:5432/x");
  EXPECT_EQ(RedactUrl("host=db password=s3cret user=gm"), "host=db password=*** user=gm");
  EXPECT_EQ(RedactUrl("postgresql://db/x?user=gm&password=s3cret"),
            "postgresql://db/x?user=gm&password=***");
  EXPECT_EQ(RedactUrl("postgresql://gm@db/x"), "postgresql://gm@db/x");
}

TEST(PgUrlAliasTest, GlobalmartPgUrlSetsStoreUrlUnlessStoreUrlIsGiven) {
  ConfigSources sources;
  sources.file = "/nonexistent-dir-gm/none.toml";
  sources.file.clear();
  sources.environment = {"GLOBALMART_PG_URL=postgresql://a@b/c"};
  Result<LoadedConfig> loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.store.url, "postgresql://a@b/c");
  sources.environment.push_back("GLOBALMART_STORE_URL=postgresql://x@y/z");
  loaded = LoadConfig(sources);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->config.store.url, "postgresql://x@y/z");
}

}  // namespace
}  // namespace gm
