// mcp/http_server.h — an MCP Streamable HTTP server (2025-03-26 … 2025-11-25) over ServerSession.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mcp/limits.h"
#include "mcp/server_session.h"

namespace gatecrash::mcp {

// One HTTP request as the owner's hooks see it. Header names are lower-cased.
struct HttpRequestInfo {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote;      // "ip:port" of the peer
  std::string session_id;  // the Mcp-Session-Id sent, "" when none

  // The first value of a header (name in any case), or "" when absent.
  std::string header(std::string_view name) const;
};

// An HTTP answer the owner's `admit` hook gives instead of letting the request through.
struct HttpRejection {
  int status = 403;
  std::string body;  // sent as application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, see StreamableHttpServer::port()
  std::string path = "/mcp";
  // Body limit (max_message_bytes, 413 beyond it), header limit (431), read timeout (a client that
  // sends no complete request in time is disconnected; also bounds each write), session cap (503).
  Limits limits = default_limits();
  // Origins accepted besides the localhost ones (http(s)://localhost, 127.0.0.1, [::1], any
  // port). Compared exactly (ASCII case-insensitively). Requests without Origin are accepted.
  std::vector<std::string> allowed_origins;
  // Host header values accepted besides the localhost ones, when bound to a loopback address
  // (DNS-rebinding protection). When bound elsewhere the Host header is checked only if this
  // list is not empty.
  std::vector<std::string> allowed_hosts;
  // A MCP-Protocol-Version header naming a supported version other than the negotiated one:
  // false (default, as the TS SDK and the conformance suite's server-sse-multiple-streams
  // scenario expect) accepts it; true answers 400. An unsupported version is always 400.
  bool require_negotiated_version = false;
  // Reads each POST body instead of decode_frame when set (see FrameDecoder); servers leave it empty.
  FrameDecoder decoder;
  // I/O threads. Session work (every ServerSession and handler call) always runs on one strand.
  unsigned threads = 1;
  // Unrelated server messages kept per session while no GET stream is open (oldest dropped).
  std::size_t max_queued_unrelated = 1024;
  // Events buffered for one SSE stream whose client reads slowly; beyond this the stream is closed.
  std::size_t max_stream_backlog = 4096;
  // SSE comment (": keep-alive") interval on idle streams; it also notices vanished clients.
  std::chrono::milliseconds sse_keepalive{15'000};
  // Called on the I/O thread for each request to the MCP path after the transport checks
  // (Origin, Host, Accept, Content-Type); a returned rejection is sent as is. E.g. bearer auth.
  std::function<std::optional<HttpRejection>(const HttpRequestInfo&)> admit;
};

// Serves one MCP endpoint. Each session (created by a POSTed initialize) gets its own
// ServerHandler from the factory, which is told the session id (the "conn" of a ledger).
//
// Behaviour, by request:
// - POST: 415 unless Content-Type is application/json; 406 unless Accept lists both
//   application/json and text/event-stream; 413 beyond limits.max_message_bytes. A body that is
//   not JSON → 400 + -32700. initialize without Mcp-Session-Id creates a session (503 beyond
//   limits.max_http_sessions) and the answer carries Mcp-Session-Id; a failed initialize keeps
//   no session. Otherwise Mcp-Session-Id missing → 400, malformed → 400, unknown → 404; a
//   MCP-Protocol-Version header naming an unsupported version → 400 (absent: accepted; another
//   supported version: see require_negotiated_version). Notifications/responses only → 202. A
//   request → application/json when its answer was ready at once with nothing else related to send,
//   else text/event-stream carrying the related notifications and server→client requests, ended
//   after the answer. Whole-frame errors (parse error, batch not allowed) and an invalid single
//   message → 400.
// - GET (Accept: text/event-stream, else 406): the session's stream for unrelated server
//   messages (queued until it opens). One per session: a second concurrent GET gets 409.
// - DELETE: 200 and the session is gone (later requests with its id → 404).
// - Other methods → 405 (Allow: GET, POST, DELETE); other paths → 404; bad Origin or, on a
//   loopback binding, a non-localhost Host → 403. Unparseable HTTP → 400 and the connection is
//   closed; oversize headers → 431 and closed.
class StreamableHttpServer {
 public:
  using HandlerFactory =
      std::function<std::unique_ptr<ServerHandler>(const std::string& session_id)>;
  // Variant that also sees the initialize request (e.g. to bind the session to a bearer identity).
  using HandlerFactoryWithRequest = std::function<std::unique_ptr<ServerHandler>(
      const std::string& session_id, const HttpRequestInfo&)>;

  StreamableHttpServer(HttpServerOptions options, HandlerFactory make_handler);
  StreamableHttpServer(HttpServerOptions options, HandlerFactoryWithRequest make_handler);
  ~StreamableHttpServer();  // stop()s
  StreamableHttpServer(const StreamableHttpServer&) = delete;
  StreamableHttpServer& operator=(const StreamableHttpServer&) = delete;

  // Binds and listens (idempotent). Throws std::runtime_error when the address is not an IP
  // address (or "localhost") or cannot be bound.
  void listen();
  // listen()s and serves on `options.threads` internal threads; returns at once.
  void start();
  // listen()s and serves in the calling thread (plus threads-1 helpers) until stop().
  void run();
  // Closes the listener, every connection and stream, drops all sessions, and joins the
  // internal threads. Safe from any thread, repeatedly; from a session callback it only
  // initiates the shutdown.
  void stop();

  std::uint16_t port() const;  // the bound port (after listen())
  std::string url() const;     // "http://<bind address>:<port><path>"
  std::size_t session_count() const;

  // Runs `fn` on the session strand (where handlers run): the way for handlers to answer later.
  void post(std::function<void()> fn);
  void post_after(std::chrono::milliseconds delay, std::function<void()> fn);
  // Unrelated notification to one session / to every session (GET stream, or queued).
  void notify(const std::string& session_id, std::string method, Json params = nullptr);
  void notify_all(std::string method, Json params = nullptr);
  // Ends one session as if the client had sent DELETE.
  void close_session(const std::string& session_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatecrash::mcp
