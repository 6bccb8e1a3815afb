// mcp/http_upstream.h — an MCP server reached over Streamable HTTP, driven asynchronously.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mcp/async_client.h"
#include "mcp/http_client.h"
#include "mcp/limits.h"
#include "mcp/protocol.h"
#include "mcp/upstream.h"

namespace boost::asio {
class io_context;
}

namespace gatecrash::mcp {

struct HttpUpstreamOptions {
  std::string name;  // how errors name the upstream: "upstream <name> is unreachable ..."
  // http://host[:port]/path; https is refused by start(). An IP address (or localhost) is used
  // as it is; another host name is looked up on Asio's resolver thread at each connect.
  std::string url;
  // Sent on every request (e.g. Authorization), replacing ours of the same name; an empty value
  // removes one of ours.
  HttpHeaders headers;
  // max_message_bytes bounds every answer body and every SSE event; max_in_flight_requests
  // bounds request(); request_timeout is the default per-request timeout, and initialize's.
  Limits limits = default_limits();
  std::string protocol_version{to_string(kNewestVersion)};
  Json capabilities = Json::object();  // what we declare in initialize (e.g. {"sampling": {}})
  Json client_info = {{"name", "gatecrash"}, {"version", "0.1.0"}};
  // Bound of one TCP connect (and name lookup). A server that cannot be reached within it is
  // unreachable: start() fails, and a ready session is lost.
  std::chrono::milliseconds connect_timeout{5000};
  // Kept-alive connections for request POSTs; more requests wait for one to be free. Messages
  // that answer the server or notify it have as many connections of their own (so they never
  // wait behind long requests), and the GET stream has one more.
  std::size_t max_connections = 8;
  // How long stop() and restart() wait for the server to answer the DELETE of the session.
  std::chrono::milliseconds delete_timeout{1000};
  // A GET stream silent for this long (not even a keep-alive comment) is dropped and reopened.
  std::chrono::milliseconds stream_idle_timeout{60'000};
  // Bounds of the wait before the GET stream is reopened: it doubles from the first to the
  // last while reopening fails, and a server's SSE `retry:` replaces it (up to the last).
  std::chrono::milliseconds first_stream_backoff{100};
  std::chrono::milliseconds last_stream_backoff{5000};
};

// One Streamable HTTP session (protocol revisions 2025-03-26 to 2025-11-25) that requests are
// multiplexed onto: each message we send is one POST (requests under ids of our own, see
// AsyncClientSession), answered with JSON or with an SSE stream that may first carry
// notifications and server-to-client requests; after initialize a GET stream carries the
// server's unrelated messages and is reopened if it drops. It never restarts by itself: on_exit
// tells the owner, whose policy decides when to call restart().
//
// The session is lost — every call in flight fails with -32603, and on_exit reports it with
// requested=false — when the server answers 404 to our session id, or when it cannot be
// reached: a connection refused or not made within connect_timeout, or a request's connection
// broken before its answer after which an OPTIONS probe on a fresh connection is not answered
// either (when it is, only that request fails). Answers over max_message_bytes and HTTP errors
// fail only the request they answer. No POST stream is resumed; the GET stream is reopened with
// Last-Event-ID when the server gave event ids.
//
// Threading: everything runs on a strand of the io_context given at construction; no thread of
// its own. Call the member functions on that strand (through dispatch() from elsewhere); every
// callback runs there too, never inside the call that registered it. Do not destroy the upstream
// from inside one of its callbacks, and destroy it before the io_context.
class HttpUpstream final : public Upstream {
 public:
  HttpUpstream(boost::asio::io_context& io, HttpUpstreamOptions options);
  // Fails what is in flight and closes every socket at once, without a DELETE (which would need
  // the event loop): prefer stop() while the loop runs.
  ~HttpUpstream() override;
  HttpUpstream(const HttpUpstream&) = delete;
  HttpUpstream& operator=(const HttpUpstream&) = delete;

  // Connects and initializes (initialize, then notifications/initialized once it is accepted);
  // `ready` gets the initialize result or why it failed. A start that gets that far always ends
  // with one on_exit, a failed initialize included; refused at once (with no on_exit): a URL
  // that is not http://, or a session still running.
  void start(AnswerCallback ready) override;
  // Stops the current session (if any), then start()s a new one.
  void restart(AnswerCallback ready) override;
  // Fails what is in flight, DELETEs the session (waiting at most delete_timeout for the
  // answer), closes every socket; `stopped` runs once nothing of the session is left.
  void stop(std::function<void()> stopped = {}) override;

  // A request to the server. `done` gets its answer, or an error: -32001 after `timeout`
  // (default limits.request_timeout; notifications/cancelled is then sent upstream), -32603 when
  // the upstream is not ready, the session is lost or stopped, too many requests are in flight,
  // the answer is an HTTP error (with the status and body as data), too big, or missing.
  RequestHandle request(std::string method, Json params, AnswerCallback done,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt) override;
  bool notify(std::string method, Json params = nullptr) override;  // false when not ready
  // Cancels upstream and completes `done` with kRequestCancelled; false if not in flight.
  bool cancel(RequestHandle handle, std::string reason = {}) override;

  // Handlers survive restarts. A `respond` kept across a restart answers nothing.
  void on_server_request(ServerRequestHandler handler) override;
  void on_notification(NotificationHandler handler) override;
  void on_invalid_line(InvalidLineHandler handler);  // messages from the server that were invalid
  void on_exit(std::function<void(const UpstreamExit&)> handler) override;

  // Runs `task` on the upstream's strand (inline if already there).
  void dispatch(std::function<void()> task) override;

  UpstreamState state() const override;
  std::optional<ServerDescription> server() const override;
  std::size_t in_flight() const override;
  const std::string& name() const override;
  // The Mcp-Session-Id the server gave the current session; "" when none (yet).
  const std::string& session_id() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace gatecrash::mcp
