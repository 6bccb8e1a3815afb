// mcp/http_upstream.cc — HttpUpstream's HTTP exchanges on Beast: kept-alive connection pools,
// bounded JSON and SSE answers, and a timeout on every socket operation.
//
// Each exchange is a coroutine on the owner's strand. Aborting one closes its socket, so its
// pending operation ends at once; the coroutine then sees `aborted` and returns without calling
// anything. The session logic that uses these exchanges is in http_upstream_session.cc.
#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>
#include <map>
#include <vector>

#include "mcp/http_upstream_exchanges.h"

namespace gatecrash::mcp::http_upstream {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string media_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return lower(value);
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe;
}

void describe(Outcome& outcome, const beast::error_code& ec, std::size_t max_bytes) {
  if (ec == beast::error::timeout) {
    outcome.failure = Failure::timed_out;
    outcome.error = "timed out";
  } else if (ec == http::error::body_limit) {
    outcome.failure = Failure::too_large;
    outcome.error = "the answer exceeds " + std::to_string(max_bytes) + " bytes";
  } else if (is_disconnect(ec) || ec.category() == net::error::get_system_category()) {
    outcome.failure = Failure::broken;
    outcome.error = ec.message();
  } else {
    outcome.failure = Failure::malformed;
    outcome.error = ec.message();
  }
}

// Splits an SSE body into events as its bytes arrive. Lines end in LF or CR LF; only `message`
// events (or events without a type) with non-blank data are messages, so priming events (an id
// and empty data) and keep-alive comments are skipped.
class SseReader {
 public:
  explicit SseReader(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  // Appends bytes and moves each completed message into `messages`. False once the event being
  // read exceeds the limit: the stream must then be dropped.
  bool feed(std::string_view bytes, std::vector<std::string>& messages) {
    std::size_t search_from = partial_.size();  // what is already there holds no line end
    partial_.append(bytes);
    std::size_t line_start = 0;
    for (;;) {
      const auto end = partial_.find('\n', search_from);
      if (end == std::string::npos) break;
      std::string_view line(partial_.data() + line_start, end - line_start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line, messages);
      line_start = search_from = end + 1;
    }
    partial_.erase(0, line_start);
    return partial_.size() + data_.size() <= max_event_bytes_;
  }

  std::optional<milliseconds> retry;
  std::string last_event_id;

 private:
  void on_line(std::string_view line, std::vector<std::string>& messages) {
    if (line.empty()) {
      if (has_data && (event_.empty() || event_ == "message") && !is_blank(data_))
        messages.push_back(std::move(data_));
      data_.clear();
      event_.clear();
      has_data = false;
      return;
    }
    if (line.front() == ':') return;
    const auto colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data) data_.push_back('\n');
      data_.append(value);
      has_data = true;
    } else if (field == "event") {
      event_ = std::string(value);
    } else if (field == "id") {
      last_event_id = std::string(value);
    } else if (field == "retry" && !value.empty() && value.size() <= 9 &&
               std::all_of(value.begin(), value.end(),
                           [](char c) { return c >= '0' && c <= '9'; })) {
      retry = milliseconds(std::stol(std::string(value)));
    }
  }

  std::size_t max_event_bytes_;
  std::string partial_;  // an incomplete line
  std::string data_;
  std::string event_;
  bool has_data = false;
};

struct Connection {
  explicit Connection(const Strand& strand) : stream(strand) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

struct Exchange {
  Exchanges::Id id = 0;
  Call call;
  bool aborted = false;
  bool counted = false;                     // holds a place under its lane's cap
  Connection* connection = nullptr;         // the one in use, for abort()
  std::shared_ptr<tcp::resolver> resolver;  // while resolving, for abort()

