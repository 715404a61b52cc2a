#include "bus/file_bus.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "common/logging.h"

namespace gm::bus {
namespace {

//! Bytes a FileSink gathers before one write(2).
constexpr size_t kWriteBuffer = 1 << 20;
//! Initial read buffer of a FileSource; it doubles while a single line does not fit.
constexpr size_t kReadBuffer = 4 << 20;
//! A Poll returns after this many lines or bytes so callers see progress regularly.
constexpr size_t kMaxPollLines = 8192;
constexpr size_t kMaxPollBytes = 8 << 20;

std::string ErrnoText(int err) { return std::strerror(err); }

//! Writes all of `iov` (retrying short writes and EINTR); returns errno or 0.
int WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    auto left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

class FileSink final : public Sink {
 public:
  FileSink(int fd, bool owns_fd, std::string path)
      : fd_(fd), owns_fd_(owns_fd), path_(std::move(path)) {
    buffer_.reserve(kWriteBuffer);
  }

  ~FileSink() override {
    if (error_.ok() && !buffer_.empty()) {
      Status s = WriteBuffer();
      if (!s.ok()) Logger("bus")->error("{}", s.message());
    }
    if (owns_fd_) ::close(fd_);
  }

  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  Status Send(std::string_view, std::string_view, std::string_view payload, Micros) override {
    if (!error_.ok()) return error_;
    if (buffer_.size() + payload.size() + 1 > kWriteBuffer) {
      if (Status s = WriteBuffer(); !s.ok()) return s;
    }
    if (payload.size() + 1 > kWriteBuffer) {
      // Too big to buffer: write it straight through, newline included.
      iovec iov[2] = {{const_cast<char*>(payload.data()), payload.size()},
                      {const_cast<char*>("\n"), 1}};
      if (int err = WriteAll(fd_, iov, 2); err != 0) return Fail(err);
      return Status::Ok();
    }
    buffer_.append(payload);
    buffer_.push_back('\n');
    return Status::Ok();
  }

  //! Writes the buffer and fsyncs regular files (pipes and terminals have nothing to sync).
  Status Flush(std::chrono::milliseconds) override {
    if (!error_.ok()) return error_;
    if (Status s = WriteBuffer(); !s.ok()) return s;
    if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP) {
      return Fail(errno);
    }
    return Status::Ok();
  }

 private:
  Status WriteBuffer() {
    if (buffer_.empty()) return Status::Ok();
    iovec iov{buffer_.data(), buffer_.size()};
    int err = WriteAll(fd_, &iov, 1);
    buffer_.clear();
    return err == 0 ? Status::Ok() : Fail(err);
  }

  // Errors are sticky: after a failed write the file's content is unknown.
  Status Fail(int err) {
    error_ = Unavailable("cannot write to '" + path_ + "': " + ErrnoText(err));
    return error_;
  }

  const int fd_;
  const bool owns_fd_;
  const std::string path_;
  std::string buffer_;
  Status error_;
};

class FileSource final : public Source {
 public:
  FileSource(int fd, bool owns_fd, std::string path, int64_t start_line)
      : fd_(fd),
        owns_fd_(owns_fd),
        path_(std::move(path)),
        start_line_(start_line),
        buffer_(kReadBuffer) {}

  ~FileSource() override {
    if (owns_fd_) ::close(fd_);
  }

  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  //! Reads ahead without waiting: a file has no "later", so `timeout` is not used.
  Result<size_t> Poll(const MessageHandler& handler, std::chrono::milliseconds) override {
    size_t delivered = 0;
    size_t bytes = 0;
    std::string_view line;
    while (delivered < kMaxPollLines && bytes < kMaxPollBytes) {
      Result<bool> got = NextLine(&line);
      if (!got.ok()) return got.status();
      if (!*got) break;
      ++line_number_;
      if (line_number_ < start_line_) continue;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
      if (line.empty()) continue;
      Message m;
      m.topic = path_;
      m.partition = 0;
      m.offset = line_number_;
      m.payload = line;
      m.topic_is_schema = false;
      handler(m);
      ++delivered;
      bytes += line.size();
    }
    return delivered;
  }

  bool AtEnd() const override { return eof_ && begin_ == end_; }

  Status Commit(const std::vector<PartitionOffset>&) override { return Status::Ok(); }

 private:
  // Sets *line to the next line without its '\n' (the last line may lack one); false at
  // end of file. The view is valid until the next call.
  Result<bool> NextLine(std::string_view* line) {
    for (;;) {
      char* base = buffer_.data();
      if (scan_ < end_) {
        if (auto* nl = static_cast<char*>(std::memchr(base + scan_, '\n', end_ - scan_))) {
          size_t stop = static_cast<size_t>(nl - base);
          *line = std::string_view(base + begin_, stop - begin_);
          begin_ = scan_ = stop + 1;
          return true;
        }
        scan_ = end_;  // never rescan bytes already known to hold no newline
      }
      if (eof_) {
        if (begin_ == end_) return false;
        *line = std::string_view(base + begin_, end_ - begin_);
        begin_ = scan_ = end_;
        return true;
      }
      if (Status s = Refill(); !s.ok()) return s;
    }
  }

  // Moves the unfinished line to the front, grows the buffer if that line fills it, and
  // reads as much as fits.
  Status Refill() {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    for (;;) {
      ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Unavailable("cannot read '" + path_ + "': " + ErrnoText(errno));
      if (n == 0) eof_ = true;
      end_ += static_cast<size_t>(n);
      return Status::Ok();
    }
  }

  const int fd_;
  const bool owns_fd_;
  const std::string path_;
  const int64_t start_line_;
  std::vector<char> buffer_;
  size_t begin_ = 0;  //!< start of the first unread line in buffer_
  size_t scan_ = 0;   //!< bytes before this (from begin_) hold no '\n'
  size_t end_ = 0;    //!< end of the bytes read into buffer_
  bool eof_ = false;
  int64_t line_number_ = 0;  //!< of the last line returned by NextLine
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenFileSink(const std::string& path) {
  if (path.empty()) return InvalidArgument("file sink: empty path");
  if (path == "-")
    return std::unique_ptr<Sink>(std::make_unique<FileSink>(STDOUT_FILENO, false, "<stdout>"));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("cannot create '" + path + "': " + ErrnoText(errno));
  return std::unique_ptr<Sink>(std::make_unique<FileSink>(fd, true, path));
}

Result<std::unique_ptr<Source>> OpenFileSource(const std::string& path, int64_t start_line) {
  if (path.empty()) return InvalidArgument("file source: empty path");
  if (path == "-") {
    return std::unique_ptr<Source>(
        std::make_unique<FileSource>(STDIN_FILENO, false, "-", start_line));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = "cannot open '" + path + "': " + ErrnoText(err);
    return err == ENOENT ? Status(ErrorCode::kNotFound, message) : Unavailable(message);
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("'" + path + "' is a folder, not a JSONL file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<Source>(std::make_unique<FileSource>(fd, true, path, start_line));
}

}  // namespace gm::bus
