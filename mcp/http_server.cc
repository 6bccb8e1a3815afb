// mcp/http_server.cc — Streamable HTTP server: Beast connections, session routing, SSE streams.
//
// Threads: every connection is a coroutine on its own strand (HTTP parsing, transport checks and
// JSON decoding run there); everything touching sessions and handlers runs on one server strand.
// A POST hops to that strand for its answer; answers that come later travel to the connection
// through an SseChannel (mutex + a timer the consumer sleeps on).
#include "mcp/http_server.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace gatecrash::mcp {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxSessionIdBytes = 256;
constexpr std::size_t kLingerDrainBytes = 1 << 20;
constexpr std::chrono::milliseconds kLingerTime{500};
constexpr std::chrono::seconds kStopGrace{3};

// ---- small text helpers ----

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type of a Content-Type value, without parameters, lower-cased.
std::string media_type(std::string_view value) {
  return lower(trim(value.substr(0, value.find(';'))));
}

// Whether an Accept value lists `media` (parameters such as q= are ignored).
bool accepts(std::string_view accept, std::string_view media) {
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    if (media_type(accept.substr(0, comma)) == media) return true;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return false;
}

bool visible_ascii(std::string_view s) {
  return !s.empty() && s.size() <= kMaxSessionIdBytes &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

// "localhost", "127.0.0.1" or "[::1]", each with an optional ":port"; `hostport` lower-cased.
bool is_local_hostport(std::string_view hostport) {
  std::string_view host = hostport;
  std::string_view rest;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return false;
    host = hostport.substr(0, close + 1);
    rest = hostport.substr(close + 1);
  } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    rest = hostport.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
    if (!std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

std::string random_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < sizeof bytes) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

// One SSE event carrying one JSON-RPC message (or batch).
std::string sse_event(std::string_view text) {
  std::string out = "event: message\n";
  out.reserve(text.size() + 32);
  while (true) {  // JSON from to_line never holds a newline; split defensively all the same
    const auto nl = text.find('\n');
    out += "data: ";
    out += text.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

std::string error_body(int code, std::string message) {
  return encode(make_error(std::nullopt, code, std::move(message)));
}

// ---- the SSE hand-over between the session strand (producer) and a connection (consumer) ----

class SseChannel {
 public:
  explicit SseChannel(std::size_t max_backlog) : max_backlog_(max_backlog) {}

  // Queues one event ("" queues nothing) and, with `finish`, ends the stream after it. False when
  // the stream is already finished or its client is gone.
  bool push(std::string event, bool finish) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (gone_ || finished_) return false;
      if (!event.empty()) {
        if (events_.size() >= max_backlog_) {
          overflow_ = true;
          finished_ = true;
        } else {
          events_.push_back(std::move(event));
        }
      }
      if (finish) finished_ = true;
      wake = wake_;
    }
    if (wake) wake();
    return true;
  }

  bool open() {
    std::lock_guard lock(mu_);
    return !gone_ && !finished_;
  }

  struct Batch {
    std::string bytes;
    bool finished = false;
    bool overflow = false;
  };
  Batch take() {
    std::lock_guard lock(mu_);
    Batch batch{{}, finished_, overflow_};
    for (auto& e : events_) batch.bytes += e;
    events_.clear();
    return batch;
  }

  void attach(std::function<void()> wake) {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }
  void detach() {
    std::lock_guard lock(mu_);
    gone_ = true;
    wake_ = nullptr;
    events_.clear();
  }

 private:
  std::mutex mu_;
  std::deque<std::string> events_;
  std::size_t max_backlog_;
  bool finished_ = false;
  bool gone_ = false;
  bool overflow_ = false;
  std::function<void()> wake_;
};

// What a request gets back: a complete response, or the head of an SSE stream.
struct Reply {
  unsigned status = 200;
  std::string body;  // sent as application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<SseChannel> sse;
  bool close = false;
};

Reply json_error(unsigned status, int code, std::string message) {
  Reply r;
  r.status = status;
  r.body = error_body(code, std::move(message));
  return r;
}

struct HttpSession {
  std::string id;
  std::unique_ptr<ServerHandler> handler;  // declared before `session`: it outlives it
  std::unique_ptr<ServerSession> session;
  std::shared_ptr<SseChannel> get_stream;
  std::deque<std::string> unrelated;  // waiting for a GET stream
  std::unordered_map<std::uint64_t, std::shared_ptr<SseChannel>> post_streams;  // by frame
  bool collecting = false;  // inside receive(): keep answers for the frame being received
  std::vector<Outbound> collected;

  void end_streams() {
    if (get_stream) get_stream->push({}, true);
    for (auto& [frame, channel] : post_streams) channel->push({}, true);
    get_stream.reset();
    post_streams.clear();
  }
};

// Everything a POST carries to the session strand.
struct PostWork {
  std::string session_id;  // "" when the request had none
  std::string body;
  std::variant<Frame, DecodeError> decoded;
  std::optional<std::string> version_header;
  bool has_initialize = false;
  bool single_invalid = false;  // one message (not a batch) that failed validation
  std::optional<HttpRequestInfo> info;
};

struct Connection {
  explicit Connection(tcp::socket socket)
      : stream(std::move(socket)), wake(stream.get_executor()) {}
  beast::tcp_stream stream;
  net::steady_timer wake;  // SSE consumer sleeps here; cancelled to wake it
  bool closing = false;    // set on the connection's strand by stop()
  std::string remote;
};

thread_local const void* tl_running_server = nullptr;

}  // namespace

