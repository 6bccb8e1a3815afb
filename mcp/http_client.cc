// mcp/http_client.cc — synchronous Streamable HTTP client on Beast: each call drives a private
// io_context until its operation completes or its deadline passes.
#include "mcp/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace gatecrash::mcp {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace detail {
struct HttpConnection {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool poisoned = false;  // an abandoned handler may still reference a dead frame: never run again
};
}  // namespace detail

using detail::HttpConnection;

namespace {

constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kRawReadChunk = 64 * 1024;
constexpr std::size_t kSseCompactBytes = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return lower(value);
}

// Runs the connection's loop until `done` or the deadline; false on timeout (op still pending).
bool drive(HttpConnection& c, const bool& done, Clock::time_point deadline) {
  while (!done) {
    if (c.poisoned || Clock::now() >= deadline) return false;
    if (c.ioc.stopped()) c.ioc.restart();
    c.ioc.run_one_until(deadline);
  }
  return true;
}

// Gives up a pending operation: closes the socket so its handler runs (with operation_aborted).
void abandon(HttpConnection& c, const bool& done) {
  beast::error_code ec;
  c.socket.close(ec);
  if (!drive(c, done, Clock::now() + std::chrono::seconds(1))) c.poisoned = true;
}

// Starts one asynchronous operation with `start(handler)` and waits for it until `deadline`.
template <typename Start>
beast::error_code run_op(HttpConnection& c, Clock::time_point deadline, Start&& start,
                         bool& timed_out) {
  bool done = false;
  beast::error_code result;
  start([&done, &result](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  if (!drive(c, done, deadline)) {
    timed_out = true;
    abandon(c, done);
    return net::error::timed_out;
  }
  return result;
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == http::error::partial_message;
}

std::unique_ptr<HttpConnection> connect(const std::string& host, const std::string& port,
                                        Clock::time_point deadline, std::string& error,
                                        bool& timed_out) {
  auto conn = std::make_unique<HttpConnection>();
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (!ec) {  // a literal address: no resolver (Asio runs one on a helper thread)
    std::uint16_t port_number = 0;
    try {
      port_number = static_cast<std::uint16_t>(std::stoul(port));
    } catch (const std::exception&) {
      error = "bad port " + port;
      return nullptr;
    }
    const tcp::endpoint endpoint(address, port_number);
    ec = run_op(
        *conn, deadline, [&](auto handler) { conn->socket.async_connect(endpoint, handler); },
        timed_out);
  } else {
    tcp::resolver resolver(conn->ioc);
    tcp::resolver::results_type endpoints;
    ec = run_op(
        *conn, deadline,
        [&](auto handler) {
          resolver.async_resolve(
              host, port,
              [&endpoints, handler](beast::error_code e, tcp::resolver::results_type r) {
                endpoints = std::move(r);
                handler(e);
              });
        },
        timed_out);
    if (!ec) {
      ec = run_op(
          *conn, deadline,
          [&](auto handler) { net::async_connect(conn->socket, endpoints, handler); }, timed_out);
    }
  }
  if (ec) {
    error = "connect to " + host + ":" + port + ": " +
            (timed_out ? std::string("timeout") : ec.message());
    return nullptr;
  }
  conn->socket.set_option(tcp::no_delay(true), ec);
  return conn;
}

}  // namespace

std::string HttpExchange::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

// ---------------- HttpEventStream ----------------

struct HttpEventStream::Impl {
  ~Impl() { conn.reset(); }  // first: no pending handler may outlive the parser it points at

  HttpExchange response;
  std::unique_ptr<http::response_parser<http::string_body>> parser;
  std::size_t max_bytes = 0;
  bool keep_raw = false;  // post(): keep the whole body for raw_body
  std::deque<std::string> pending;
  bool ended = false;
  bool clean_end = false;  // the parser finished: the connection can serve another request
  bool reading = false;
  bool read_done = false;
  beast::error_code read_ec;
  // SSE parsing state.
  std::size_t consumed = 0;
  std::string data;
  std::string event;
  bool has_data = false;
  std::unique_ptr<HttpConnection> conn;

  bool sse() const { return response.content_type == "text/event-stream"; }

  void fail(std::string message) {
    if (response.error.empty()) response.error = std::move(message);
    ended = true;
    clean_end = false;
    if (conn) {
      beast::error_code ec;
      conn->socket.close(ec);
    }
  }

  void on_line(std::string_view line) {
    if (line.empty()) {
      if (has_data) {
        if (!data.empty() && data.back() == '\n') data.pop_back();
        if (event.empty() || event == "message") pending.push_back(std::move(data));
      }
      data.clear();
      event.clear();
      has_data = false;
      return;
    }
    if (line.front() == ':') return;  // comment / keep-alive
    const auto colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      data.append(value);
      data.push_back('\n');
      has_data = true;
    } else if (field == "event") {
      event = std::string(value);
    }
  }

  void parse_sse() {
    std::string& body = parser->get().body();
    for (;;) {
      const auto nl = body.find('\n', consumed);
      if (nl == std::string::npos) break;
      std::string_view line(body.data() + consumed, nl - consumed);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      consumed = nl + 1;
      on_line(line);
    }
    if (!keep_raw && consumed > kSseCompactBytes) {
      body.erase(0, consumed);
      consumed = 0;
    }
    if (body.size() - consumed > max_bytes)
      fail("an SSE event exceeds " + std::to_string(max_bytes) + " bytes");
  }

  void on_complete_body() {
    ended = true;
    clean_end = true;
    if (sse()) {
      parse_sse();
      return;
    }
    const std::string& body = parser->get().body();
    if (response.content_type == "application/json" && !body.empty()) pending.push_back(body);
  }

  // Reads once more. False when the deadline passed with the read still pending.
  bool pump(Clock::time_point deadline) {
    if (!reading) {
      reading = true;
      read_done = false;
      http::async_read_some(conn->socket, conn->buffer, *parser,
                            [this](beast::error_code ec, std::size_t) {
                              read_ec = ec;
                              read_done = true;
                            });
    }
    if (!drive(*conn, read_done, deadline)) {
      if (conn->poisoned) fail("connection abandoned");
      return false;
    }
    reading = false;
    if (read_ec) {
      if (read_ec == http::error::body_limit) {
        fail("the answer exceeds " + std::to_string(max_bytes) + " bytes");
      } else if (is_disconnect(read_ec)) {
        if (sse()) parse_sse();
        fail("connection closed before the answer ended");
      } else {
        fail(read_ec.message());
      }
      return true;
    }
    if (parser->is_done()) {
      on_complete_body();
    } else if (sse()) {
      parse_sse();
    }
    return true;
  }
};

