// mcp/http_server_sessions.cc — the HTTP server's sessions and their SSE hand-over (Beast-free).
#include "mcp/http_server_sessions.h"

#include <algorithm>
#include <utility>

namespace gatecrash::mcp::streamable_http {
namespace {

Reply session_not_found() { return json_error(404, -32001, "Session not found"); }

}  // namespace

// ---- SseChannel ----

bool SseChannel::push(std::string event, bool finish) {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (gone_ || finished_) return false;
    if (!event.empty()) {
      if (events_.size() >= max_backlog_) {
        overflow_ = true;
        finished_ = true;
      } else {
        events_.push_back(std::move(event));
      }
    }
    if (finish) finished_ = true;
    wake = wake_;
  }
  if (wake) wake();
  return true;
}

bool SseChannel::open() {
  std::lock_guard lock(mu_);
  return !gone_ && !finished_;
}

SseChannel::Batch SseChannel::take() {
  std::lock_guard lock(mu_);
  Batch batch{{}, finished_, overflow_};
  for (auto& e : events_) batch.bytes += e;
  events_.clear();
  return batch;
}

void SseChannel::attach(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

void SseChannel::detach() {
  std::lock_guard lock(mu_);
  gone_ = true;
  wake_ = nullptr;
  events_.clear();
}

void HttpSession::end_streams() {
  if (get_stream) get_stream->push({}, true);
  for (auto& [frame, channel] : post_streams) channel->push({}, true);
  get_stream.reset();
  post_streams.clear();
}

void decode_body(PostWork& work, const Limits& limits, const FrameDecoder& decoder) {
  work.decoded = decoder ? decoder(work.body, limits) : decode_frame(work.body, limits);
  if (auto* frame = std::get_if<Frame>(&work.decoded)) {
    for (const auto& element : frame->elements) {
      if (const auto* m = std::get_if<Message>(&element)) {
        if (const auto* r = std::get_if<Request>(m); r && r->method == "initialize")
          work.has_initialize = true;
      }
    }
    work.single_invalid = !frame->is_batch && frame->elements.size() == 1 &&
                          std::holds_alternative<DecodeError>(frame->elements.front());
  }
}

// ---- SessionTable ----

SessionTable::SessionTable(const HttpServerOptions& options,
                           StreamableHttpServer::HandlerFactoryWithRequest make_handler,
                           const std::atomic<bool>& stopping)
    : options_(options), make_handler_(std::move(make_handler)), stopping_(stopping) {}

std::optional<Reply> SessionTable::version_refusal(const HttpSession& s,
                                                   const std::optional<std::string>& header) const {
  if (!header) return std::nullopt;
  auto version = parse_protocol_version(*header);
  if (!version) {
    std::string supported;
    for (auto v : kSupportedVersions)
      supported += (supported.empty() ? "" : ", ") + std::string(to_string(v));
    return json_error(400, -32000,
                      "Bad Request: unsupported MCP-Protocol-Version \"" + *header +
                          "\" (supported: " + supported + ")");
  }
  auto client = s.session->client();
  if (options_.require_negotiated_version && client && client->version != *version) {
    return json_error(400, -32000,
                      "Bad Request: MCP-Protocol-Version " + *header +
                          " differs from the negotiated " +
                          std::string(to_string(client->version)));
  }
  return std::nullopt;
}

HttpSession* SessionTable::find_session(const std::string& id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Reply SessionTable::handle_post(PostWork work) {
  if (stopping_) return json_error(503, -32000, "Service Unavailable: shutting down");
  if (work.session_id.empty()) return create_session(work);
  HttpSession* s = find_session(work.session_id);
  if (!s) return session_not_found();
  if (auto refused = version_refusal(*s, work.version_header)) return std::move(*refused);
  Reply r = receive(*s, work);
  r.headers.emplace_back("Mcp-Session-Id", s->id);
  return r;
}

Reply SessionTable::create_session(PostWork& work) {
  if (sessions_.size() >= options_.limits.max_http_sessions) {
    return json_error(503, -32000, "Service Unavailable: too many sessions");
  }
  auto s = std::make_shared<HttpSession>();
  do s->id = random_session_id();
  while (sessions_.count(s->id));
  static const HttpRequestInfo kNoInfo;
  s->handler = make_handler_(s->id, work.info ? *work.info : kNoInfo);
  if (!s->handler)
    return json_error(500, error_code::kInternalError,
                      "Internal error: no handler for the session");
  std::weak_ptr<HttpSession> weak = s;
  s->session = std::make_unique<ServerSession>(
      *s->handler,
      [this, weak](Outbound out) {
        if (auto session = weak.lock()) route(*session, std::move(out));
      },
      options_.limits);
  Reply r = receive(*s, work);
  if (s->session->initialized()) {
    sessions_.emplace(s->id, s);
    total_ = sessions_.size();
    r.headers.emplace_back("Mcp-Session-Id", s->id);
  } else {
    s->end_streams();
    if (r.sse) r.sse->push({}, true);
  }
  return r;
}

// Hands one frame to the session and shapes the HTTP answer from what it emitted at once.
Reply SessionTable::receive(HttpSession& s, PostWork& work) {
  s.collecting = true;
  s.collected.clear();
  ServerSession::Receipt receipt;
  try {
    receipt = s.session->receive(work.body, std::move(work.decoded));
  } catch (...) {
    s.collecting = false;
    s.collected.clear();
    throw;
  }
  s.collecting = false;
  std::vector<Outbound> items;
  for (auto& out : s.collected) {
    if (out.frame == receipt.frame) items.push_back(std::move(out));
  }
  s.collected.clear();

  if (receipt.answers_owed == 0) {
    Reply r;
    r.status = 202;
    return r;
  }
  const bool complete =
      std::any_of(items.begin(), items.end(), [](const Outbound& o) { return o.completes_frame; });
  if (complete && items.size() == 1) {
    Reply r;
    r.body = std::move(items.front().text);
    r.status = r.body.empty() ? 202 : (receipt.frame_error || work.single_invalid) ? 400 : 200;
    return r;
  }
  Reply r;
  r.sse = std::make_shared<SseChannel>(options_.max_stream_backlog);
  for (auto& out : items)
    r.sse->push(out.text.empty() ? std::string() : sse_event(out.text), out.completes_frame);
  if (!complete) s.post_streams[receipt.frame] = r.sse;
  return r;
}

// The session's sink: sends each outbound message where it belongs.
void SessionTable::route(HttpSession& s, Outbound out) {
  if (!out.frame) {
    if (out.text.empty()) return;
    if (s.get_stream && s.get_stream->push(sse_event(out.text), false)) return;
    s.get_stream.reset();
    s.unrelated.push_back(std::move(out.text));
    while (s.unrelated.size() > options_.max_queued_unrelated) s.unrelated.pop_front();
    return;
  }
  if (auto it = s.post_streams.find(*out.frame); it != s.post_streams.end()) {
    it->second->push(out.text.empty() ? std::string() : sse_event(out.text), out.completes_frame);
    if (out.completes_frame) s.post_streams.erase(it);
    return;
  }
  if (s.collecting) s.collected.push_back(std::move(out));
  // Otherwise its stream is gone (the client disconnected): a disconnect is not a cancel, but
  // there is nowhere left to send the message.
}

Reply SessionTable::handle_get(const std::string& session_id,
                               const std::optional<std::string>& version_header) {
  if (stopping_) return json_error(503, -32000, "Service Unavailable: shutting down");
  HttpSession* s = find_session(session_id);
  if (!s) return session_not_found();
  if (auto refused = version_refusal(*s, version_header)) return std::move(*refused);
  if (s->get_stream && s->get_stream->open()) {
    return json_error(409, -32000, "Conflict: only one GET stream is allowed per session");
  }
  Reply r;
  r.sse = std::make_shared<SseChannel>(options_.max_stream_backlog);
  for (auto& text : s->unrelated) r.sse->push(sse_event(text), false);
  s->unrelated.clear();
  s->get_stream = r.sse;
  r.headers.emplace_back("Mcp-Session-Id", s->id);
  return r;
}

Reply SessionTable::handle_delete(const std::string& session_id,
                                  const std::optional<std::string>& version_header) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return session_not_found();
  if (auto refused = version_refusal(*it->second, version_header)) return std::move(*refused);
  end_session(it);
  Reply r;
  r.status = 200;
  return r;
}

void SessionTable::end_session(Sessions::iterator it) {
  std::shared_ptr<HttpSession> s = std::move(it->second);
  sessions_.erase(it);
  total_ = sessions_.size();
  s->end_streams();
}

void SessionTable::notify(const std::string& session_id, std::string method, Json params) {
  if (HttpSession* s = find_session(session_id))
    s->session->notify(std::move(method), std::move(params));
}

void SessionTable::notify_all(const std::string& method, const Json& params) {
  for (auto& [id, s] : sessions_) s->session->notify(method, params);
}

void SessionTable::close(const std::string& session_id) {
  if (auto it = sessions_.find(session_id); it != sessions_.end()) end_session(it);
}

void SessionTable::end_all() {
  for (auto& [id, s] : sessions_) s->end_streams();
  sessions_.clear();
  total_ = 0;
}

}  // namespace gatecrash::mcp::streamable_http
