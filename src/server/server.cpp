// RESTinio glue: converts requests to server::Request, runs the gate and the route's
// handler on a worker thread, writes the Response (plain, gzipped, chunked or an event
// stream), and logs and measures every request.
#include "server/server.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <future>
#include <restinio/all.hpp>
#include <restinio/transforms/zlib.hpp>
#include <thread>

#include "common/logging.h"
#include "server/explorer/runner.h"
#include "server/internal/api.h"
#include "server/problem.h"
#include "server/security_gate.h"
#include "store/pool.h"

namespace gm::server {
namespace {

struct ServerTraits : public restinio::default_traits_t {
  //! Caps open connections at server.max_connections.
  static constexpr bool use_connection_count_limiter = true;
};
using RestServer = restinio::http_server_t<ServerTraits>;
using Runner = restinio::on_pool_runner_t<RestServer>;

std::chrono::steady_clock::duration Chrono(Micros d) { return std::chrono::microseconds(d); }

bool AcceptsGzip(const Request& req) {
  return req.Header("accept-encoding").find("gzip") != std::string_view::npos;
}

void RaiseFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// An SSE stream over a chunked response. The builder is used by one thread at a time (the
// live feed's), and its writes are posted to the connection's strand by RESTinio.
class ChunkedSink final : public EventSink {
 public:
  using Builder = restinio::response_builder_t<restinio::chunked_output_t>;
  explicit ChunkedSink(Builder builder)
      : builder_(std::move(builder)), alive_(std::make_shared<std::atomic<bool>>(true)) {}
  ~ChunkedSink() override { Close(); }

  bool Send(std::string data) override {
    if (closed_ || !alive_->load()) return false;
    builder_.append_chunk(std::move(data));
    builder_.flush([alive = alive_](const asio::error_code& ec) {
      if (ec) alive->store(false);
    });
    return true;
  }
  void Close() override {
    if (closed_) return;
    closed_ = true;
    builder_.done();
  }

 private:
  Builder builder_;
  std::shared_ptr<std::atomic<bool>> alive_;
  bool closed_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerConfig config, std::string db_url, const Clock& clock)
      : config_(std::move(config)),
        db_url_(db_url),
        clock_(clock),
        reader_(config_, db_url),
        cache_(clock, config_.cache_ttl),
        live_(reader_, clock, std::max<Micros>(config_.cache_ttl, 100 * kMicrosPerMilli)),
        ctx_{config_, reader_, nullptr, live_, cache_, clock},
        log_(Logger("http")) {
    AddSalesRoutes(router_, ctx_);
    AddAnomalyRoutes(router_, ctx_);
    AddIngestionRoutes(router_, ctx_);
    AddDeadLetterRoutes(router_, ctx_);
    AddSessionRoutes(router_, ctx_);
    AddInventoryRoutes(router_, ctx_);
    AddLiveRoutes(router_, ctx_);
    AddOperationsRoutes(router_, ctx_);
    AddWebRoutes(router_, ctx_);
  }

  ~Impl() { Stop(); }

