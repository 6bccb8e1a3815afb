// gateway/front_http.h — the Streamable HTTP front: many clients, bearer identities, sessions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gateway/config.h"
#include "gateway/gateway.h"

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