std::string HttpRequestInfo::header(std::string_view name) const {
  const std::string key = lower(name);
  for (const auto& [k, v] : headers) {
    if (k == key) return v;
  }
  return {};
}

struct StreamableHttpServer::Impl {
  using Strand = net::strand<net::io_context::executor_type>;

  Impl(HttpServerOptions opts, HandlerFactoryWithRequest factory, bool factory_wants_request)
      : options(std::move(opts)),
        make_handler(std::move(factory)),
        wants_request(factory_wants_request),
        strand(net::make_strand(ioc)),
        acceptor(ioc) {
    for (auto& o : options.allowed_origins) o = lower(o);
    for (auto& h : options.allowed_hosts) h = lower(h);
    if (options.threads == 0) options.threads = 1;
  }

  // Declared first: destroyed last, after everything that refers to it.
  net::io_context ioc;
  HttpServerOptions options;
  HandlerFactoryWithRequest make_handler;
  bool wants_request;
  Strand strand;
  tcp::acceptor acceptor;
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
  std::unordered_map<std::string, std::shared_ptr<HttpSession>> sessions;
  std::unordered_set<std::shared_ptr<net::steady_timer>> timers;
  std::atomic<std::size_t> session_total{0};

  // ---------------- lifecycle ----------------

  void listen() {
    std::lock_guard lock(lifecycle_mu);
    if (listening) return;
    std::string host = options.bind_address;
    if (host == "localhost") host = "127.0.0.1";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    beast::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (ec)
      throw std::runtime_error("bad bind address \"" + options.bind_address +
                               "\": " + ec.message());
    const tcp::endpoint endpoint(address, options.port);
    const std::string where = options.bind_address + ":" + std::to_string(options.port);
    auto check = [&](const char* step) {
      if (!ec) return;
      beast::error_code ignored;
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

  void spawn_accept_loop() {
    std::lock_guard lock(lifecycle_mu);
    if (accepting) return;
    accepting = true;
    net::co_spawn(strand, accept_loop(), net::detached);
  }

  // Runs the loop in this thread; the caller has counted it in `runners` beforehand, so that
  // stop() never mistakes a thread that has not started yet for one that has finished.
  void run_loop() {
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

  void start() {
    listen();
    spawn_accept_loop();
    std::lock_guard lock(lifecycle_mu);
    if (!threads.empty()) return;
    runners += options.threads;
    for (unsigned i = 0; i < options.threads; ++i) threads.emplace_back([this] { run_loop(); });
  }

  void run() {
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

  void stop() {
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

  void shutdown_on_strand() {
    beast::error_code ec;
    acceptor.close(ec);
    for (auto& timer : timers) timer->cancel();
    timers.clear();
    for (auto& [id, s] : sessions) s->end_streams();
    sessions.clear();
    session_total = 0;
    std::lock_guard lock(conns_mu);
    for (auto& [raw, weak] : conns) {
      if (auto conn = weak.lock())
        net::post(conn->stream.get_executor(), [conn] { close_now(*conn); });
    }
  }

  static void close_now(Connection& conn) {
    conn.closing = true;
    beast::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    conn.stream.close();
    conn.wake.cancel();
  }

  // ---------------- accepting and serving connections ----------------

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::make_strand(ioc), kTuple);
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open() || stopping) co_return;
        // Out of descriptors and the like: back off briefly rather than spin.
        net::steady_timer pause(strand, std::chrono::milliseconds(50));
        co_await pause.async_wait(kTuple);
        continue;
      }
      beast::error_code ep_ec;
      socket.set_option(tcp::no_delay(true), ep_ec);  // small answers and SSE events go out at once
      auto conn = std::make_shared<Connection>(std::move(socket));
      const auto peer = conn->stream.socket().remote_endpoint(ep_ec);
      if (!ep_ec) conn->remote = peer.address().to_string() + ":" + std::to_string(peer.port());
      {
        std::lock_guard lock(conns_mu);
        if (stopping) continue;  // the socket closes as conn goes out of scope
        conns.emplace(conn.get(), conn);
      }
      net::co_spawn(conn->stream.get_executor(), serve(conn), net::detached);
    }
  }

