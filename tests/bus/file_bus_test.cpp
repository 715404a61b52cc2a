#include "bus/file_bus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gm::bus {
namespace {

using namespace std::chrono_literals;

class FileBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gm-file-bus-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  void WriteRaw(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }

  static std::string ReadRaw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  struct Line {
    int64_t offset;
    std::string payload;
  };

  // Reads the whole source, checking the fields every file message has.
  static std::vector<Line> ReadAll(Source& source, const std::string& path) {
    std::vector<Line> out;
    for (int polls = 0; polls < 100'000; ++polls) {
      Result<size_t> n = source.Poll(
          [&](const Message& m) {
            EXPECT_EQ(m.topic, path);
            EXPECT_EQ(m.partition, 0);
            EXPECT_TRUE(m.key.empty());
            EXPECT_FALSE(m.topic_is_schema);
            out.push_back({m.offset, std::string(m.payload)});
          },
          10ms);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      if (!n.ok() || (*n == 0 && source.AtEnd())) break;
    }
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(FileBusTest, SinkWritesOnePayloadPerLineAndSourceReadsThemBack) {
  const std::string path = PathOf("events.jsonl");
  {
    Result<std::unique_ptr<Sink>> sink = OpenFileSink(path);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE((*sink)->Send("transactions", "u1", R"({"event_type":"transactions"})", 1).ok());
    ASSERT_TRUE((*sink)->Send("cart_events", "u2", R"({"event_type":"cart_events"})", 2).ok());
    ASSERT_TRUE((*sink)->Flush(1s).ok());
    ASSERT_TRUE((*sink)->Send("product_views", "u3", "{}", 3).ok());
  }  // the destructor writes what is buffered
  EXPECT_EQ(ReadRaw(path),
            "{\"event_type\":\"transactions\"}\n{\"event_type\":\"cart_events\"}\n{}\n");

  Result<std::unique_ptr<Source>> source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  EXPECT_FALSE((*source)->AtEnd());
  std::vector<Line> lines = ReadAll(**source, path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].offset, 1);
  EXPECT_EQ(lines[0].payload, R"({"event_type":"transactions"})");
  EXPECT_EQ(lines[2].offset, 3);
  EXPECT_EQ(lines[2].payload, "{}");
  EXPECT_TRUE((*source)->AtEnd());
  EXPECT_TRUE((*source)->Commit({{path, 0, 4}}).ok());
}

TEST_F(FileBusTest, EmptyLinesAreSkippedButKeepTheirNumbers) {
  const std::string path = PathOf("gaps.jsonl");
  WriteRaw(path, "a\n\nb\r\n\r\n\n  c\nlast-without-newline");
  Result<std::unique_ptr<Source>> source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  std::vector<Line> lines = ReadAll(**source, path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].offset, 1);
  EXPECT_EQ(lines[0].payload, "a");
  EXPECT_EQ(lines[1].offset, 3);
  EXPECT_EQ(lines[1].payload, "b");  // CRLF line endings are accepted
  EXPECT_EQ(lines[2].offset, 6);
  EXPECT_EQ(lines[2].payload, "  c");
  EXPECT_EQ(lines[3].offset, 7);
  EXPECT_EQ(lines[3].payload, "last-without-newline");
}

TEST_F(FileBusTest, EmptyFileIsAtEndAfterTheFirstPoll) {
  const std::string path = PathOf("empty.jsonl");
  WriteRaw(path, "");
  Result<std::unique_ptr<Source>> source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  EXPECT_TRUE(ReadAll(**source, path).empty());
  EXPECT_TRUE((*source)->AtEnd());
}

TEST_F(FileBusTest, TenMegabyteLinesSurviveBothWays) {
  const std::string path = PathOf("big.jsonl");
  std::string big(10 * 1024 * 1024 + 123, 'x');
  big.front() = '{';
  big.back() = '}';
  std::string bigger(23 * 1024 * 1024, 'y');
  {
    auto sink = OpenFileSink(path);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Send("t", "", "small-1", 0).ok());
    ASSERT_TRUE((*sink)->Send("t", "", big, 0).ok());
    ASSERT_TRUE((*sink)->Send("t", "", "small-2", 0).ok());
    ASSERT_TRUE((*sink)->Send("t", "", bigger, 0).ok());
    ASSERT_TRUE((*sink)->Flush(1s).ok());
  }
  auto source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  std::vector<Line> lines = ReadAll(**source, path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].payload, "small-1");
  EXPECT_TRUE(lines[1].payload == big) << "10 MB line differs, size " << lines[1].payload.size();
  EXPECT_EQ(lines[2].payload, "small-2");
  EXPECT_EQ(lines[2].offset, 3);
  EXPECT_TRUE(lines[3].payload == bigger) << "23 MB line differs";
}

TEST_F(FileBusTest, ManyLinesAcrossReadBlocksKeepTheirNumbers) {
  const std::string path = PathOf("many.jsonl");
  std::string content;
  constexpr int kLines = 300'000;
  for (int i = 1; i <= kLines; ++i) {
    content += std::to_string(i);
    content.append(static_cast<size_t>(i % 41), '.');
    content += '\n';
  }
  WriteRaw(path, content);
  auto source = OpenFileSource(path);
  ASSERT_TRUE(source.ok());
  std::vector<Line> lines = ReadAll(**source, path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));
  for (int i = 1; i <= kLines; ++i) {
    const Line& l = lines[static_cast<size_t>(i - 1)];
    ASSERT_EQ(l.offset, i);
    ASSERT_EQ(l.payload, std::to_string(i) + std::string(static_cast<size_t>(i % 41), '.'));
  }
}

TEST_F(FileBusTest, StartLineResumesAfterTheLinesBeforeIt) {
  const std::string path = PathOf("resume.jsonl");
  WriteRaw(path, "1\n2\n\n4\n5\n");
  auto source = OpenFileSource(path, 3);
  ASSERT_TRUE(source.ok());
  std::vector<Line> lines = ReadAll(**source, path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].offset, 4);
  EXPECT_EQ(lines[0].payload, "4");
  EXPECT_EQ(lines[1].offset, 5);

  auto past_the_end = OpenFileSource(path, 100);
  ASSERT_TRUE(past_the_end.ok());
  EXPECT_TRUE(ReadAll(**past_the_end, path).empty());
  EXPECT_TRUE((*past_the_end)->AtEnd());
}

TEST_F(FileBusTest, MissingFilesAndBadPathsAreErrors) {
  Result<std::unique_ptr<Source>> missing = OpenFileSource(PathOf("nope.jsonl"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.jsonl"), std::string::npos);

  Result<std::unique_ptr<Source>> folder = OpenFileSource(dir_.string());
  EXPECT_EQ(folder.status().code(), ErrorCode::kInvalidArgument);

  Result<std::unique_ptr<Sink>> unwritable = OpenFileSink(PathOf("no/such/folder/x.jsonl"));
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.status().message().find("x.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace gm::bus