HttpEventStream::HttpEventStream() : impl_(std::make_unique<Impl>()) {}
HttpEventStream::~HttpEventStream() = default;
HttpEventStream::HttpEventStream(HttpEventStream&&) noexcept = default;
HttpEventStream& HttpEventStream::operator=(HttpEventStream&&) noexcept = default;

const HttpExchange& HttpEventStream::response() const { return impl_->response; }

std::optional<std::string> HttpEventStream::next(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (!impl_->pending.empty()) {
      std::string message = std::move(impl_->pending.front());
      impl_->pending.pop_front();
      return message;
    }
    if (impl_->ended || !impl_->conn) return std::nullopt;
    if (!impl_->pump(deadline)) return std::nullopt;
  }
}

bool HttpEventStream::ended() const {
  return impl_->pending.empty() && (impl_->ended || !impl_->conn);
}

void HttpEventStream::close() {
  impl_->conn.reset();
  impl_->ended = true;
  impl_->clean_end = false;
  impl_->pending.clear();
}

// ---------------- StreamableHttpClient ----------------

StreamableHttpClient::StreamableHttpClient(std::string url, HttpClientOptions options)
    : url_(std::move(url)), options_(std::move(options)) {
  std::string_view rest = url_;
  if (!rest.starts_with("http://")) throw std::invalid_argument("not an http:// URL: " + url_);
  rest.remove_prefix(7);
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  target_ = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  host_header_ = std::string(authority);
  std::string_view host = authority;
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw std::invalid_argument("bad IPv6 host in URL: " + url_);
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty()) throw std::invalid_argument("bad host or port in URL: " + url_);
  host_ = std::string(host);
  port_ = std::string(port);
}

StreamableHttpClient::~StreamableHttpClient() = default;