  net::awaitable<void> serve(std::shared_ptr<Connection> conn) {
    bool linger = false;
    try {
      linger = co_await serve_requests(*conn);
    } catch (const std::exception&) {
      linger = false;
    }
    if (linger && !conn->closing) {
      co_await drain_and_close(*conn);
    } else {
      beast::error_code ec;
      conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      conn->stream.close();
    }
    std::lock_guard lock(conns_mu);
    conns.erase(conn.get());
  }

  // After an error response on a request whose body we did not read: stop sending, read and
  // discard for a moment so the peer sees our response rather than a reset.
  net::awaitable<void> drain_and_close(Connection& conn) {
    beast::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    conn.stream.expires_after(kLingerTime);
    std::array<char, 8192> sink{};
    std::size_t drained = 0;
    while (drained < kLingerDrainBytes) {
      auto [read_ec, n] = co_await conn.stream.async_read_some(net::buffer(sink), kTuple);
      if (read_ec) break;
      drained += n;
    }
    conn.stream.close();
  }

  static bool is_http_parse_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
  }

  // Serves requests in order until the connection should close. True: close by lingering.
  net::awaitable<bool> serve_requests(Connection& conn) {
    const Limits& limits = options.limits;
    beast::flat_buffer buffer(limits.max_http_header_bytes + 64 * 1024);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(
          std::min<std::size_t>(limits.max_http_header_bytes, UINT32_MAX)));
      parser.body_limit(limits.max_message_bytes);
      conn.stream.expires_after(limits.http_read_timeout);
      auto [ec, n] = co_await http::async_read_header(conn.stream, buffer, parser, kTuple);
      if (conn.closing) co_return false;
      if (ec) {
        if (ec == http::error::body_limit) {  // Content-Length beyond the limit
          co_await write_reply(conn, too_large(), 11, false);
          co_return true;
        }
        if (ec == http::error::header_limit) {
          co_await write_reply(conn, json_error(431, -32000, "Request header fields too large"), 11,
                               false);
          co_return true;
        }
        if (is_http_parse_error(ec) || ec == http::error::buffer_overflow) {
          co_await write_reply(conn, json_error(400, -32000, "Bad Request: malformed HTTP"), 11,
                               false);
          co_return true;
        }
        co_return false;  // end of stream, timeout, reset
      }
      const unsigned version = parser.get().version();
      if (auto length = parser.content_length(); length && *length > limits.max_message_bytes) {
        co_await write_reply(conn, too_large(), version, false);
        co_return true;
      }
      if (!parser.is_done()) {
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, wn] = co_await net::async_write(conn.stream, net::buffer(kContinue), kTuple);
          if (wec) co_return false;
        }
        auto [body_ec, body_n] = co_await http::async_read(conn.stream, buffer, parser, kTuple);
        if (conn.closing) co_return false;
        if (body_ec == http::error::body_limit) {
          co_await write_reply(conn, too_large(), version, false);
          co_return true;
        }
        if (body_ec) {
          if (is_http_parse_error(body_ec)) {
            co_await write_reply(conn, json_error(400, -32000, "Bad Request: malformed HTTP"),
                                 version, false);
            co_return true;
          }
          co_return false;
        }
      }
      conn.stream.expires_never();
      http::request<http::string_body> request = parser.release();
      const bool keep_alive = request.keep_alive();
      Reply reply = co_await handle(conn, request);
      if (conn.closing) co_return false;
      const bool keep = keep_alive && !reply.close;
      bool ok;
      if (reply.sse)
        ok = co_await write_stream(conn, reply, request.version(), keep);
      else
        ok = co_await write_reply(conn, std::move(reply), request.version(), keep);
      if (!ok || !keep || conn.closing) co_return false;
    }
  }

  Reply too_large() const {
    Reply r = json_error(413, -32600,
                         "Payload too large: the limit is " +
                             std::to_string(options.limits.max_message_bytes) + " bytes");
    r.close = true;
    return r;
  }

  net::awaitable<bool> write_reply(Connection& conn, Reply reply, unsigned version,
                                   bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
    for (auto& [name, value] : reply.headers) res.set(name, value);
    if (!reply.body.empty()) {
      res.set(http::field::content_type, "application/json");
      res.body() = std::move(reply.body);
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    conn.stream.expires_after(options.limits.http_read_timeout);
    auto [ec, n] = co_await http::async_write(conn.stream, res, kTuple);
    conn.stream.expires_never();
    co_return !ec;
  }

  // Streams SSE events until the producer finishes. True when the connection is still usable.
  net::awaitable<bool> write_stream(Connection& conn, Reply& reply, unsigned version,
                                    bool keep_alive) {
    const bool chunked = version >= 11;
    http::response<http::empty_body> res{http::status::ok, version};
    for (auto& [name, value] : reply.headers) res.set(name, value);
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    if (chunked) res.chunked(true);
    res.keep_alive(chunked && keep_alive);

    http::response_serializer<http::empty_body> serializer{res};
    conn.stream.expires_after(options.limits.http_read_timeout);
    auto [hec, hn] = co_await http::async_write_header(conn.stream, serializer, kTuple);
    bool usable = false;
    if (!hec) {
      reply.sse->attach(waker(conn));
      usable = co_await pump_events(conn, *reply.sse, chunked);
    }
    reply.sse->detach();  // later pushes are dropped; the session sees the stream closed
    co_return usable;
  }

  std::function<void()> waker(Connection& conn) {
    std::weak_ptr<Connection> weak = conn_shared(conn);
    return [weak] {
      if (auto c = weak.lock()) net::post(c->stream.get_executor(), [c] { c->wake.cancel(); });
    };
  }

  // Writes a channel's events as they come until the producer finishes it.
  net::awaitable<bool> pump_events(Connection& conn, SseChannel& channel, bool chunked) {
    for (;;) {
      SseChannel::Batch batch = channel.take();
      if (batch.overflow || conn.closing) co_return false;
      if (!batch.bytes.empty()) {
        if (!co_await write_data(conn, batch.bytes, chunked)) co_return false;
        continue;  // more may have arrived meanwhile
      }
      if (batch.finished) {
        if (!chunked) co_return false;
        conn.stream.expires_after(options.limits.http_read_timeout);
        auto [lec, ln] = co_await net::async_write(conn.stream, http::make_chunk_last(), kTuple);
        conn.stream.expires_never();
        co_return !lec;
      }
      conn.wake.expires_after(options.sse_keepalive);
      auto [wec] = co_await conn.wake.async_wait(kTuple);
      if (!wec && !conn.closing) {
        if (!co_await write_data(conn, ": keep-alive\n\n", chunked)) co_return false;
      }
    }
  }

  net::awaitable<bool> write_data(Connection& conn, std::string_view bytes, bool chunked) {
    conn.stream.expires_after(options.limits.http_read_timeout);
    beast::error_code ec;
    if (chunked) {
      auto [wec, n] =
          co_await net::async_write(conn.stream, http::make_chunk(net::buffer(bytes)), kTuple);
      ec = wec;
    } else {
      auto [wec, n] = co_await net::async_write(conn.stream, net::buffer(bytes), kTuple);
      ec = wec;
    }
    conn.stream.expires_never();
    co_return !ec;
  }

  std::shared_ptr<Connection> conn_shared(Connection& conn) {
    std::lock_guard lock(conns_mu);
    auto it = conns.find(&conn);
    return it == conns.end() ? nullptr : it->second.lock();
  }

  // ---------------- request checks (connection strand) ----------------

  bool origin_allowed(std::string_view origin) const {
    const std::string o = lower(trim(origin));
    if (std::find(options.allowed_origins.begin(), options.allowed_origins.end(), o) !=
        options.allowed_origins.end())
      return true;
    std::string_view rest = o;
    if (rest.starts_with("http://"))
      rest.remove_prefix(7);
    else if (rest.starts_with("https://"))
      rest.remove_prefix(8);
    else
      return false;
    return is_local_hostport(rest);
  }

  bool host_allowed(std::string_view host) const {
    if (!loopback && options.allowed_hosts.empty()) return true;
    const std::string h = lower(trim(host));
    if (std::find(options.allowed_hosts.begin(), options.allowed_hosts.end(), h) !=
        options.allowed_hosts.end())
      return true;
    return loopback && is_local_hostport(h);
  }

  static HttpRequestInfo request_info(const Connection& conn,
                                      const http::request<http::string_body>& req,
                                      std::string session_id) {
    HttpRequestInfo info;
    info.method = std::string(req.method_string());
    info.target = std::string(req.target());
    for (const auto& field : req)
      info.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    info.remote = conn.remote;
    info.session_id = std::move(session_id);
    return info;
  }

  // Checks that need no session state; a reply means the request stops here.
  std::optional<Reply> transport_checks(const http::request<http::string_body>& req) const {
    const std::string_view target = req.target();
    if (target.substr(0, target.find('?')) != options.path) {
      return json_error(404, -32000, "Not Found");
    }
    const auto verb = req.method();
    if (verb != http::verb::post && verb != http::verb::get && verb != http::verb::delete_) {
      Reply r = json_error(405, -32000, "Method not allowed");
      r.headers.emplace_back("Allow", "GET, POST, DELETE");
      return r;
    }
    if (auto origin = req.find(http::field::origin);
        origin != req.end() && !origin_allowed(origin->value())) {
      return json_error(403, -32000, "Forbidden: origin not allowed");
    }
    if (auto host = req.find(http::field::host);
        host != req.end() && !host_allowed(host->value())) {
      return json_error(403, -32000, "Forbidden: host not allowed");
    }
    const std::string_view accept = req[http::field::accept];
    if (verb == http::verb::post) {
      if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
        return json_error(
            406, -32000, "Not Acceptable: Accept must list application/json and text/event-stream");
      }
      if (media_type(req[http::field::content_type]) != "application/json") {
        return json_error(415, -32000,
                          "Unsupported Media Type: Content-Type must be application/json");
      }
    } else if (verb == http::verb::get && !accepts(accept, "text/event-stream")) {
      return json_error(406, -32000, "Not Acceptable: Accept must list text/event-stream");
    }
    if (auto sid = req.find("Mcp-Session-Id"); sid != req.end() && !visible_ascii(sid->value())) {
      return json_error(400, -32600, "Bad Request: malformed Mcp-Session-Id");
    }
    return std::nullopt;
  }

  // A request's answer: known at once, or to be computed on the session strand. (Built outside
  // any coroutine: g++ 12 miscompiles some init-captures and aggregates inside coroutines.)
  struct Routed {
    std::optional<Reply> now;
    std::function<Reply()> later;
  };

  Routed route_request(const Connection& conn, http::request<http::string_body>& req) {
    if (auto refused = transport_checks(req)) return {std::move(refused), {}};
    std::string session_id;
    if (auto sid = req.find("Mcp-Session-Id"); sid != req.end())
      session_id = std::string(sid->value());
    std::optional<HttpRequestInfo> info;
    if (options.admit || wants_request) info = request_info(conn, req, session_id);
    if (options.admit) {
      if (auto rejection = options.admit(*info)) {
        Reply r;
        r.status = static_cast<unsigned>(rejection->status);
        r.body = std::move(rejection->body);
        r.headers = std::move(rejection->headers);
        return {std::move(r), {}};
      }
    }
    std::optional<std::string> version_header;
    if (auto v = req.find("MCP-Protocol-Version"); v != req.end())
      version_header = std::string(trim(v->value()));

    if (req.method() == http::verb::post) {
      auto work = std::make_shared<PostWork>();
      work->session_id = session_id;
      work->body = std::move(req.body());
      work->version_header = version_header;
      work->info = std::move(info);
      work->decoded = decode_frame(work->body, options.limits);
      if (auto* frame = std::get_if<Frame>(&work->decoded)) {
        for (const auto& element : frame->elements) {
          if (const auto* m = std::get_if<Message>(&element)) {
            if (const auto* r = std::get_if<Request>(m); r && r->method == "initialize")
              work->has_initialize = true;
          }
        }
        work->single_invalid = !frame->is_batch && frame->elements.size() == 1 &&
                               std::holds_alternative<DecodeError>(frame->elements.front());
      }
      if (session_id.empty()) {
        if (auto* failure = std::get_if<DecodeError>(&work->decoded)) {
          return {json_error(400, failure->error.code, failure->error.message), {}};
        }
        if (!work->has_initialize)
          return {json_error(400, -32600, "Bad Request: missing Mcp-Session-Id"), {}};
      }
      return {std::nullopt, [this, work] { return post_on_strand(std::move(*work)); }};
    }
    if (session_id.empty())
      return {json_error(400, -32600, "Bad Request: missing Mcp-Session-Id"), {}};
    if (req.method() == http::verb::get) {
      return {std::nullopt, [this, session_id, version_header] {
                return get_on_strand(session_id, version_header);
              }};
    }
    return {std::nullopt, [this, session_id, version_header] {
              return delete_on_strand(session_id, version_header);
            }};
  }

  net::awaitable<Reply> handle(Connection& conn, http::request<http::string_body>& req) {
    Routed routed = route_request(conn, req);
    if (routed.now) co_return std::move(*routed.now);
    co_return co_await on_strand(std::move(routed.later));
  }

  // Runs `fn` on the session strand and resumes the calling coroutine with its Reply.
  net::awaitable<Reply> on_strand(std::function<Reply()> fn) {
    return net::async_initiate<const net::use_awaitable_t<>, void(Reply)>(
        [this](auto handler, std::function<Reply()> work) {
          net::post(strand, [handler = std::move(handler), work = std::move(work)]() mutable {
            Reply reply;
            try {
              reply = work();
            } catch (const std::exception& e) {
              reply = json_error(500, error_code::kInternalError,
                                 std::string("Internal error: ") + e.what());
            }
            auto executor = net::get_associated_executor(handler);
            net::dispatch(executor,
                          [handler = std::move(handler), reply = std::move(reply)]() mutable {
                            std::move(handler)(std::move(reply));
                          });
          });
        },
        net::use_awaitable, std::move(fn));
  }

  // ---------------- session work (server strand) ----------------

  std::optional<Reply> version_refusal(const HttpSession& s,
                                       const std::optional<std::string>& header) const {
    if (!header) return std::nullopt;
    auto version = parse_protocol_version(*header);
    if (!version) {
      std::string supported;
      for (auto v : kSupportedVersions)
        supported += (supported.empty() ? "" : ", ") + std::string(to_string(v));
      return json_error(400, -32000,
                        "Bad Request: unsupported MCP-Protocol-Version \"" + *header +
                            "\" (supported: " + supported + ")");
    }
    auto client = s.session->client();
    if (options.require_negotiated_version && client && client->version != *version) {
      return json_error(400, -32000,
                        "Bad Request: MCP-Protocol-Version " + *header +
                            " differs from the negotiated " +
                            std::string(to_string(client->version)));
    }
    return std::nullopt;
  }

  HttpSession* find_session(const std::string& id) {
    auto it = sessions.find(id);
    return it == sessions.end() ? nullptr : it->second.get();
  }

  static Reply session_not_found() { return json_error(404, -32001, "Session not found"); }

  Reply post_on_strand(PostWork work) {
    if (stopping) return json_error(503, -32000, "Service Unavailable: shutting down");
    if (work.session_id.empty()) return create_session(work);
    HttpSession* s = find_session(work.session_id);
    if (!s) return session_not_found();
    if (auto refused = version_refusal(*s, work.version_header)) return std::move(*refused);
    Reply r = receive(*s, work);
    r.headers.emplace_back("Mcp-Session-Id", s->id);
    return r;
  }

  Reply create_session(PostWork& work) {
    if (sessions.size() >= options.limits.max_http_sessions) {
      return json_error(503, -32000, "Service Unavailable: too many sessions");
    }
    auto s = std::make_shared<HttpSession>();
    do s->id = random_session_id();
    while (sessions.count(s->id));
    static const HttpRequestInfo kNoInfo;
    s->handler = make_handler(s->id, work.info ? *work.info : kNoInfo);
    if (!s->handler)
      return json_error(500, error_code::kInternalError,
                        "Internal error: no handler for the session");
    std::weak_ptr<HttpSession> weak = s;
    s->session = std::make_unique<ServerSession>(
        *s->handler,
        [this, weak](Outbound out) {
          if (auto session = weak.lock()) route(*session, std::move(out));
        },
        options.limits);
    Reply r = receive(*s, work);
    if (s->session->initialized()) {
      sessions.emplace(s->id, s);
      session_total = sessions.size();
      r.headers.emplace_back("Mcp-Session-Id", s->id);
    } else {
      s->end_streams();
      if (r.sse) r.sse->push({}, true);
    }
    return r;
  }

  // Hands one frame to the session and shapes the HTTP answer from what it emitted at once.
  Reply receive(HttpSession& s, PostWork& work) {
    s.collecting = true;
    s.collected.clear();
    ServerSession::Receipt receipt;
    try {
      receipt = s.session->receive(work.body, std::move(work.decoded));
    } catch (...) {
      s.collecting = false;
      s.collected.clear();
      throw;
    }
    s.collecting = false;
    std::vector<Outbound> items;
    for (auto& out : s.collected) {
      if (out.frame == receipt.frame) items.push_back(std::move(out));
    }
    s.collected.clear();

    if (receipt.answers_owed == 0) {
      Reply r;
      r.status = 202;
      return r;
    }
    const bool complete = std::any_of(items.begin(), items.end(),
                                      [](const Outbound& o) { return o.completes_frame; });
    if (complete && items.size() == 1) {
      Reply r;
      r.body = std::move(items.front().text);
      r.status = r.body.empty() ? 202 : (receipt.frame_error || work.single_invalid) ? 400 : 200;
      return r;
    }
    Reply r;
    r.sse = std::make_shared<SseChannel>(options.max_stream_backlog);
    for (auto& out : items)
      r.sse->push(out.text.empty() ? std::string() : sse_event(out.text), out.completes_frame);
    if (!complete) s.post_streams[receipt.frame] = r.sse;
    return r;
  }

  // The session's sink: sends each outbound message where it belongs.
  void route(HttpSession& s, Outbound out) {
    if (!out.frame) {
      if (out.text.empty()) return;
      if (s.get_stream && s.get_stream->push(sse_event(out.text), false)) return;
      s.get_stream.reset();
      s.unrelated.push_back(std::move(out.text));
      while (s.unrelated.size() > options.max_queued_unrelated) s.unrelated.pop_front();
      return;
    }
    if (auto it = s.post_streams.find(*out.frame); it != s.post_streams.end()) {
      it->second->push(out.text.empty() ? std::string() : sse_event(out.text), out.completes_frame);
      if (out.completes_frame) s.post_streams.erase(it);
      return;
    }
    if (s.collecting) s.collected.push_back(std::move(out));
    // Otherwise its stream is gone (the client disconnected): a disconnect is not a cancel, but
    // there is nowhere left to send the message.
  }

  Reply get_on_strand(const std::string& session_id,
                      const std::optional<std::string>& version_header) {
    if (stopping) return json_error(503, -32000, "Service Unavailable: shutting down");
    HttpSession* s = find_session(session_id);
    if (!s) return session_not_found();
    if (auto refused = version_refusal(*s, version_header)) return std::move(*refused);
    if (s->get_stream && s->get_stream->open()) {
      return json_error(409, -32000, "Conflict: only one GET stream is allowed per session");
    }
    Reply r;
    r.sse = std::make_shared<SseChannel>(options.max_stream_backlog);
    for (auto& text : s->unrelated) r.sse->push(sse_event(text), false);
    s->unrelated.clear();
    s->get_stream = r.sse;
    r.headers.emplace_back("Mcp-Session-Id", s->id);
    return r;
  }

  Reply delete_on_strand(const std::string& session_id,
                         const std::optional<std::string>& version_header) {
    auto it = sessions.find(session_id);
    if (it == sessions.end()) return session_not_found();
    if (auto refused = version_refusal(*it->second, version_header)) return std::move(*refused);
    end_session(it);
    Reply r;
    r.status = 200;
    return r;
  }

  void end_session(std::unordered_map<std::string, std::shared_ptr<HttpSession>>::iterator it) {
    std::shared_ptr<HttpSession> s = std::move(it->second);
    sessions.erase(it);
    session_total = sessions.size();
    s->end_streams();
  }
};

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

