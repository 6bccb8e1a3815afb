// mcp/http_server_sessions.h — the HTTP server's sessions and their SSE hand-over (Beast-free).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "mcp/http_server.h"
#include "mcp/http_server_transport.h"

namespace gatecrash::mcp::streamable_http {

// The SSE hand-over between the session strand (producer) and a connection (consumer).
class SseChannel {
 public:
  explicit SseChannel(std::size_t max_backlog) : max_backlog_(max_backlog) {}

  // Queues one event ("" queues nothing) and, with `finish`, ends the stream after it. False when
  // the stream is already finished or its client is gone.
  bool push(std::string event, bool finish);
  bool open();

  struct Batch {
    std::string bytes;
    bool finished = false;
    bool overflow = false;
  };
  Batch take();

  void attach(std::function<void()> wake);
  void detach();

 private:
  std::mutex mu_;
  std::deque<std::string> events_;
  std::size_t max_backlog_;
  bool finished_ = false;
  bool gone_ = false;
  bool overflow_ = false;
  std::function<void()> wake_;
};

struct HttpSession {
  std::string id;
  std::unique_ptr<ServerHandler> handler;  // declared before `session`: it outlives it
  std::unique_ptr<ServerSession> session;
  std::shared_ptr<SseChannel> get_stream;
  std::deque<std::string> unrelated;  // waiting for a GET stream
  std::unordered_map<std::uint64_t, std::shared_ptr<SseChannel>> post_streams;  // by frame
  bool collecting = false;  // inside receive(): keep answers for the frame being received
  std::vector<Outbound> collected;

  void end_streams();
};

// Everything a POST carries to the session strand.
struct PostWork {
  std::string session_id;  // "" when the request had none
  std::string body;
  std::variant<Frame, DecodeError> decoded;
  std::optional<std::string> version_header;
  bool has_initialize = false;
  bool single_invalid = false;  // one message (not a batch) that failed validation
  std::optional<HttpRequestInfo> info;
};

// Decodes work.body into work.decoded and notes whether it holds initialize and whether it is a
// single invalid message.
void decode_body(PostWork& work, const Limits& limits, const FrameDecoder& decoder = {});

// The sessions of one server and the work the session strand does for them. Not thread-safe:
// everything runs on the session strand, except count(), which any thread may call.
class SessionTable {
 public:
  // `options` and `stopping` belong to the server and outlive the table.
  SessionTable(const HttpServerOptions& options,
               StreamableHttpServer::HandlerFactoryWithRequest make_handler,
               const std::atomic<bool>& stopping);
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  // POST: creates a session (initialize without Mcp-Session-Id) or hands a frame to one.
  Reply handle_post(PostWork work);
  // GET: opens the session's stream for unrelated messages.
  Reply handle_get(const std::string& session_id, const std::optional<std::string>& version_header);
  // DELETE: ends the session.
  Reply handle_delete(const std::string& session_id,
                      const std::optional<std::string>& version_header);

  // An unrelated notification to one session / to every session.
  void notify(const std::string& session_id, std::string method, Json params);
  void notify_all(const std::string& method, const Json& params);
  // Ends one session as DELETE would (nothing when it is unknown).
  void close(const std::string& session_id);
  // Ends every session's streams and drops every session (server shutdown).
  void end_all();
  // Drops every session without touching its streams (server destruction).
  void clear() { sessions_.clear(); }

  std::size_t count() const { return total_; }

 private:
  using Sessions = std::unordered_map<std::string, std::shared_ptr<HttpSession>>;

  std::optional<Reply> version_refusal(const HttpSession& s,
                                       const std::optional<std::string>& header) const;
  HttpSession* find_session(const std::string& id);
  Reply create_session(PostWork& work);
  Reply receive(HttpSession& s, PostWork& work);
  void route(HttpSession& s, Outbound out);
  void end_session(Sessions::iterator it);

  const HttpServerOptions& options_;
  StreamableHttpServer::HandlerFactoryWithRequest make_handler_;
  const std::atomic<bool>& stopping_;
  Sessions sessions_;
  std::atomic<std::size_t> total_{0};
};

}  // namespace gatecrash::mcp::streamable_http