  Status Start() {
    std::vector<std::string> labels;
    for (const Route& r : router_.routes()) labels.push_back(r.method + " " + r.path);
    metrics_ = std::make_unique<RequestMetrics>(std::move(labels));
    ctx_.metrics = metrics_.get();
    RaiseFileLimit();
    const size_t threads = config_.threads > 0
                               ? static_cast<size_t>(config_.threads)
                               : std::max<size_t>(1, std::thread::hardware_concurrency());
    // Bodies up to max_body_bytes reach the handler; larger ones up to 4× that are read
    // and answered 413; beyond that the parser stops and the connection is closed.
    const uint64_t body_cap =
        std::max<uint64_t>(4ull * static_cast<uint64_t>(config_.max_body_bytes), 64 * 1024);
    auto settings =
        restinio::server_settings_t<ServerTraits>{}
            .address(config_.address)
            .port(static_cast<uint16_t>(config_.port))
            .request_handler([this](restinio::request_handle_t req) { return Handle(req); })
            .read_next_http_message_timelimit(Chrono(config_.idle_timeout))
            .write_http_response_timelimit(Chrono(config_.write_timeout))
            .handle_request_timeout(Chrono(config_.write_timeout))
            .max_pipelined_requests(4)
            .concurrent_accepts_count(threads)
            .separate_accept_and_create_connect(true)
            .max_parallel_connections(static_cast<size_t>(config_.max_connections))
            .incoming_http_msg_limits(
                restinio::incoming_http_msg_limits_t{}
                    .max_url_size(static_cast<size_t>(config_.max_url_bytes))
                    .max_field_name_size(256)
                    .max_field_value_size(static_cast<size_t>(config_.max_header_bytes))
                    .max_field_count(static_cast<size_t>(config_.max_headers))
                    .max_body_size(body_cap));
    server_ = std::make_unique<RestServer>(restinio::own_io_context(), std::move(settings));
    runner_ = std::make_unique<Runner>(threads, *server_);
    std::promise<std::string> opened;
    runner_->start([&opened]() noexcept { opened.set_value(""); },
                   [&opened](std::exception_ptr ex) noexcept {
                     try {
                       std::rethrow_exception(ex);
                     } catch (const std::exception& e) {
                       opened.set_value(e.what());
                     } catch (...) {
                       opened.set_value("unknown error");
                     }
                   });
    const std::string error = opened.get_future().get();
    if (!error.empty()) {
      runner_->wait();
      runner_.reset();
      server_.reset();
      return Unavailable("cannot listen on " + config_.address + ":" +
                         std::to_string(config_.port) + ": " + error);
    }
    live_.Start();
    log_->info("HTTP server on {} ({} threads, up to {} connections)", Url(), threads,
               config_.max_connections);
    return Status::Ok();
  }

  void Stop() {
    if (runner_ == nullptr || stopped_.exchange(true)) return;
    draining_.store(true);
    live_.Stop();
    const auto deadline = std::chrono::steady_clock::now() + Chrono(config_.shutdown_timeout);
    while (metrics_->in_flight().load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (metrics_->in_flight().load() > 0) {
      log_->warn("stopping with {} requests still in flight", metrics_->in_flight().load());
    }
    runner_->stop();
    runner_->wait();
    runner_.reset();
    server_.reset();
    log_->info("HTTP server stopped");
  }

  std::string Url() const {
    return "http://" + config_.address + ":" + std::to_string(config_.port);
  }

  void EnableSecurity(const AuthConfig& auth, const CorsConfig& cors) {
    store::PoolOptions options;
    options.url = db_url_;
    options.size = 4;
    options.connect_timeout = 5 * kMicrosPerSecond;
    key_pool_ = std::make_unique<store::ConnectionPool>(options);
    gate_ = NewSecurityGate(auth, cors, *key_pool_, clock_);
  }

  void EnableExplorer(const ExplorerConfig& config) {
    explorer_ = std::make_unique<explorer::Explorer>(reader_.pool(), config, clock_);
    ctx_.explorer = explorer_.get();
    AddExplorerRoutes(router_, ctx_);
  }

  Router router_;
  std::unique_ptr<RequestGate> gate_;

 private:
  restinio::request_handling_status_t Handle(const restinio::request_handle_t& req) {
    const auto started = std::chrono::steady_clock::now();
    metrics_->in_flight().fetch_add(1);
    Request r;
    r.method = req->header().method().c_str();
    r.path = std::string(req->header().path());
    r.body = req->body();
    r.remote = req->remote_endpoint().address().to_string();
    req->header().for_each_field([&r](const restinio::http_header_field_t& f) {
      std::string name = f.name();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), f.value());
    });
    std::optional<std::vector<std::pair<std::string, std::string>>> query =
        ParseQueryString(req->header().query());

    Response resp;
    int route = -1;
    if (draining_.load()) {
      resp = Problem(503, "the server is shutting down");
    } else if (!query) {
      resp = Problem(400, "malformed query string (bad %-escape)");
    } else if (r.body.size() > static_cast<size_t>(config_.max_body_bytes)) {
      resp = Problem(
          413, "request body larger than " + std::to_string(config_.max_body_bytes) + " bytes");
    } else {
      r.query = std::move(*query);
      const RouteMatch match = router_.Match(r.method, r.path);
      route = match.index;
      std::optional<Response> gated = gate_ ? gate_->Admit(r, match) : std::nullopt;
      if (gated) {
        resp = std::move(*gated);
      } else if (match.route == nullptr) {
        if (match.allowed.empty()) {
          resp = Problem(404, "no route for " + r.path);
        } else {
          std::string allow;
          for (const std::string& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
          resp =
              Problem(405, r.method + " is not allowed on " + r.path + " (allowed: " + allow + ")");
          resp.AddHeader("Allow", allow);
        }
      } else {
        try {
          resp = match.route->handler(r);
        } catch (const std::exception& e) {
          resp = ProblemFor(Internal(std::string("handler threw: ") + e.what()));
        }
      }
      if (gate_) gate_->Decorate(r, resp);
    }
    Send(req, r, std::move(resp), route, started);
    return restinio::request_accepted();
  }