std::size_t StreamableHttpServer::session_count() const { return impl_->session_total; }

void StreamableHttpServer::post(std::function<void()> fn) {
  net::post(impl_->strand, std::move(fn));
}

void StreamableHttpServer::post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, delay, fn = std::move(fn)]() mutable {
    if (impl->stopping) return;
    auto timer = std::make_shared<net::steady_timer>(impl->strand, delay);
    impl->timers.insert(timer);
    timer->async_wait([impl, timer, fn = std::move(fn)](const beast::error_code& ec) {
      impl->timers.erase(timer);
      if (!ec) fn();
    });
  });
}

void StreamableHttpServer::notify(const std::string& session_id, std::string method, Json params) {
  Impl* impl = impl_.get();
  net::post(impl->strand,
            [impl, session_id, method = std::move(method), params = std::move(params)]() mutable {
              if (HttpSession* s = impl->find_session(session_id))
                s->session->notify(std::move(method), std::move(params));
            });
}

void StreamableHttpServer::notify_all(std::string method, Json params) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, method = std::move(method), params = std::move(params)] {
    for (auto& [id, s] : impl->sessions) s->session->notify(method, params);
  });
}

void StreamableHttpServer::close_session(const std::string& session_id) {
  Impl* impl = impl_.get();
  net::post(impl->strand, [impl, session_id] {
    if (auto it = impl->sessions.find(session_id); it != impl->sessions.end())
      impl->end_session(it);
  });
}

}  // namespace gatecrash::mcp
