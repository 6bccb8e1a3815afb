// mcp/http_server.cc — Streamable HTTP server: Beast connections, request routing, SSE writing.
//
// Threads: every connection is a coroutine on its own strand (HTTP parsing, transport checks and
// JSON decoding run there); everything touching sessions and handlers runs on one server strand.
// A POST hops to that strand for its answer; answers that come later travel to the connection
// through an SseChannel (mutex + a timer the consumer sleeps on).
//
// Beast is used here and in http_client.cc only; http_server_internal.h has the Impl these
// functions belong to. What a connection decides per request (parser bounds, read refusals,
// routing) is in free functions declared in http_server_exchange.h, so fuzz/ can drive it too.
#include "mcp/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>
#include <system_error>

#include "mcp/http_server_exchange.h"
#include "mcp/http_server_internal.h"

namespace gatecrash::mcp {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using streamable_http::Connection;
using streamable_http::json_error;
using streamable_http::PostWork;
using streamable_http::ReadStage;
using streamable_http::Reply;
using streamable_http::SseChannel;

struct streamable_http::Connection {
  explicit Connection(tcp::socket socket)
      : stream(std::move(socket)), wake(stream.get_executor()) {}
  beast::tcp_stream stream;
  net::steady_timer wake;  // SSE consumer sleeps here; cancelled to wake it
  bool closing = false;    // set on the connection's strand by stop()
  std::string remote;
};

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
// Lingering close (drain_and_close): a client refused before its body was read is usually still
// writing it. Closing with its bytes unread resets the connection, and the reset can discard our
// answer before the client reads it (gatecrash fuzz saw a 4.8 MB POST get no 413 when only 1 MiB
// was drained). So read and discard up to this much, for at most this long; both bound what a
// client can make the server do after a refusal.
constexpr std::size_t kLingerDrainBytes = 64 << 20;
constexpr std::chrono::milliseconds kLingerTime{2000};

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

HttpRequestInfo request_info(const std::string& remote, const http::request<http::string_body>& req,
                             std::string session_id) {
  HttpRequestInfo info;
  info.method = std::string(req.method_string());
  info.target = std::string(req.target());
  for (const auto& field : req)
    info.headers.emplace_back(streamable_http::lower(field.name_string()),
                              std::string(field.value()));
  info.remote = remote;
  info.session_id = std::move(session_id);
  return info;
}

}  // namespace

// ---------------- shutting down (server strand) ----------------

void StreamableHttpServer::Impl::shutdown_on_strand() {
  beast::error_code ec;
  acceptor.close(ec);
  for (auto& timer : timers) timer->cancel();
  timers.clear();
  sessions.end_all();
  std::lock_guard lock(conns_mu);
  for (auto& [raw, weak] : conns) {
    if (auto conn = weak.lock())
      net::post(conn->stream.get_executor(), [conn] { close_now(*conn); });
  }
}

void StreamableHttpServer::Impl::close_now(Connection& conn) {
  conn.closing = true;
  beast::error_code ec;
  conn.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  conn.stream.close();
  conn.wake.cancel();
}

// ---------------- accepting and serving connections ----------------

