// mcp/http_server_internal.h — StreamableHttpServer::Impl, shared by the http_server*.cc files.
//
// Asio only: the Beast connection code is in http_server.cc (what it decides per request is
// declared in http_server_exchange.h), the threads and the public methods in
// http_server_lifecycle.cc, the session work in http_server_sessions.cc.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mcp/http_server.h"
#include "mcp/http_server_sessions.h"
#include "mcp/http_server_transport.h"

namespace gatecrash::mcp {

namespace streamable_http {
struct Connection;  // one accepted socket and its state; defined in http_server.cc
struct Routed;      // http_server_exchange.h
}  // namespace streamable_http

struct StreamableHttpServer::Impl {
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Connection = streamable_http::Connection;
  using Reply = streamable_http::Reply;
  using SseChannel = streamable_http::SseChannel;

  Impl(HttpServerOptions opts, HandlerFactoryWithRequest factory, bool factory_wants_request);

  // Declared first: destroyed last, after everything that refers to it.
  boost::asio::io_context ioc;
  HttpServerOptions options;
  bool wants_request;
  Strand strand;
  boost::asio::ip::tcp::acceptor acceptor;
  bool loopback = false;
  std::uint16_t bound_port = 0;

  std::mutex lifecycle_mu;
  std::condition_variable lifecycle_cv;
  bool listening = false;
  bool accepting = false;  // the accept loop was spawned
  std::atomic<bool> stopping{false};
  unsigned runners = 0;
  std::vector<std::thread> threads;

  std::mutex conns_mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> conns;

  // Strand-only state.
  streamable_http::SessionTable sessions;
  std::unordered_set<std::shared_ptr<boost::asio::steady_timer>> timers;

  // ---------------- lifecycle (http_server_lifecycle.cc) ----------------

  void listen();
  void spawn_accept_loop();
  void run_loop();
  void start();
  void run();
  void stop();

  // ---------------- connections (http_server.cc) ----------------

  void shutdown_on_strand();
  static void close_now(Connection& conn);

  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(std::shared_ptr<Connection> conn);
  boost::asio::awaitable<void> drain_and_close(Connection& conn);
  boost::asio::awaitable<bool> serve_requests(Connection& conn);
  boost::asio::awaitable<bool> write_reply(Connection& conn, Reply reply, unsigned version,
                                           bool keep_alive);
  boost::asio::awaitable<bool> write_stream(Connection& conn, Reply& reply, unsigned version,
                                            bool keep_alive);
  std::function<void()> waker(Connection& conn);
  boost::asio::awaitable<bool> pump_events(Connection& conn, SseChannel& channel, bool chunked);
  boost::asio::awaitable<bool> write_data(Connection& conn, std::string_view bytes, bool chunked);
  std::shared_ptr<Connection> conn_shared(Connection& conn);

  // `BeastRequest` is Beast's request type, which this header does not name; defined and
  // instantiated in http_server.cc only (routing itself: http_server_exchange.h).
  template <class BeastRequest>
  streamable_http::Routed route_request(const Connection& conn, BeastRequest& req);
  template <class BeastRequest>
  boost::asio::awaitable<Reply> handle(Connection& conn, BeastRequest& req);
  boost::asio::awaitable<Reply> on_strand(std::function<Reply()> fn);
};

}  // namespace gatecrash::mcp
