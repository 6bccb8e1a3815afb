// mcp/http_server_transport.h — the HTTP server's Beast-free request checks and response shapes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mcp/http_server.h"

namespace gatecrash::mcp::streamable_http {

// ---- text ----

std::string lower(std::string_view s);
std::string_view trim(std::string_view s);  // spaces and tabs
// The media type of a Content-Type value, without parameters, lower-cased.
std::string media_type(std::string_view value);
// Whether an Accept value lists `media` (parameters such as q= are ignored).
bool accepts(std::string_view accept, std::string_view media);

// ---- what a request gets back ----

class SseChannel;  // http_server_sessions.h

// A complete response, or the head of an SSE stream.
struct Reply {
  unsigned status = 200;
  std::string body;  // sent as application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<SseChannel> sse;
  bool close = false;
};

// An HTTP error whose body is a JSON-RPC error without id.
Reply json_error(unsigned status, int code, std::string message);

// One SSE event carrying one JSON-RPC message (or batch).
std::string sse_event(std::string_view text);

// ---- session ids ----

// 32 lower-case hex digits from getrandom (std::random_device if that fails).
std::string random_session_id();
// Whether a client-sent Mcp-Session-Id could be one: 1 to 256 visible ASCII characters.
bool valid_session_id(std::string_view id);

// ---- transport checks ----

enum class HttpMethod { get, post, delete_, other };

// The parts of one HTTP request the transport checks read (views into the request).
struct TransportRequest {
  HttpMethod method = HttpMethod::other;
  std::string_view target;  // path and query
  std::optional<std::string_view> origin;
  std::optional<std::string_view> host;
  std::string_view accept;        // "" when absent
  std::string_view content_type;  // "" when absent
  std::optional<std::string_view> session_id;
};

// "localhost", "127.0.0.1" or "[::1]", each with an optional ":port"; `hostport` lower-cased.
bool is_local_hostport(std::string_view hostport);
// `allowed` lower-cased, as the server keeps HttpServerOptions::allowed_origins / allowed_hosts.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed, bool loopback);

// Checks that need no session state, in the order the server applies them (path 404, method 405,
// Origin and Host 403, Accept 406, Content-Type 415, malformed Mcp-Session-Id 400). A reply means
// the request stops here.
std::optional<Reply> transport_checks(const TransportRequest& request,
                                      const HttpServerOptions& options, bool loopback);

}  // namespace gatecrash::mcp::streamable_http