HttpEventStream StreamableHttpClient::exchange(std::string method, std::string target,
                                               std::string body, const HttpHeaders& defaults,
                                               const HttpHeaders& extra_headers, bool reuse) {
  const auto deadline = Clock::now() + options_.timeout;
  http::request<http::string_body> req;
  req.version(11);
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    req.method_string(method);
  else
    req.method(verb);
  req.target(target);
  req.set(http::field::host, host_header_);
  req.set(http::field::user_agent, "gatecrash");
  req.keep_alive(options_.keep_alive);
  req.body() = std::move(body);
  if (!req.body().empty() || verb == http::verb::post) req.prepare_payload();
  auto apply = [&req](const HttpHeaders& headers) {
    for (const auto& [name, value] : headers) {
      if (value.empty())
        req.erase(name);
      else
        req.set(name, value);
    }
  };
  apply(defaults);
  apply(options_.headers);
  apply(extra_headers);

  HttpEventStream stream;
  HttpEventStream::Impl& s = *stream.impl_;
  s.max_bytes = options_.max_response_bytes;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = reuse && attempt == 0 && idle_;
    bool timed_out = false;
    std::unique_ptr<HttpConnection> conn;
    if (reused) {
      conn = std::move(idle_);
    } else {
      std::string error;
      conn = connect(host_, port_, deadline, error, timed_out);
      if (!conn) {
        s.response.error = std::move(error);
        s.response.timed_out = timed_out;
        s.ended = true;
        return stream;
      }
    }
    beast::error_code ec = run_op(
        *conn, deadline, [&](auto handler) { http::async_write(conn->socket, req, handler); },
        timed_out);
    if (ec && reused && !timed_out) continue;  // the server had closed the idle connection
    auto parser = std::make_unique<http::response_parser<http::string_body>>();
    parser->header_limit(kHeaderLimit);
    parser->body_limit(options_.max_response_bytes);
    if (!ec) {
      ec = run_op(
          *conn, deadline,
          [&](auto handler) {
            http::async_read_header(conn->socket, conn->buffer, *parser, handler);
          },
          timed_out);
      if (ec && reused && !timed_out && is_disconnect(ec) && conn->buffer.size() == 0) continue;
    }
    if (ec) {
      s.response.error = timed_out ? std::string("timeout") : ec.message();
      s.response.timed_out = timed_out;
      s.ended = true;
      return stream;
    }
    auto& head = parser->get();
    s.response.status = static_cast<int>(head.result_int());
    for (const auto& field : head) {
      std::string name = lower(field.name_string());
      auto [it, inserted] = s.response.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    s.response.content_type = media_type(head[http::field::content_type]);
    if (s.sse()) parser->body_limit(boost::none);  // bounded per event instead
    s.parser = std::move(parser);
    s.conn = std::move(conn);
    if (s.parser->is_done()) s.on_complete_body();
    return stream;
  }
  s.response.error = "connection closed before an answer";
  s.ended = true;
  return stream;
}

HttpExchange StreamableHttpClient::collect(HttpEventStream stream, bool capture_session,
                                           Clock::time_point deadline) {
  HttpEventStream::Impl& s = *stream.impl_;
  s.keep_raw = true;
  HttpExchange out;
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline && s.pending.empty()) {
      if (!stream.ended()) {
        s.fail("timeout");
        s.response.timed_out = true;
      }
      break;
    }
    auto message =
        stream.next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                    std::chrono::milliseconds(1));
    if (message) {
      out.messages.push_back(std::move(*message));
    } else if (stream.ended()) {
      break;
    }
  }
  out.status = s.response.status;
  out.headers = std::move(s.response.headers);
  out.content_type = std::move(s.response.content_type);
  out.error = std::move(s.response.error);
  out.timed_out = s.response.timed_out;
  if (s.parser) out.raw_body = std::move(s.parser->get().body());
  if (capture_session && out.status == 200) {
    if (auto it = out.headers.find("mcp-session-id"); it != out.headers.end())
      session_id_ = it->second;
  }
  if (s.clean_end && s.conn && !s.conn->poisoned && options_.keep_alive &&
      s.parser->get().keep_alive()) {
    idle_ = std::move(s.conn);
  }
  return out;
}

namespace {
bool is_initialize(const std::string& body) {
  if (body.find("\"initialize\"") == std::string::npos) return false;
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_object() && parsed.contains("method") && parsed["method"] == "initialize";
}
}  // namespace

