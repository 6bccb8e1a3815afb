// mcp/http_upstream_exchanges.h — HTTP exchanges on a strand for HttpUpstream: the Beast-free seam
// between the MCP session logic (http_upstream_session.cc) and the sockets (http_upstream.cc).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mcp/http_client.h"

namespace gatecrash::mcp::http_upstream {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using SteadyClock = std::chrono::steady_clock;

// Where an MCP endpoint is: from "http://host[:port][/path]".
struct Endpoint {
  std::string host;       // without brackets for IPv6
  std::string port;       // "80" when the URL names none
  std::string authority;  // the Host header: host[:port] as written
  std::string path;       // "/" when the URL names none; the query is kept
};

// The endpoint of an http:// URL, or why it is not one we can use (https, no host, ...).
std::variant<Endpoint, std::string> parse_endpoint(std::string_view url);

// Why an exchange ended without a whole HTTP answer.
enum class Failure {
  none,
  unreachable,  // no connection: refused, unresolvable, or not within connect_timeout
  broken,       // the connection closed or reset before the answer ended
  timed_out,    // the exchange's deadline or idle timeout passed
  too_large,    // an answer body or one SSE event over max_message_bytes
  malformed,    // not a valid HTTP answer
};

// The head of an answer, given before any of its messages.
struct Head {
  int status = 0;
  std::string content_type;  // media type only, lower-cased
  std::string session_id;    // Mcp-Session-Id, "" when absent
};

struct Outcome {
  int status = 0;  // 0 when no HTTP answer arrived
  Failure failure = Failure::none;
  std::string error;  // what went wrong, for messages ("connection refused", ...)
  // The body of an answer that was not a 2xx JSON or SSE one (an HTTP error's explanation),
  // bounded by max_message_bytes.
  std::string body;
  std::optional<std::chrono::milliseconds> retry;  // an SSE `retry:` field, the last one seen
  std::string last_event_id;                       // an SSE `id:` field, the last one seen
};

// Pooled lanes have their own connection caps, so that small messages to the server (answers it
// waits for, cancellations) never queue behind long-running requests. A stream exchange gets a
// fresh connection of its own, never pooled.
enum class Lane { request, message, stream };

struct Call {
  std::string method;  // "POST", "GET", "DELETE", "OPTIONS"
  std::string body;
  HttpHeaders headers;  // applied in order after Host; a later one replaces an earlier one
  Lane lane = Lane::request;
  SteadyClock::time_point deadline = SteadyClock::time_point::max();  // of the whole exchange
  // The longest silence while the answer is read (GET streams); nullopt: only the deadline.
  std::optional<std::chrono::milliseconds> idle_timeout;
  // All three run on the strand, never inside start(). on_message gets each JSON text of a 2xx
  // answer: an application/json body or the data of each SSE `message` event.
  std::function<void(const Head&)> on_head;
  std::function<void(std::string)> on_message;
  std::function<void(Outcome)> on_done;
};

struct ExchangeLimits {
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds connect_timeout{5000};
  std::size_t max_connections = 8;  // per pooled lane, busy or idle
};

// Runs HTTP/1.1 exchanges with one endpoint on a strand, reusing kept-alive connections. Call it
// on the strand only. Every socket operation is bounded: connects by connect_timeout, the rest by
// the exchange's deadline and idle timeout.
class Exchanges {
 public:
  using Id = std::uint64_t;

  Exchanges(Strand strand, Endpoint endpoint, ExchangeLimits limits);
  ~Exchanges();  // abort_all()
  Exchanges(const Exchanges&) = delete;
  Exchanges& operator=(const Exchanges&) = delete;

  // Starts (or queues, when its lane is at max_connections) one exchange.
  Id start(Call call);
  // Drops one exchange: its connection is closed and none of its callbacks runs any more.
  void abort(Id id);
  // Aborts every exchange and closes every idle connection; new exchanges may start afterwards.
  void abort_all();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gatecrash::mcp::http_upstream
