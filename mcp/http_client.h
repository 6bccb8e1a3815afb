// mcp/http_client.h — a synchronous Streamable HTTP client; every call is bounded by a timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatecrash::mcp {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

namespace detail {
struct HttpConnection;  // one socket with its own event loop (http_client.cc)
}

struct HttpClientOptions {
  // Bound of one call: connect, send, and read the whole answer (post, del, raw), or the head
  // of a stream (open_post, get_stream).
  std::chrono::milliseconds timeout{10'000};
  HttpHeaders headers;                                // sent on every request (e.g. Authorization)
  std::size_t max_response_bytes = 16 * 1024 * 1024;  // a bigger answer is cut off with an error
  bool keep_alive = true;  // reuse one connection between calls when the server allows it
};

// One HTTP answer.
struct HttpExchange {
  int status = 0;                              // 0: no HTTP answer at all (see error)
  std::map<std::string, std::string> headers;  // lower-cased names; repeats joined with ", "
  std::string content_type;                    // media type only, lower-cased ("" when absent)
  // JSON texts: the body for application/json, or each SSE `message` event's data.
  std::vector<std::string> messages;
  std::string raw_body;
  std::string error;  // "" when the answer arrived complete
  bool timed_out = false;

  std::string header(std::string_view name) const;  // "" when absent
};

// What came back for arbitrary bytes written on a fresh connection.
struct RawExchange {
  std::string received;
  bool peer_closed = false;  // the server closed (or reset) the connection
  bool timed_out = false;    // still open when the timeout passed
  std::string error;
};

// An answer read incrementally: an SSE stream (GET, or a POST answered with text/event-stream),
// or a plain answer, whose body is then its only message. Owns its connection. Not thread-safe.
class HttpEventStream {
 public:
  HttpEventStream();
  ~HttpEventStream();
  HttpEventStream(HttpEventStream&&) noexcept;
  HttpEventStream& operator=(HttpEventStream&&) noexcept;

  // Status, headers, content type and error of the answer (`messages` stays empty: next() hands
  // them out one by one).
  const HttpExchange& response() const;
  int status() const { return response().status; }
  bool is_sse() const { return response().content_type == "text/event-stream"; }

  // The next message, waiting at most `timeout`. nullopt when the timeout passed (the stream
  // stays usable; call again) or when the stream has ended (ended() tells which).
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // The server finished the answer, or the connection broke (response().error says).
  bool ended() const;
  void close();

 private:
  friend class StreamableHttpClient;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Talks to one MCP endpoint (http://host:port/path; plain HTTP only). Sends Accept
// "application/json, text/event-stream", Content-Type application/json on POST, Mcp-Session-Id
// once known (taken from the answer to a POSTed initialize) and MCP-Protocol-Version once set.
// Headers given per call or in the options replace these; an empty value removes one.
// Not thread-safe: one client per thread.
class StreamableHttpClient {
 public:
  explicit StreamableHttpClient(std::string url, HttpClientOptions options = {});
  ~StreamableHttpClient();
  StreamableHttpClient(const StreamableHttpClient&) = delete;
  StreamableHttpClient& operator=(const StreamableHttpClient&) = delete;

  // POSTs one body and reads the whole answer (an SSE answer until the server ends it).
  HttpExchange post(std::string body, const HttpHeaders& extra_headers = {});
  // POSTs and returns once the answer's head is in: for answers that need a reply first (a
  // server→client request on the stream). Uses its own connection.
  HttpEventStream open_post(std::string body, const HttpHeaders& extra_headers = {});
  // GET with Accept: text/event-stream: the session's stream for server-initiated messages.
  HttpEventStream get_stream(const HttpHeaders& extra_headers = {});
  // DELETE the session.
  HttpExchange del(const HttpHeaders& extra_headers = {});
  // Any method, no body defaults beyond Host (for 405 and path tests).
  HttpExchange request(std::string method, std::string target, std::string body = {},
                       const HttpHeaders& extra_headers = {});
  // Writes `bytes` on a fresh connection and returns what came back until the server closed
  // or the timeout passed.
  RawExchange raw(std::string bytes,
                  std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Writes `parts` in turn on one fresh connection, each after the first only once bytes have
  // come back since the previous write (the first bytes of its answer), then reads as raw does.
  // The timeout bounds the whole exchange; if it passes, the parts not yet written are dropped.
  RawExchange raw_in_turns(std::vector<std::string> parts,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  const std::string& session_id() const { return session_id_; }
  void set_session_id(std::string id) { session_id_ = std::move(id); }
  const std::string& protocol_version() const { return protocol_version_; }
  void set_protocol_version(std::string version) { protocol_version_ = std::move(version); }
  const std::string& url() const { return url_; }
  const std::string& target() const { return target_; }

 private:
  HttpEventStream exchange(std::string method, std::string target, std::string body,
                           const HttpHeaders& defaults, const HttpHeaders& extra_headers,
                           bool reuse);
  HttpExchange collect(HttpEventStream stream, bool capture_session,
                       std::chrono::steady_clock::time_point deadline);

  std::string url_;
  HttpClientOptions options_;
  std::string host_;
  std::string port_;
  std::string host_header_;
  std::string target_;
  std::string session_id_;
  std::string protocol_version_;
  std::unique_ptr<detail::HttpConnection> idle_;  // kept-alive connection for the next call
};

}  // namespace gatecrash::mcp
