#include "store/database.h"

#include "common/logging.h"

namespace gm::store {

EmbeddedPostgresOptions EmbeddedOptionsFor(const StoreConfig& config) {
  EmbeddedPostgresOptions options;
  options.data_dir = config.data_dir;
  options.port = config.port;
  return options;
}

std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() &&
      arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "-_./:=@%+,") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Database::Database(StoreConfig config) : config_(std::move(config)) {}

Database::~Database() { Stop(); }

Status Database::Start() {
  if (pool_ != nullptr) return Status::Ok();
  if (config_.url.empty()) {
    embedded_ = std::make_unique<EmbeddedPostgres>(EmbeddedOptionsFor(config_));
    Status s = embedded_->Start();
    if (!s.ok()) {
      embedded_.reset();
      return s;
    }
    url_ = embedded_->Url();
  } else {
    url_ = config_.url;
  }
  PoolOptions options;
  options.url = url_;
  options.size = config_.pool_size;
  options.connect_timeout = config_.connect_timeout;
  pool_ = std::make_unique<ConnectionPool>(options);
  // Fail early, with the server's reason, rather than at the first query.
  Result<ConnectionPool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) {
    pool_.reset();
    embedded_.reset();
    return lease.status();
  }
  return Status::Ok();
}

void Database::Stop() {
  pool_.reset();
  if (embedded_ != nullptr) {
    if (!server_detached_) {
      Status s = embedded_->Stop();
      if (!s.ok()) Logger("store")->error("{}", s.message());
    }
    embedded_.reset();
  }
}

void Database::DetachServer() {
  server_detached_ = true;
  if (embedded_ != nullptr) embedded_->Detach();
}

std::string Database::DisplayUrl() const { return RedactUrl(url_); }

std::string Database::PsqlCommand(bool reveal_password) const {
  if (embedded_ != nullptr && !embedded_->socket_dir().empty()) {
    return "psql -h " + ShellQuote(embedded_->socket_dir()) + " -p " +
           std::to_string(embedded_->port()) + " -U " + ShellQuote(embedded_->user()) + " " +
           ShellQuote(embedded_->database());
  }
  return "psql " + ShellQuote(reveal_password ? url_ : RedactUrl(url_));
}

}  // namespace gm::store
