// mcp/async_client.h — the client side of one MCP session, callback-driven: lines in, lines out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/jsonrpc.h"
#include "mcp/limits.h"
#include "mcp/server_session.h"

namespace gatecrash::mcp {

// Errors this side makes up itself; a server never sent them. The first two are the MCP
// TypeScript SDK's ConnectionClosed and RequestTimeout; MCP defines no code for a cancelled
// request, so we use LSP's RequestCancelled.
namespace client_error_code {
inline constexpr int kConnectionClosed = -32000;
inline constexpr int kRequestTimeout = -32001;
inline constexpr int kRequestCancelled = -32800;
}  // namespace client_error_code

// A request this session sent. Its wire id is the string "u-<id>" (see wire_id); the empty
// handle (id 0) is what request() returns when it refused at once.
struct RequestHandle {
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
  friend bool operator==(RequestHandle, RequestHandle) = default;
};

using AnswerCallback = std::function<void(ClientAnswer)>;
using LineSink = std::function<void(std::string line)>;  // one message, no newline
// A server-to-client request (sampling, elicitation, roots). `respond` answers it exactly once;
// it may be kept and called later, and dropping every copy unanswered answers -32603.
using ServerRequestHandler = std::function<void(Request request, AnswerCallback respond)>;
using NotificationHandler = std::function<void(Notification notification)>;

// A line from the server that was not a usable message.
struct InvalidServerLine {
  std::string excerpt;  // its first 256 bytes
  DecodeError error;
};
using InvalidLineHandler = std::function<void(const InvalidServerLine&)>;

// What the server said about itself in its initialize result.
struct ServerDescription {
  std::string protocol_version;
  Json capabilities = Json::object();
  Json server_info = Json::object();
  std::string instructions;
};

struct AsyncClientOptions {
  Limits limits = default_limits();  // message decoding bounds and max_in_flight_requests
  // The first request's id. A transport that replaces its session (a restarted child) passes
  // the old session's next_request_id(), so ids and handles are never reused across sessions.
  std::uint64_t first_request_id = 1;
};

struct AsyncClientStats {
  std::uint64_t requests_sent = 0;
  std::uint64_t answers_received = 0;  // answers that completed a request
  std::uint64_t unknown_answers = 0;   // answers to ids not in flight (late, foreign): dropped
  std::uint64_t invalid_lines = 0;     // lines or batch elements that were not valid messages
  std::uint64_t server_requests = 0;
  std::uint64_t notifications_received = 0;
};

// The client-side twin of ServerSession. It knows nothing of transports: every message it sends
// goes to the LineSink, and the transport feeds every line from the server to receive(). Not
// thread-safe: the owner calls it from one thread or strand. Callbacks run inside receive(),
// cancel(), expire() and fail_all(); request() calls `done` itself only when it refuses at once.
// A callback may call back into the session, but must not destroy it.
class AsyncClientSession {
 public:
  explicit AsyncClientSession(LineSink sink, AsyncClientOptions options = {});
  // Completes whatever is still in flight with kConnectionClosed.
  ~AsyncClientSession();
  AsyncClientSession(const AsyncClientSession&) = delete;
  AsyncClientSession& operator=(const AsyncClientSession&) = delete;

  // Sends a request under a fresh id of ours; `done` gets its result or error exactly once. With
  // max_in_flight_requests already in flight it refuses: `done` gets -32603 before this returns,
  // and the handle is empty.
  RequestHandle request(std::string method, Json params, AnswerCallback done);
  void notify(std::string method, Json params = nullptr);
  // initialize, then notifications/initialized once the result is valid. `done` gets the
  // initialize result; a result without a protocolVersion we speak is an error (and no
  // notifications/initialized is sent). server() holds the description afterwards.
  RequestHandle initialize(std::string protocol_version, Json capabilities, Json client_info,
                           AnswerCallback done);

  // Gives up on a request: sends notifications/cancelled (with `reason`) and completes it with
  // kRequestCancelled. False when it is not in flight (already answered, or never sent).
  bool cancel(RequestHandle handle, std::string reason = {});
  // A transport's timeout: like cancel, but completes it with `error` and names error.message as
  // the reason. initialize is never cancelled on the wire (MCP forbids it), only completed.
  bool expire(RequestHandle handle, ErrorObject error);
  // Completes every request in flight with `error`, sending nothing: the transport is gone.
  void fail_all(const ErrorObject& error);

  // One line from the server (a message or a batch). Answers complete their requests; answers
  // to ids not in flight are counted and dropped; requests go to the server-request handler
  // (ping is answered here; with no handler, -32601); notifications to the notification handler.
  // An invalid line is counted and reported; when it is a broken answer to a request in flight,
  // that request fails with -32603 instead of waiting for a timeout.
  void receive(std::string_view line);
  // For a transport that refused a line itself (e.g. over the size limit): counted and reported
  // like an invalid line.
  void reject_line(std::string_view excerpt, DecodeError why);

  void on_server_request(ServerRequestHandler handler);
  void on_notification(NotificationHandler handler);
  void on_invalid_line(InvalidLineHandler handler);

  static RequestId wire_id(RequestHandle handle);  // "u-<id>"
  std::size_t in_flight() const;
  bool in_flight(RequestHandle handle) const;
  std::uint64_t next_request_id() const;
  const std::optional<ServerDescription>& server() const;  // set by a successful initialize
  const AsyncClientStats& stats() const;

 private:
  class Core;
  std::shared_ptr<Core> core_;  // shared so that a kept `respond` outliving us is harmless
};

}  // namespace gatecrash::mcp