  // Ends whatever operation is pending, at once.
  void cut() {
    if (connection) connection->stream.close();
    if (resolver) resolver->cancel();
  }
};

enum class Attempt { keep, close, retry };

bool pooled(Lane lane) { return lane != Lane::stream; }
std::size_t slot(Lane lane) { return lane == Lane::request ? 0 : 1; }
bool success(int status) { return status >= 200 && status < 300; }

http::request<http::string_body> build_request(Call& call, const Endpoint& endpoint) {
  http::request<http::string_body> request;
  request.version(11);
  const http::verb verb = http::string_to_verb(call.method);
  if (verb == http::verb::unknown)
    request.method_string(call.method);
  else
    request.method(verb);
  request.target(endpoint.path);
  request.set(http::field::host, endpoint.authority);
  request.set(http::field::user_agent, "gatecrash");
  for (const auto& [name, value] : call.headers) {
    if (value.empty())
      request.erase(name);
    else
      request.set(name, value);
  }
  request.body() = std::move(call.body);
  if (!request.body().empty() || verb == http::verb::post) request.prepare_payload();
  return request;
}

Head head_of(const http::response<http::string_body>& response) {
  Head head;
  head.status = static_cast<int>(response.result_int());
  head.content_type = media_type(response[http::field::content_type]);
  head.session_id = std::string(response["Mcp-Session-Id"]);
  return head;
}

// Bounds the next socket operation by the exchange's deadline and idle timeout.
void arm(Connection& conn, const Exchange& ex) {
  auto until = ex.call.deadline;
  if (ex.call.idle_timeout) until = std::min(until, SteadyClock::now() + *ex.call.idle_timeout);
  if (until == SteadyClock::time_point::max())
    conn.stream.expires_never();
  else
    conn.stream.expires_at(until);
}

// A name lookup cannot be bounded by the stream's timer: cancel it when `budget` passes.
void bound_resolve(const Strand& strand, const std::shared_ptr<tcp::resolver>& resolver,
                   SteadyClock::time_point budget) {
  auto timer = std::make_shared<net::steady_timer>(strand, budget);
  std::weak_ptr<tcp::resolver> weak = resolver;
  timer->async_wait([timer, weak](beast::error_code) {
    if (auto r = weak.lock()) r->cancel();
  });
}

}  // namespace

std::variant<Endpoint, std::string> parse_endpoint(std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string_view::npos ? std::string() : lower(url.substr(0, scheme_end + 3));
  if (scheme == "https://")
    return "https is not supported, only plain http:// URLs: " + std::string(url);
  if (scheme != "http://") return "not an http:// URL: " + std::string(url);
  std::string_view rest = url.substr(scheme.size());
  const auto path_start = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, path_start);
  Endpoint endpoint;
  endpoint.authority = std::string(authority);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  path = path.substr(0, path.find('#'));
  endpoint.path = path.empty() || path.front() != '/' ? "/" + std::string(path) : std::string(path);
  std::string_view host = authority;
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "bad IPv6 host in URL: " + std::string(url);
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "bad host in URL: " + std::string(url);
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  const bool port_ok =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      std::stoul(std::string(port)) > 0 && std::stoul(std::string(port)) <= 65535;
  if (host.empty() || !port_ok || authority.find('@') != std::string_view::npos)
    return "bad host or port in URL: " + std::string(url);
  endpoint.host = host == "localhost" ? "127.0.0.1" : std::string(host);
  endpoint.port = std::string(port);
  return endpoint;
}

struct Exchanges::State : std::enable_shared_from_this<Exchanges::State> {
  State(Strand s, Endpoint e, ExchangeLimits l)
      : strand(std::move(s)), endpoint(std::move(e)), limits(l) {}

  void admit(std::shared_ptr<Exchange> ex) {
    const Lane lane = ex->call.lane;
    if (pooled(lane) && busy[slot(lane)] >= limits.max_connections)
      waiting[slot(lane)].push_back(std::move(ex));
    else
      launch(std::move(ex));
  }

  void launch(std::shared_ptr<Exchange> ex) {
    if (pooled(ex->call.lane)) {
      ++busy[slot(ex->call.lane)];
      ex->counted = true;
    }
    running.emplace(ex->id, ex);
    net::co_spawn(strand, run(shared_from_this(), std::move(ex)), net::detached);
  }

  // It no longer runs: its place under the cap goes to the next one waiting.
  void finish(Exchange& ex) {
    running.erase(ex.id);
    if (!ex.counted) return;
    ex.counted = false;
    const std::size_t lane = slot(ex.call.lane);
    --busy[lane];
    if (!waiting[lane].empty()) {
      auto next = std::move(waiting[lane].front());
      waiting[lane].pop_front();
      launch(std::move(next));
    }
  }