net::awaitable<void> StreamableHttpServer::Impl::accept_loop() {
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

net::awaitable<void> StreamableHttpServer::Impl::serve(std::shared_ptr<Connection> conn) {
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
net::awaitable<void> StreamableHttpServer::Impl::drain_and_close(Connection& conn) {
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

// Serves requests in order until the connection should close. True: close by lingering.
net::awaitable<bool> StreamableHttpServer::Impl::serve_requests(Connection& conn) {
  const Limits& limits = options.limits;
  beast::flat_buffer buffer(streamable_http::read_buffer_bytes(limits));
  for (;;) {
    streamable_http::RequestParser parser;
    streamable_http::bound_parser(parser, limits);
    conn.stream.expires_after(limits.http_read_timeout);
    auto [ec, n] = co_await http::async_read_header(conn.stream, buffer, parser, kTuple);
    if (conn.closing) co_return false;
    if (ec) {
      std::optional<Reply> refusal = streamable_http::read_refusal(ec, ReadStage::header, limits);
      if (!refusal) co_return false;  // end of stream, timeout, reset
      co_await write_reply(conn, std::move(*refusal), 11, false);
      co_return true;
    }
    const unsigned version = parser.get().version();
    if (std::optional<Reply> refusal = streamable_http::header_refusal(n, parser, limits)) {
      co_await write_reply(conn, std::move(*refusal), version, false);
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
      if (body_ec) {
        std::optional<Reply> refusal =
            streamable_http::read_refusal(body_ec, ReadStage::body, limits);
        if (!refusal) co_return false;
        co_await write_reply(conn, std::move(*refusal), version, false);
        co_return true;
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

net::awaitable<bool> StreamableHttpServer::Impl::write_reply(Connection& conn, Reply reply,
                                                             unsigned version, bool keep_alive) {
  http::response<http::string_body> res =
      streamable_http::complete_response(std::move(reply), version, keep_alive);
  conn.stream.expires_after(options.limits.http_read_timeout);
  auto [ec, n] = co_await http::async_write(conn.stream, res, kTuple);
  conn.stream.expires_never();
  co_return !ec;
}

// Streams SSE events until the producer finishes. True when the connection is still usable.
net::awaitable<bool> StreamableHttpServer::Impl::write_stream(Connection& conn, Reply& reply,
                                                              unsigned version, bool keep_alive) {
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

std::function<void()> StreamableHttpServer::Impl::waker(Connection& conn) {
  std::weak_ptr<Connection> weak = conn_shared(conn);
  return [weak] {
    if (auto c = weak.lock()) net::post(c->stream.get_executor(), [c] { c->wake.cancel(); });
  };
}

// Writes a channel's events as they come until the producer finishes it.
net::awaitable<bool> StreamableHttpServer::Impl::pump_events(Connection& conn, SseChannel& channel,
                                                             bool chunked) {
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

net::awaitable<bool> StreamableHttpServer::Impl::write_data(Connection& conn,
                                                            std::string_view bytes, bool chunked) {
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

std::shared_ptr<Connection> StreamableHttpServer::Impl::conn_shared(Connection& conn) {
  std::lock_guard lock(conns_mu);
  auto it = conns.find(&conn);
  return it == conns.end() ? nullptr : it->second.lock();
}

// ---------------- routing requests (connection strand) ----------------

// Outside any coroutine (see Routed).
template <class BeastRequest>
streamable_http::Routed StreamableHttpServer::Impl::route_request(const Connection& conn,
                                                                  BeastRequest& req) {
  return streamable_http::RequestRouter{options, loopback, wants_request, sessions}.route(
      req, conn.remote);
}

template <class BeastRequest>
net::awaitable<Reply> StreamableHttpServer::Impl::handle(Connection& conn, BeastRequest& req) {
  streamable_http::Routed routed = route_request(conn, req);
  if (routed.now) co_return std::move(*routed.now);
  co_return co_await on_strand(std::move(routed.later));
}

// Runs `fn` on the session strand and resumes the calling coroutine with its Reply.
net::awaitable<Reply> StreamableHttpServer::Impl::on_strand(std::function<Reply()> fn) {
  return net::async_initiate<const net::use_awaitable_t<>, void(Reply)>(
      [this](auto handler, std::function<Reply()> work) {
        net::post(strand, [handler = std::move(handler), work = std::move(work)]() mutable {
          Reply reply = streamable_http::run_session_work(work);
          auto executor = net::get_associated_executor(handler);
          net::dispatch(executor,
                        [handler = std::move(handler), reply = std::move(reply)]() mutable {
                          std::move(handler)(std::move(reply));
                        });
        });
      },
      net::use_awaitable, std::move(fn));
}

// ---------------- the exchange (http_server_exchange.h) ----------------

namespace streamable_http {

std::size_t read_buffer_bytes(const Limits& limits) {
  return limits.max_http_header_bytes + 64 * 1024;
}

void bound_parser(RequestParser& parser, const Limits& limits) {
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_http_header_bytes, UINT32_MAX)));
  parser.body_limit(limits.max_message_bytes);
}

namespace {
Reply header_too_large() {
  Reply r = json_error(431, -32000, "Request header fields too large");
  r.close = true;
  return r;
}
}  // namespace

std::optional<Reply> read_refusal(const beast::error_code& ec, ReadStage stage,
                                  const Limits& limits) {
  if (ec == http::error::body_limit) return too_large(limits);  // e.g. Content-Length beyond it
  if (stage == ReadStage::header && ec == http::error::header_limit) return header_too_large();
  if (is_http_parse_error(ec) || ec == http::error::buffer_overflow)
    return json_error(400, -32000, "Bad Request: malformed HTTP");
  return std::nullopt;
}

std::optional<Reply> header_refusal(std::size_t header_bytes, const RequestParser& parser,
                                    const Limits& limits) {
  if (header_bytes > limits.max_http_header_bytes) return header_too_large();
  if (auto length = parser.content_length(); length && *length > limits.max_message_bytes)
    return too_large(limits);
  return std::nullopt;
}

Reply too_large(const Limits& limits) {
  Reply r = json_error(
      413, -32600,
      "Payload too large: the limit is " + std::to_string(limits.max_message_bytes) + " bytes");
  r.close = true;
  return r;
}

TransportRequest transport_request(const BeastRequest& req) {
  TransportRequest view;
  const http::verb verb = req.method();
  view.method = verb == http::verb::post      ? HttpMethod::post
                : verb == http::verb::get     ? HttpMethod::get
                : verb == http::verb::delete_ ? HttpMethod::delete_
                                              : HttpMethod::other;
  view.target = std::string_view(req.target());
  if (auto origin = req.find(http::field::origin); origin != req.end())
    view.origin = std::string_view(origin->value());
  if (auto host = req.find(http::field::host); host != req.end())
    view.host = std::string_view(host->value());
  view.accept = std::string_view(req[http::field::accept]);
  view.content_type = std::string_view(req[http::field::content_type]);
  if (auto sid = req.find("Mcp-Session-Id"); sid != req.end())
    view.session_id = std::string_view(sid->value());
  return view;
}

Routed RequestRouter::route(BeastRequest& req, const std::string& remote) const {
  if (auto refused = transport_checks(transport_request(req), options, loopback))
    return {std::move(refused), {}};
  std::string session_id;
  if (auto sid = req.find("Mcp-Session-Id"); sid != req.end())
    session_id = std::string(sid->value());
  std::optional<HttpRequestInfo> info;
  if (options.admit || wants_request) info = request_info(remote, req, session_id);
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

  SessionTable* table = &sessions;
  if (req.method() == http::verb::post) {
    auto work = std::make_shared<PostWork>();
    work->session_id = session_id;
    work->body = std::move(req.body());
    work->version_header = version_header;
    work->info = std::move(info);
    decode_body(*work, options.limits, options.decoder);
    if (session_id.empty()) {
      if (auto* failure = std::get_if<DecodeError>(&work->decoded)) {
        return {json_error(400, failure->error.code, failure->error.message), {}};
      }
      if (!work->has_initialize)
        return {json_error(400, -32600, "Bad Request: missing Mcp-Session-Id"), {}};
    }
    return {std::nullopt, [table, work] { return table->handle_post(std::move(*work)); }};
  }
  if (session_id.empty())
    return {json_error(400, -32600, "Bad Request: missing Mcp-Session-Id"), {}};
  if (req.method() == http::verb::get) {
    return {std::nullopt, [table, session_id, version_header] {
              return table->handle_get(session_id, version_header);
            }};
  }
  return {std::nullopt, [table, session_id, version_header] {
            return table->handle_delete(session_id, version_header);
          }};
}

Reply run_session_work(const std::function<Reply()>& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    return json_error(500, error_code::kInternalError, std::string("Internal error: ") + e.what());
  }
}

http::response<http::string_body> complete_response(Reply reply, unsigned version,
                                                    bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  for (auto& [name, value] : reply.headers) res.set(name, value);
  if (!reply.body.empty()) {
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(reply.body);
  }
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace streamable_http

}  // namespace gatecrash::mcp
