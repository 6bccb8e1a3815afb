// mcp/http_server_exchange.h — one HTTP request to one Reply, as the server does it, minus sockets.
//
// Contract: what StreamableHttpServer decides between the bytes it reads and the answer it writes
// (parser bounds, read refusals, routing, session work), as functions a connection
// (http_server.cc) and an in-process driver (fuzz/http_request_fuzzer.cc) share. Defined in
// http_server.cc; this header names Beast, so include it only where Beast is compiled anyway.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>
#include <string>

#include "mcp/http_server.h"
#include "mcp/http_server_sessions.h"
#include "mcp/http_server_transport.h"

namespace gatecrash::mcp::streamable_http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The capacity of a connection's read buffer (beast::flat_buffer max size).
std::size_t read_buffer_bytes(const Limits& limits);
// Bounds a fresh parser as every connection does: header limit (431), body limit (413).
void bound_parser(RequestParser& parser, const Limits& limits);

enum class ReadStage { header, body };
// The answer to a failed read of one request (the connection closes after it): 413 body limit,
// 431 header limit (header stage), 400 malformed HTTP; nullopt closes without an answer (end of
// stream, timeout, reset).
std::optional<Reply> read_refusal(const boost::beast::error_code& ec, ReadStage stage,
                                  const Limits& limits);
// After a header of `header_bytes` bytes (what read_header consumed): 431 when the header block
// exceeds max_http_header_bytes, 413 when its Content-Length exceeds the body limit; the
// connection closes after either. Beast's own header_limit bounds the start line and the fields
// separately when they arrive in one read, so without the first check nearly twice the limit
// could pass.
std::optional<Reply> header_refusal(std::size_t header_bytes, const RequestParser& parser,
                                    const Limits& limits);
Reply too_large(const Limits& limits);

// What the transport checks (transport_checks) read of a request: views into `req`.
TransportRequest transport_request(const BeastRequest& req);

// A request's answer: known at once, or work the session strand does to compute it.
// (Built outside any coroutine: g++ 12 miscompiles some init-captures and aggregates inside
// coroutines.)
struct Routed {
  std::optional<Reply> now;
  std::function<Reply()> later;
};

// Routes one complete request: transport checks, the admit hook, then a session's POST, GET or
// DELETE. `later` refers to `sessions`, which must outlive it; `req`'s body is moved from.
struct RequestRouter {
  const HttpServerOptions& options;
  bool loopback;       // the server is bound to a loopback address (Host header checks)
  bool wants_request;  // the handler factory takes the initialize request's HttpRequestInfo
  SessionTable& sessions;

  Routed route(BeastRequest& req, const std::string& remote) const;
};

// Runs session work as the session strand does: an exception becomes a 500.
Reply run_session_work(const std::function<Reply()>& work);

// The HTTP response sent for a complete (not SSE) Reply.
boost::beast::http::response<boost::beast::http::string_body> complete_response(Reply reply,
                                                                                unsigned version,
                                                                                bool keep_alive);

}  // namespace gatecrash::mcp::streamable_http
