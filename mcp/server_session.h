// mcp/server_session.h — one MCP server session: lifecycle, dispatch, batches, cancellation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "mcp/jsonrpc.h"
#include "mcp/protocol.h"

namespace gatecrash::mcp {

// What the client declared in initialize.
struct ClientInfo {
  ProtocolVersion version = kNewestVersion;
  Json capabilities = Json::object();
  Json client_info = Json::object();
};

// Who the server says it is in the initialize result.
struct ServerIdentity {
  Json server_info;   // {"name", "version", ...}
  Json capabilities;  // {"tools": {...}, ...}
  std::string instructions;
};

// One message the session wants the transport to send.
struct Outbound {
  std::string text;  // one JSON-RPC message or batch array, single line, no newline; may be
                     // empty when completes_frame only closes the frame (e.g. after a cancel)
  // The inbound frame this answers or belongs to (HTTP sends it on that POST's stream);
  // nullopt for unrelated traffic (HTTP sends it on the GET stream).
  std::optional<std::uint64_t> frame;
  bool completes_frame = false;  // nothing more is owed to that frame after this
};
using OutboundSink = std::function<void(Outbound)>;

// One inbound message as the session saw it. Reported to the handler exactly once per message,
// before anything answering it is sent: this is what the mock's ledger is written from.
struct InboundRecord {
  std::int64_t received_ns = 0;  // CLOCK_REALTIME at receipt (follows libfaketime)
  std::string kind;              // "request" | "notification" | "response" | "invalid"
  std::string method;
  Json id;  // null when absent or unreadable
  // The message's params (a null value when absent), seen in place: valid only during
  // on_inbound, so a handler that keeps it copies it. Not copied for every message, because
  // params can be megabytes and most handlers (the gateway's) never look at them.
  const Json* params = &null_params();
  std::string outcome;  // "ok", "tool_error", "parse_error", "invalid_request", "method_not_found", ...
  std::string effect;   // the state change the message caused, "" for none
  std::string raw;      // for "invalid" only: the first bytes received

  static const Json& null_params() {
    static const Json kNull;
    return kNull;
  }
};

using ClientAnswer = std::variant<Json, ErrorObject>;
class SessionCore;

// A request in flight: the handler answers through it exactly once, now or later. Dropping the
// last reference without answering answers -32603, so a request is never left unanswered.
class RequestContext {
 public:
  RequestContext(std::weak_ptr<SessionCore> core, Request request, std::uint64_t frame,
                 std::int64_t received_ns);
  ~RequestContext();
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  const Request& request() const { return request_; }
  const ClientInfo& client() const;
  std::int64_t received_ns() const { return received_ns_; }
  // The frame (line or POST body) the request came in; the elements of one batch share it.
  std::uint64_t frame() const { return frame_; }
  bool cancelled() const { return cancelled_; }
  bool answered() const { return answered_; }

  // A notification related to this request (logging, progress), sent on its stream.
  void notify(std::string method, Json params);
  // notifications/progress, when the request carried _meta.progressToken; otherwise nothing.
  void progress(double done, std::optional<double> total = std::nullopt, std::string message = {});
  // A server-to-client request (sampling, elicitation, roots) sent on this request's stream.
  void ask_client(std::string method, Json params, std::function<void(ClientAnswer)> on_answer);

  // Called once if the client cancels this request (notifications/cancelled) before it is
  // answered: e.g. a gateway cancels what it forwarded. The answer is still owed but not sent.
  void on_cancel(std::function<void()> hook) { on_cancel_ = std::move(hook); }

  void reply(Json result, std::string outcome = "ok", std::string effect = {});
  void reply_error(ErrorObject error, std::string outcome, std::string effect = {});

 private:
  friend class SessionCore;
  void finish(Message answer, std::string outcome, std::string effect);

  std::weak_ptr<SessionCore> core_;
  Request request_;
  std::uint64_t frame_;
  std::int64_t received_ns_;
  bool cancelled_ = false;
  bool answered_ = false;
  std::function<void()> on_cancel_;
};

class ServerHandler {
 public:
  virtual ~ServerHandler() = default;
  virtual ServerIdentity identity() const = 0;
  // Every request other than initialize and ping once the session is initialized. Unknown
  // methods are the handler's to refuse (-32601): it alone knows what it serves.
  virtual void on_request(const std::shared_ptr<RequestContext>& ctx) = 0;
  virtual void on_notification(const Notification&, const ClientInfo&) {}
  virtual void on_inbound(const InboundRecord&) {}
};

// Not thread-safe: the transport calls it from one thread (or strand) only.
class ServerSession {
 public:
  using Clock = std::function<std::int64_t()>;  // CLOCK_REALTIME nanoseconds
  ServerSession(ServerHandler& handler, OutboundSink sink, Limits limits = default_limits(),
                Clock clock = {});
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // What a received frame owes: how many answers (0 means a notification/response-only frame,
  // which HTTP acknowledges with 202) and whether it was unusable as a whole.
  struct Receipt {
    std::uint64_t frame = 0;
    std::size_t answers_owed = 0;
    bool frame_error = false;    // parse error, oversize, batch not allowed: one error answer
    bool has_initialize = false;
  };

  // Decodes and handles one frame (a stdio line or an HTTP body).
  Receipt receive(std::string_view text);
  // Handles an already-decoded frame (the HTTP server decodes first to route by session).
  Receipt receive(std::string_view raw, std::variant<Frame, DecodeError> decoded);

  bool initialized() const;
  std::optional<ClientInfo> client() const;
  // Unrelated server-initiated notification (e.g. notifications/tools/list_changed).
  void notify(std::string method, Json params = nullptr);
  std::size_t in_flight() const;

 private:
  std::shared_ptr<SessionCore> core_;
};

std::int64_t realtime_ns();

}  // namespace gatecrash::mcp
