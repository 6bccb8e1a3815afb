// mcp/http_server_lifecycle.cc — Streamable HTTP server: listening, threads, stop, public methods.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <stdexcept>

#include "mcp/http_server.h"
#include "mcp/http_server_internal.h"

namespace gatecrash::mcp {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::seconds kStopGrace{3};

thread_local const void* tl_running_server = nullptr;

}  // namespace

StreamableHttpServer::Impl::Impl(HttpServerOptions opts, HandlerFactoryWithRequest factory,
                                 bool factory_wants_request)
    : options(std::move(opts)),
      wants_request(factory_wants_request),
      strand(net::make_strand(ioc)),
      acceptor(ioc),
      sessions(options, std::move(factory), stopping) {
  for (auto& o : options.allowed_origins) o = streamable_http::lower(o);
  for (auto& h : options.allowed_hosts) h = streamable_http::lower(h);
  if (options.threads == 0) options.threads = 1;
}

// ---------------- listening and threads ----------------

void StreamableHttpServer::Impl::listen() {
  std::lock_guard lock(lifecycle_mu);
  if (listening) return;
  std::string host = options.bind_address;
  if (host == "localhost") host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    throw std::runtime_error("bad bind address \"" + options.bind_address + "\": " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.bind_address + ":" + std::to_string(options.port);
  auto check = [&](const char* step) {
    if (!ec) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error(std::string("cannot ") + step + " " + where + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  check("open");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  check("configure");
  acceptor.bind(endpoint, ec);
  check("bind");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  check("listen on");
  bound_port = acceptor.local_endpoint().port();
  loopback = address.is_loopback();
  listening = true;
}

void StreamableHttpServer::Impl::spawn_accept_loop() {
  std::lock_guard lock(lifecycle_mu);
  if (accepting) return;
  accepting = true;
  net::co_spawn(strand, accept_loop(), net::detached);
}

// Runs the loop in this thread; the caller has counted it in `runners` beforehand, so that
// stop() never mistakes a thread that has not started yet for one that has finished.
void StreamableHttpServer::Impl::run_loop() {
  tl_running_server = this;
  for (;;) {
    try {
      ioc.run();
      break;
    } catch (const std::exception&) {
      // A handler threw out of the loop: keep serving the others.
    }
  }
  tl_running_server = nullptr;
  std::lock_guard lock(lifecycle_mu);
  --runners;
  lifecycle_cv.notify_all();
}

void StreamableHttpServer::Impl::start() {
  listen();
  spawn_accept_loop();
  std::lock_guard lock(lifecycle_mu);
  if (!threads.empty()) return;
  runners += options.threads;
  for (unsigned i = 0; i < options.threads; ++i) threads.emplace_back([this] { run_loop(); });
}

void StreamableHttpServer::Impl::run() {
  listen();
  spawn_accept_loop();
  {
    std::lock_guard lock(lifecycle_mu);
    runners += options.threads;
  }
  std::vector<std::thread> helpers;
  for (unsigned i = 1; i < options.threads; ++i) helpers.emplace_back([this] { run_loop(); });
  run_loop();
  for (auto& t : helpers) t.join();
}

void StreamableHttpServer::Impl::stop() {
  if (!stopping.exchange(true)) net::post(strand, [this] { shutdown_on_strand(); });
  if (tl_running_server == this) return;  // called from our own loop: it winds down by itself
  std::vector<std::thread> to_join;
  {
    std::unique_lock lock(lifecycle_mu);
    if (!lifecycle_cv.wait_for(lock, kStopGrace, [this] { return runners == 0; })) ioc.stop();
    to_join.swap(threads);
  }
  for (auto& t : to_join) t.join();
}

// ---------------- public face ----------------

StreamableHttpServer::StreamableHttpServer(HttpServerOptions options, HandlerFactory make_handler)
    : impl_(std::make_unique<Impl>(
          std::move(options),
          [factory = std::move(make_handler)](const std::string& id, const HttpRequestInfo&) {
            return factory(id);
          },
          false)) {}

StreamableHttpServer::StreamableHttpServer(HttpServerOptions options,
                                           HandlerFactoryWithRequest make_handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(make_handler), true)) {}

StreamableHttpServer::~StreamableHttpServer() {
  impl_->stop();
  // A destructor running on our own loop thread cannot join it; the owner must not do that.
  impl_->sessions.clear();
  impl_->timers.clear();
}

void StreamableHttpServer::listen() { impl_->listen(); }
void StreamableHttpServer::start() { impl_->start(); }
void StreamableHttpServer::run() { impl_->run(); }
void StreamableHttpServer::stop() { impl_->stop(); }

std::uint16_t StreamableHttpServer::port() const { return impl_->bound_port; }

std::string StreamableHttpServer::url() const {
  std::string host = impl_->options.bind_address;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->bound_port) + impl_->options.path;
}

std::size_t StreamableHttpServer::session_count() const { return impl_->sessions.count(); }

void StreamableHttpServer::post(std::function<void()> fn) {
  net::post(impl_->strand, std::move(fn));
}

void StreamableHttpServer::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, delay, fn = std::move(fn)]() mutable {
    if (impl->stopping) return;
    auto timer = std::make_shared<net::steady_timer>(impl->strand, delay);
    impl->timers.insert(timer);
    timer->async_wait([impl, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      impl->timers.erase(timer);
      if (!ec) fn();
    });
  });
}

void StreamableHttpServer::notify(const std::string& session_id, std::string method, Json params) {
  Impl* impl = impl_.get();
  net::post(impl->strand,
            [impl, session_id, method = std::move(method), params = std::move(params)]() mutable {
              impl->sessions.notify(session_id, std::move(method), std::move(params));
            });
}

void StreamableHttpServer::notify_all(std::string method, Json params) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, method = std::move(method), params = std::move(params)] {
    impl->sessions.notify_all(method, params);
  });
}

void StreamableHttpServer::close_session(const std::string& session_id) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, session_id] { impl->sessions.close(session_id); });
}

}  // namespace gatecrash::mcp