  template <typename Builder>
  void AddHeaders(Builder& rb, const Response& resp) {
    rb.append_header(restinio::http_field::content_type, resp.content_type);
    for (const auto& [name, value] : resp.headers) rb.append_header(name, value);
    if (draining_.load()) rb.connection_close();
  }

  void Send(const restinio::request_handle_t& req, const Request& r, Response resp, int route,
            std::chrono::steady_clock::time_point started) {
    const restinio::http_status_line_t status_line{
        restinio::http_status_code_t{static_cast<std::uint16_t>(resp.status)},
        std::string(ReasonPhrase(resp.status))};
    const bool head = r.method == "HEAD";
    size_t bytes = 0;
    auto finished = [this](const asio::error_code&) { metrics_->in_flight().fetch_sub(1); };
    // Counted before the response is handed to the socket, so a client that reads /metrics
    // right after an answer sees that answer counted.
    const int status = resp.status;
    auto account = [&] {
      const Micros latency = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count();
      metrics_->Record(route, status, latency);
      if (config_.access_log) {
        log_->info("{} {} {}{}{} {} {}B {:.3f}ms", r.remote, r.method, r.path,
                   r.query.empty() ? "" : "?", std::string(req->header().query()), status, bytes,
                   static_cast<double>(latency) / 1000.0);
      }
    };
    if (resp.stream && !head) {
      auto rb = req->create_response<restinio::chunked_output_t>(status_line);
      AddHeaders(rb, resp);
      account();
      rb.flush();
      resp.stream(std::make_unique<ChunkedSink>(std::move(rb)));
      // A stream lasts until its client leaves; it does not hold up a graceful stop.
      metrics_->in_flight().fetch_sub(1);
    } else if (resp.chunked && !head) {
      auto rb = req->create_response<restinio::chunked_output_t>(status_line);
      AddHeaders(rb, resp);
      for (const std::string& chunk : resp.chunks) bytes += chunk.size();
      account();
      for (std::string& chunk : resp.chunks) {
        rb.append_chunk(std::move(chunk));
        rb.flush();
      }
      rb.done(finished);
    } else {
      auto rb = req->create_response(status_line);
      if (resp.body.size() >= static_cast<size_t>(config_.gzip_min_bytes) && AcceptsGzip(r) &&
          resp.status < 300) {
        resp.body = restinio::transforms::zlib::gzip_compress(resp.body, 6);
        resp.AddHeader("Content-Encoding", "gzip");
        resp.AddHeader("Vary", "Accept-Encoding");
      }
      AddHeaders(rb, resp);
      bytes = resp.body.size();
      account();
      if (!head) rb.set_body(std::move(resp.body));
      rb.done(finished);
    }
  }

  const ServerConfig config_;
  const std::string db_url_;
  const Clock& clock_;
  Reader reader_;
  ResponseCache cache_;
  LiveFeed live_;
  ApiContext ctx_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<RequestMetrics> metrics_;
  std::unique_ptr<store::ConnectionPool> key_pool_;
  std::unique_ptr<explorer::Explorer> explorer_;
  std::unique_ptr<RestServer> server_;
  std::unique_ptr<Runner> runner_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
};

HttpServer::HttpServer(ServerConfig config, std::string db_url, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(db_url), clock)) {}

HttpServer::~HttpServer() = default;

void HttpServer::SetGate(std::unique_ptr<RequestGate> gate) { impl_->gate_ = std::move(gate); }

void HttpServer::EnableSecurity(const AuthConfig& auth, const CorsConfig& cors) {
  impl_->EnableSecurity(auth, cors);
}

void HttpServer::EnableExplorer(const ExplorerConfig& config) { impl_->EnableExplorer(config); }

void HttpServer::AddRoute(Route route) { impl_->router_.Add(std::move(route)); }

Status HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

std::string HttpServer::url() const { return impl_->Url(); }

std::vector<std::pair<std::string, std::string>> HttpServer::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : impl_->router_.routes()) out.emplace_back(r.method, r.path);
  return out;
}

}  // namespace gm::server