  void abort(Id id) {
    for (auto& queue : waiting) {
      auto it =
          std::find_if(queue.begin(), queue.end(), [id](const auto& ex) { return ex->id == id; });
      if (it != queue.end()) {
        queue.erase(it);
        return;
      }
    }
    auto it = running.find(id);
    if (it == running.end()) return;
    auto ex = it->second;
    ex->aborted = true;
    ex->cut();
    finish(*ex);
  }

  void abort_all() {
    for (auto& queue : waiting) queue.clear();
    auto stopping = std::move(running);
    running.clear();
    for (auto& [id, ex] : stopping) {
      ex->aborted = true;
      ex->counted = false;
      ex->cut();
    }
    busy = {};
    idle.clear();
  }

  static net::awaitable<void> run(std::shared_ptr<State> self, std::shared_ptr<Exchange> ex) {
    Outcome outcome = co_await self->perform(*ex);
    if (ex->aborted) co_return;
    self->finish(*ex);
    if (ex->call.on_done) ex->call.on_done(std::move(outcome));
  }

  // A reused connection the server has meanwhile closed fails before any answer byte: the
  // request never reached it, so it is sent once more, on a fresh connection (the other idle
  // ones are likely as stale).
  net::awaitable<Outcome> perform(Exchange& ex) {
    http::request<http::string_body> request = build_request(ex.call, endpoint);
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> conn;
      if (attempt == 0 && pooled(ex.call.lane) && !idle.empty()) {
        conn = std::move(idle.back());
        idle.pop_back();
      }
      const bool reused = conn != nullptr;
      if (!reused) {
        conn = std::make_unique<Connection>(strand);
        ex.connection = conn.get();
        Outcome connected = co_await connect(ex, *conn);
        if (ex.aborted || connected.failure != Failure::none) {
          ex.connection = nullptr;
          co_return connected;
        }
      }
      ex.connection = conn.get();
      Outcome outcome;
      const Attempt result = co_await exchange_on(ex, *conn, request, outcome);
      ex.connection = nullptr;
      if (ex.aborted) co_return outcome;
      if (result == Attempt::retry && reused && attempt == 0) continue;
      if (result == Attempt::keep && pooled(ex.call.lane) && idle.size() < limits.max_connections)
        idle.push_back(std::move(conn));
      co_return outcome;
    }
  }

  net::awaitable<Outcome> connect(Exchange& ex, Connection& conn) {
    Outcome outcome;
    const auto budget = std::min(ex.call.deadline, SteadyClock::now() + limits.connect_timeout);
    beast::error_code ec;
    const auto address = net::ip::make_address(endpoint.host, ec);
    conn.stream.expires_at(budget);
    if (!ec) {  // a literal address needs no lookup (Asio runs lookups on a thread of its own)
      const tcp::endpoint target(address, static_cast<std::uint16_t>(std::stoul(endpoint.port)));
      auto [connect_ec] = co_await conn.stream.async_connect(target, kTuple);
      ec = connect_ec;
    } else {
      auto resolver = std::make_shared<tcp::resolver>(strand);
      ex.resolver = resolver;
      bound_resolve(strand, resolver, budget);
      auto [resolve_ec, found] =
          co_await resolver->async_resolve(endpoint.host, endpoint.port, kTuple);
      ex.resolver.reset();
      ec = resolve_ec;
      if (!ec && !ex.aborted) {
        auto [connect_ec, used] = co_await conn.stream.async_connect(found, kTuple);
        ec = connect_ec;
      }
    }
    if (ex.aborted) co_return outcome;
    if (ec) {
      outcome.failure = Failure::unreachable;
      outcome.error =
          ec == beast::error::timeout || ec == net::error::operation_aborted
              ? "no connection within " + std::to_string(limits.connect_timeout.count()) + " ms"
              : lower(ec.message());
      co_return outcome;
    }
    conn.stream.socket().set_option(tcp::no_delay(true), ec);  // SSE events go out at once
    co_return outcome;
  }

  net::awaitable<Attempt> exchange_on(Exchange& ex, Connection& conn,
                                      const http::request<http::string_body>& request,
                                      Outcome& outcome) {
    arm(conn, ex);
    auto [write_ec, written] = co_await http::async_write(conn.stream, request, kTuple);
    if (ex.aborted) co_return Attempt::close;
    if (write_ec) {
      describe(outcome, write_ec, limits.max_message_bytes);
      co_return is_disconnect(write_ec) ? Attempt::retry : Attempt::close;
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
    parser.body_limit(limits.max_message_bytes);
    arm(conn, ex);
    auto [head_ec, head_bytes] =
        co_await http::async_read_header(conn.stream, conn.buffer, parser, kTuple);
    if (ex.aborted) co_return Attempt::close;
    if (head_ec) {
      describe(outcome, head_ec, limits.max_message_bytes);
      co_return is_disconnect(head_ec) && !parser.got_some() ? Attempt::retry : Attempt::close;
    }
    const Head head = head_of(parser.get());
    outcome.status = head.status;
    if (ex.call.on_head) ex.call.on_head(head);
    if (ex.aborted) co_return Attempt::close;
    const bool answered = success(head.status);
    bool whole;
    if (answered && head.content_type == "text/event-stream")
      whole = co_await read_events(ex, conn, parser, outcome);
    else
      whole = co_await read_body(ex, conn, parser, outcome,
                                 answered && head.content_type == "application/json");
    if (!whole || ex.aborted) co_return Attempt::close;
    co_return parser.get().keep_alive() ? Attempt::keep : Attempt::close;
  }

  // True when the whole body was read.
  net::awaitable<bool> read_body(Exchange& ex, Connection& conn,
                                 http::response_parser<http::string_body>& parser, Outcome& outcome,
                                 bool is_message) {
    if (!parser.is_done()) {
      arm(conn, ex);
      auto [ec, n] = co_await http::async_read(conn.stream, conn.buffer, parser, kTuple);
      if (ex.aborted) co_return false;
      if (ec) {
        describe(outcome, ec, limits.max_message_bytes);
        co_return false;
      }
    }
    std::string body = std::move(parser.get().body());
    if (!is_message) {
      outcome.body = std::move(body);
    } else if (!is_blank(body) && ex.call.on_message) {
      ex.call.on_message(std::move(body));
    }
    co_return !ex.aborted;
  }

  // Hands out each event as it completes; the body is bounded event by event, not as a whole.
  net::awaitable<bool> read_events(Exchange& ex, Connection& conn,
                                   http::response_parser<http::string_body>& parser,
                                   Outcome& outcome) {
    parser.body_limit(boost::none);
    SseReader reader(limits.max_message_bytes);
    std::vector<std::string> messages;
    while (!parser.is_done()) {
      arm(conn, ex);
      auto [ec, n] = co_await http::async_read_some(conn.stream, conn.buffer, parser, kTuple);
      if (ex.aborted) co_return false;
      std::string& body = parser.get().body();
      const bool fits = reader.feed(body, messages);
      body.clear();
      outcome.retry = reader.retry;
      outcome.last_event_id = reader.last_event_id;
      for (auto& message : messages) {
        if (ex.call.on_message) ex.call.on_message(std::move(message));
        if (ex.aborted) co_return false;
      }
      messages.clear();
      if (!fits) {
        outcome.failure = Failure::too_large;
        outcome.error = "an event exceeds " + std::to_string(limits.max_message_bytes) + " bytes";
        co_return false;
      }
      if (ec) {
        describe(outcome, ec, limits.max_message_bytes);
        co_return false;
      }
    }
    co_return true;
  }

  Strand strand;
  Endpoint endpoint;
  ExchangeLimits limits;
  Id last_id = 0;
  std::map<Id, std::shared_ptr<Exchange>> running;
  std::array<std::deque<std::shared_ptr<Exchange>>, 2> waiting;  // per pooled lane
  std::array<std::size_t, 2> busy{};
  std::vector<std::unique_ptr<Connection>> idle;  // kept-alive, free for the next exchange
};

Exchanges::Exchanges(Strand strand, Endpoint endpoint, ExchangeLimits limits)
    : state_(std::make_shared<State>(std::move(strand), std::move(endpoint), limits)) {}

Exchanges::~Exchanges() { state_->abort_all(); }

Exchanges::Id Exchanges::start(Call call) {
  auto ex = std::make_shared<Exchange>();
  ex->id = ++state_->last_id;
  ex->call = std::move(call);
  state_->admit(ex);
  return ex->id;
}

void Exchanges::abort(Id id) { state_->abort(id); }
void Exchanges::abort_all() { state_->abort_all(); }

}  // namespace gatecrash::mcp::http_upstream