HttpExchange StreamableHttpClient::post(std::string body, const HttpHeaders& extra_headers) {
  const auto deadline = Clock::now() + options_.timeout;
  const bool initialize = is_initialize(body);
  HttpHeaders defaults = {{"Accept", "application/json, text/event-stream"},
                          {"Content-Type", "application/json"}};
  if (!session_id_.empty()) defaults.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) defaults.emplace_back("MCP-Protocol-Version", protocol_version_);
  return collect(exchange("POST", target_, std::move(body), defaults, extra_headers, true),
                 initialize, deadline);
}

HttpEventStream StreamableHttpClient::open_post(std::string body,
                                                const HttpHeaders& extra_headers) {
  HttpHeaders defaults = {{"Accept", "application/json, text/event-stream"},
                          {"Content-Type", "application/json"}};
  if (!session_id_.empty()) defaults.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) defaults.emplace_back("MCP-Protocol-Version", protocol_version_);
  HttpEventStream stream =
      exchange("POST", target_, std::move(body), defaults, extra_headers, false);
  if (stream.status() == 200 && session_id_.empty()) {
    const std::string id = stream.response().header("mcp-session-id");
    if (!id.empty()) session_id_ = id;
  }
  return stream;
}

HttpEventStream StreamableHttpClient::get_stream(const HttpHeaders& extra_headers) {
  HttpHeaders defaults = {{"Accept", "text/event-stream"}};
  if (!session_id_.empty()) defaults.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) defaults.emplace_back("MCP-Protocol-Version", protocol_version_);
  return exchange("GET", target_, {}, defaults, extra_headers, false);
}

HttpExchange StreamableHttpClient::del(const HttpHeaders& extra_headers) {
  const auto deadline = Clock::now() + options_.timeout;
  HttpHeaders defaults;
  if (!session_id_.empty()) defaults.emplace_back("Mcp-Session-Id", session_id_);
  if (!protocol_version_.empty()) defaults.emplace_back("MCP-Protocol-Version", protocol_version_);
  return collect(exchange("DELETE", target_, {}, defaults, extra_headers, true), false, deadline);
}

HttpExchange StreamableHttpClient::request(std::string method, std::string target, std::string body,
                                           const HttpHeaders& extra_headers) {
  const auto deadline = Clock::now() + options_.timeout;
  return collect(
      exchange(std::move(method), std::move(target), std::move(body), {}, extra_headers, true),
      false, deadline);
}

RawExchange StreamableHttpClient::raw(std::string bytes,
                                      std::optional<std::chrono::milliseconds> timeout) {
  std::vector<std::string> parts;
  parts.push_back(std::move(bytes));
  return raw_in_turns(std::move(parts), timeout);
}

RawExchange StreamableHttpClient::raw_in_turns(std::vector<std::string> parts,
                                               std::optional<std::chrono::milliseconds> timeout) {
  const auto deadline = Clock::now() + timeout.value_or(options_.timeout);
  RawExchange out;
  bool timed_out = false;
  auto conn = connect(host_, port_, deadline, out.error, timed_out);
  if (!conn) {
    out.timed_out = timed_out;
    return out;
  }
  std::size_t next_part = 0;
  std::size_t received_at_write = 0;
  std::string chunk(kRawReadChunk, '\0');
  while (!timed_out) {
    if (next_part < parts.size() && (next_part == 0 || out.received.size() > received_at_write)) {
      beast::error_code ec = run_op(
          *conn, deadline,
          [&](auto handler) {
            net::async_write(conn->socket, net::buffer(parts[next_part]), handler);
          },
          timed_out);
      ++next_part;
      received_at_write = out.received.size();
      if (ec && !timed_out && !is_disconnect(ec)) out.error = ec.message();
      if (timed_out) break;
    }
    if (out.received.size() >= options_.max_response_bytes) break;
    std::size_t got = 0;
    beast::error_code ec = run_op(
        *conn, deadline,
        [&](auto handler) {
          conn->socket.async_read_some(net::buffer(chunk),
                                       [&got, handler](beast::error_code e, std::size_t n) {
                                         got = n;
                                         handler(e);
                                       });
        },
        timed_out);
    out.received.append(chunk, 0, got);
    if (ec) {
      if (!timed_out) {
        out.peer_closed = is_disconnect(ec);
        if (!out.peer_closed && out.error.empty()) out.error = ec.message();
      }
      break;
    }
  }
  out.timed_out = timed_out;
  return out;
}

}  // namespace gatecrash::mcp
