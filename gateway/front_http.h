// gateway/front_http.h — the Streamable HTTP front: many clients, bearer identities, sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "gateway/config.h"
#include "gateway/gateway.h"
#include "mcp/http_server.h"

namespace gatecrash::gateway {

struct HttpFrontOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  std::uint16_t port = 0;          // 0: an ephemeral port (see url())
  // With grants, every request needs "Authorization: Bearer <token>" of a granted token (401
  // otherwise) and acts as that identity. Without, every session is `default_identity`.
  std::optional<Grants> grants;
  std::string default_identity = "anonymous";
  unsigned threads = 1;
};

// Where an HTTP session's work and notifications go: HttpFront's server (its session strand), or
// an in-process driver (fuzz/http_request_fuzzer.cc).
struct HttpSessionStrand {
  std::function<void(std::function<void()>)> post;
  std::function<void(std::chrono::milliseconds, std::function<void()>)> post_after;
  std::function<void(const std::string& session_id, std::string method, Json params)> notify;
};

// The front's part of every request, without a server: bearer authentication (401), session
// ownership (another identity's session is 404), the per-identity session cap (429), and one
// SessionHandler per new session. HttpFront serves server_options() with make_handler() as the
// handler factory. Thread-safe.
class HttpAccess {
 public:
  HttpAccess(Gateway& gateway, HttpFrontOptions options, HttpSessionStrand strand);

  // What HttpFront gives its StreamableHttpServer: the front's address, the gateway's protocol
  // limits, and admit() as the admit hook. The hook refers to this object.
  mcp::HttpServerOptions server_options();
  std::optional<mcp::HttpRejection> admit(const mcp::HttpRequestInfo& info);
  std::unique_ptr<mcp::ServerHandler> make_handler(const std::string& session_id,
                                                   const mcp::HttpRequestInfo& info);

 private:
  // The identity a request acts as, or the rejection to answer it with.
  std::variant<std::string, mcp::HttpRejection> authenticate(const mcp::HttpRequestInfo& info) const;

  Gateway& gateway_;
  HttpFrontOptions options_;
  HttpSessionStrand strand_;
  std::mutex mu_;
  std::map<std::string, std::string> session_identity_;  // session id -> identity
  std::map<std::string, std::size_t> sessions_of_;       // identity -> open sessions
};

// Serves the gateway over MCP Streamable HTTP at /mcp. A session belongs to the identity that
// created it: a request naming another identity's session is answered like an unknown session
// (404), so session ids cannot be replayed across identities (A13).
class HttpFront {
 public:
  HttpFront(Gateway& gateway, HttpFrontOptions options);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Binds and serves on internal threads; throws std::runtime_error naming the address.
  void start();
  // Closes the listener and every session.
  void stop();
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatecrash::gateway
