// mcp/server_session.cc — the legacy (initialize-based) server lifecycle and request dispatch.
#include "mcp/server_session.h"

#include <time.h>

#include <unordered_map>

namespace gatecrash::mcp {

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

namespace {
constexpr std::size_t kRawExcerptBytes = 256;

struct FrameState {
  bool is_batch = false;
  std::size_t pending = 0;
  Json answers = Json::array();  // batch answers collected until the last one arrives
};

enum class Lifecycle { awaiting_initialize, initialized };
}  // namespace

class SessionCore : public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(ServerHandler& handler, OutboundSink sink, Limits limits, ServerSession::Clock clock)
      : handler_(handler), sink_(std::move(sink)), limits_(limits), clock_(std::move(clock)) {
    if (!clock_) clock_ = realtime_ns;
  }

  ServerSession::Receipt receive(std::string_view raw, std::variant<Frame, DecodeError> decoded) {
    const std::int64_t now = clock_();
    ServerSession::Receipt receipt;
    receipt.frame = ++last_frame_;

    if (auto* failure = std::get_if<DecodeError>(&decoded)) {
      record_invalid(now, raw, *failure);
      receipt.frame_error = true;
      receipt.answers_owed = 1;
      frames_[receipt.frame] = FrameState{false, 1, Json::array()};
      answer(receipt.frame, ErrorResponse{failure->id, failure->error});
      return receipt;
    }
    Frame& frame = std::get<Frame>(decoded);
    if (frame.is_batch && !(lifecycle_ == Lifecycle::initialized && allows_batches(client_.version))) {
      DecodeError refusal{ErrorObject{error_code::kInvalidRequest,
                                      lifecycle_ == Lifecycle::initialized
                                          ? "Invalid request: batches are not allowed in protocol version " +
                                                std::string(to_string(client_.version))
                                          : "Invalid request: a batch cannot be sent before initialization",
                                      nullptr},
                          std::nullopt, "batch_not_allowed"};
      record_invalid(now, raw, refusal);
      receipt.frame_error = true;
      receipt.answers_owed = 1;
      frames_[receipt.frame] = FrameState{false, 1, Json::array()};
      answer(receipt.frame, ErrorResponse{std::nullopt, refusal.error});
      return receipt;
    }

    // Count what this frame owes before dispatching, so early synchronous answers complete it
    // only after the last one.
    std::size_t owed = 0;
    for (const auto& element : frame.elements) {
      if (std::holds_alternative<DecodeError>(element) ||
          std::holds_alternative<Request>(std::get<Message>(element))) {
        ++owed;
      }
    }
    for (const auto& element : frame.elements) {
      if (auto* m = std::get_if<Message>(&element); m && std::holds_alternative<Request>(*m) &&
                                                     std::get<Request>(*m).method == "initialize") {
        receipt.has_initialize = true;
      }
    }
    receipt.answers_owed = owed;
    frames_[receipt.frame] = FrameState{frame.is_batch, owed, Json::array()};
    auto self = shared_from_this();  // a handler may drop the session while we dispatch
    for (auto& element : frame.elements) {
      if (auto* failure = std::get_if<DecodeError>(&element)) {
        record_invalid(now, raw, *failure);
        answer(receipt.frame, ErrorResponse{failure->id, failure->error});
        continue;
      }
      dispatch(receipt.frame, now, std::move(std::get<Message>(element)), frame.is_batch);
    }
    if (owed == 0) frames_.erase(receipt.frame);
    return receipt;
  }

  // Sends (or collects, for a batch) one answer owed to `frame`.
  void answer(std::uint64_t frame_id, std::optional<Message> message) {
    auto it = frames_.find(frame_id);
    if (it == frames_.end()) return;
    FrameState& frame = it->second;
    --frame.pending;
    const bool last = frame.pending == 0;
    if (frame.is_batch) {
      if (message) frame.answers.push_back(to_json(*message));
      if (last) {
        std::string text = frame.answers.empty() ? std::string() : to_line(frame.answers);
        frames_.erase(it);
        sink_(Outbound{std::move(text), frame_id, true});
      }
      return;
    }
    if (last) frames_.erase(it);
    sink_(Outbound{message ? encode(*message) : std::string(), frame_id, last});
  }

  void send_related(std::uint64_t frame, Message message) {
    sink_(Outbound{encode(message), frame, false});
  }

  void send_unrelated(Message message) { sink_(Outbound{encode(message), std::nullopt, false}); }

  void finish_request(RequestContext& ctx, Message answer_message, std::string outcome, std::string effect) {
    const Request& request = ctx.request();
    in_flight_.erase(request.id.key());
    handler_.on_inbound(InboundRecord{ctx.received_ns(), "request", request.method, request.id.to_json(),
                                      &request.params, std::move(outcome), std::move(effect), {}});
    answer(ctx.frame_, ctx.cancelled() ? std::nullopt : std::optional<Message>(std::move(answer_message)));
  }

  // The session is going away with requests still unanswered: each is reported to the handler
  // now, with outcome "unanswered", so that every request that arrived is recorded (a mock's
  // ledger must not lose a call because its client left before the answer). A later reply
  // through a kept RequestContext then does nothing.
  void abandon_in_flight() {
    auto pending = std::move(in_flight_);
    in_flight_.clear();
    for (auto& [key, weak] : pending) {
      auto ctx = weak.lock();
      if (!ctx || ctx->answered_) continue;
      ctx->answered_ = true;
      const Request& request = ctx->request();
      handler_.on_inbound(InboundRecord{ctx->received_ns(), "request", request.method, request.id.to_json(),
                                        &request.params, "unanswered", {}, {}});
    }
  }

  RequestId ask_client(std::uint64_t frame, std::string method, Json params,
                       std::function<void(ClientAnswer)> on_answer) {
    RequestId id("gc-s-" + std::to_string(++last_server_request_));
    pending_client_answers_[id.key()] = std::move(on_answer);
    send_related(frame, Request{id, std::move(method), std::move(params)});
    return id;
  }

  const ClientInfo& client() const { return client_; }
  const Limits& limits() const { return limits_; }
  bool initialized() const { return lifecycle_ == Lifecycle::initialized; }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void record_invalid(std::int64_t now, std::string_view raw, const DecodeError& failure) {
    handler_.on_inbound(InboundRecord{now, "invalid", {}, failure.id ? failure.id->to_json() : Json(nullptr),
                                      &InboundRecord::null_params(), failure.kind, {},
                                      std::string(raw.substr(0, kRawExcerptBytes))});
  }

  void record(std::int64_t now, std::string kind, std::string method, Json id, const Json& params,
              std::string outcome) {
    handler_.on_inbound(InboundRecord{now, std::move(kind), std::move(method), std::move(id), &params,
                                      std::move(outcome), {}, {}});
  }

  void refuse(std::uint64_t frame, std::int64_t now, const Request& request, int code, std::string message,
              std::string outcome) {
    record(now, "request", request.method, request.id.to_json(), request.params, std::move(outcome));
    answer(frame, make_error(request.id, code, std::move(message)));
  }

  void dispatch(std::uint64_t frame, std::int64_t now, Message message, bool in_batch) {
    if (auto* notification = std::get_if<Notification>(&message)) {
      handle_notification(now, *notification);
      return;
    }
    if (auto* response = std::get_if<Response>(&message)) {
      deliver_client_answer(now, response->id, response->result, {});
      return;
    }
    if (auto* error = std::get_if<ErrorResponse>(&message)) {
      if (error->id) deliver_client_answer(now, *error->id, nullptr, error->error);
      else record(now, "response", {}, nullptr, InboundRecord::null_params(), "orphan");
      return;
    }
    Request& request = std::get<Request>(message);
    if (in_flight_.count(request.id.key())) {
      refuse(frame, now, request, error_code::kInvalidRequest,
             "Invalid request: id " + to_line(request.id.to_json()) + " is already in flight", "duplicate_id");
      return;
    }
    if (request.method == "initialize") {
      handle_initialize(frame, now, request, in_batch);
      return;
    }
    if (request.method == "ping") {
      record(now, "request", request.method, request.id.to_json(), request.params, "ok");
      answer(frame, Response{request.id, Json::object()});
      return;
    }
    if (lifecycle_ != Lifecycle::initialized) {
      refuse(frame, now, request, error_code::kInvalidRequest,
             "Invalid request: the session is not initialized; send initialize first", "not_initialized");
      return;
    }
    auto ctx = std::make_shared<RequestContext>(weak_from_this(), std::move(request), frame, now);
    in_flight_[ctx->request().id.key()] = ctx;
    handler_.on_request(ctx);
  }

  void handle_initialize(std::uint64_t frame, std::int64_t now, const Request& request, bool in_batch) {
    if (in_batch) {
      refuse(frame, now, request, error_code::kInvalidRequest, "Invalid request: initialize cannot be batched",
             "invalid_request");
      return;
    }
    if (lifecycle_ != Lifecycle::awaiting_initialize) {
      refuse(frame, now, request, error_code::kInvalidRequest,
             "Invalid request: the session is already initialized", "already_initialized");
      return;
    }
    const Json& params = request.params;
    const char* problem = nullptr;
    if (!params.is_object()) problem = "initialize needs params";
    else if (!params.contains("protocolVersion") || !params["protocolVersion"].is_string())
      problem = "params.protocolVersion must be a string";
    else if (params.contains("capabilities") && !params["capabilities"].is_object())
      problem = "params.capabilities must be an object";
    else if (params.contains("clientInfo") && !params["clientInfo"].is_object())
      problem = "params.clientInfo must be an object";
    if (problem) {
      refuse(frame, now, request, error_code::kInvalidParams, std::string("Invalid params: ") + problem,
             "invalid_params");
      return;
    }
    client_.version = negotiate(params["protocolVersion"].get<std::string>());
    client_.capabilities = params.value("capabilities", Json::object());
    client_.client_info = params.value("clientInfo", Json::object());
    lifecycle_ = Lifecycle::initialized;

    ServerIdentity identity = handler_.identity();
    Json result = {{"protocolVersion", to_string(client_.version)},
                   {"capabilities", identity.capabilities},
                   {"serverInfo", identity.server_info}};
    if (!identity.instructions.empty()) result["instructions"] = identity.instructions;
    record(now, "request", request.method, request.id.to_json(), request.params, "ok");
    answer(frame, Response{request.id, std::move(result)});
  }

  void handle_notification(std::int64_t now, const Notification& notification) {
    if (notification.method == "notifications/cancelled") {
      std::string outcome = "ignored";
      if (notification.params.is_object() && notification.params.contains("requestId")) {
        const Json& raw_id = notification.params["requestId"];
        std::optional<RequestId> id;
        if (raw_id.is_number_integer()) id = RequestId(raw_id.get<std::int64_t>());
        else if (raw_id.is_string()) id = RequestId(raw_id.get<std::string>());
        if (id) {
          if (auto it = in_flight_.find(id->key()); it != in_flight_.end()) {
            if (auto ctx = it->second.lock(); ctx && !ctx->cancelled_) {
              ctx->cancelled_ = true;
              outcome = "cancelled";
              if (auto hook = std::move(ctx->on_cancel_)) hook();
            }
          }
        }
      }
      record(now, "notification", notification.method, nullptr, notification.params, outcome);
      return;
    }
    record(now, "notification", notification.method, nullptr, notification.params, "ok");
    if (lifecycle_ == Lifecycle::initialized) handler_.on_notification(notification, client_);
  }

  void deliver_client_answer(std::int64_t now, const RequestId& id, const Json& result,
                             std::optional<ErrorObject> error) {
    auto it = pending_client_answers_.find(id.key());
    if (it == pending_client_answers_.end()) {
      record(now, "response", {}, id.to_json(), InboundRecord::null_params(), "orphan");
      return;
    }
    auto callback = std::move(it->second);
    pending_client_answers_.erase(it);
    record(now, "response", {}, id.to_json(), InboundRecord::null_params(), error ? "error" : "ok");
    if (error) callback(*error);
    else callback(result);
  }

  ServerHandler& handler_;
  OutboundSink sink_;
  Limits limits_;
  ServerSession::Clock clock_;
  Lifecycle lifecycle_ = Lifecycle::awaiting_initialize;
  ClientInfo client_;
  std::uint64_t last_frame_ = 0;
  std::uint64_t last_server_request_ = 0;
  std::unordered_map<std::uint64_t, FrameState> frames_;
  std::unordered_map<std::string, std::weak_ptr<RequestContext>> in_flight_;
  std::unordered_map<std::string, std::function<void(ClientAnswer)>> pending_client_answers_;
};

// ---- RequestContext ----

RequestContext::RequestContext(std::weak_ptr<SessionCore> core, Request request, std::uint64_t frame,
                               std::int64_t received_ns)
    : core_(std::move(core)), request_(std::move(request)), frame_(frame), received_ns_(received_ns) {}

RequestContext::~RequestContext() {
  if (!answered_) {
    reply_error(ErrorObject{error_code::kInternalError, "Internal error: the request was dropped unanswered",
                            nullptr},
                "dropped");
  }
}

const ClientInfo& RequestContext::client() const {
  static const ClientInfo kDetached{};
  auto core = core_.lock();
  return core ? core->client() : kDetached;
}

void RequestContext::notify(std::string method, Json params) {
  if (answered_) return;
  if (auto core = core_.lock()) core->send_related(frame_, Notification{std::move(method), std::move(params)});
}

void RequestContext::progress(double done, std::optional<double> total, std::string message) {
  const Json& params = request_.params;
  if (!params.is_object() || !params.contains("_meta") || !params["_meta"].is_object()) return;
  const Json& meta = params["_meta"];
  auto token = meta.find("progressToken");
  if (token == meta.end() || !(token->is_string() || token->is_number_integer())) return;
  Json out = {{"progressToken", *token}, {"progress", done}};
  if (total) out["total"] = *total;
  if (!message.empty()) out["message"] = std::move(message);
  notify("notifications/progress", std::move(out));
}

void RequestContext::ask_client(std::string method, Json params, std::function<void(ClientAnswer)> on_answer) {
  if (auto core = core_.lock()) {
    core->ask_client(frame_, std::move(method), std::move(params), std::move(on_answer));
  } else {
    on_answer(ErrorObject{error_code::kInternalError, "session closed", nullptr});
  }
}

void RequestContext::reply(Json result, std::string outcome, std::string effect) {
  finish(Response{request_.id, std::move(result)}, std::move(outcome), std::move(effect));
}

void RequestContext::reply_error(ErrorObject error, std::string outcome, std::string effect) {
  finish(ErrorResponse{request_.id, std::move(error)}, std::move(outcome), std::move(effect));
}

void RequestContext::finish(Message answer, std::string outcome, std::string effect) {
  if (answered_) return;
  answered_ = true;
  if (auto core = core_.lock()) core->finish_request(*this, std::move(answer), std::move(outcome), std::move(effect));
}

// ---- ServerSession ----

ServerSession::ServerSession(ServerHandler& handler, OutboundSink sink, Limits limits, Clock clock)
    : core_(std::make_shared<SessionCore>(handler, std::move(sink), limits, std::move(clock))) {}

ServerSession::~ServerSession() { core_->abandon_in_flight(); }

ServerSession::Receipt ServerSession::receive(std::string_view text) {
  return core_->receive(text, decode_frame(text, core_->limits()));
}

ServerSession::Receipt ServerSession::receive(std::string_view raw, std::variant<Frame, DecodeError> decoded) {
  return core_->receive(raw, std::move(decoded));
}

bool ServerSession::initialized() const { return core_->initialized(); }

std::optional<ClientInfo> ServerSession::client() const {
  if (!core_->initialized()) return std::nullopt;
  return core_->client();
}

void ServerSession::notify(std::string method, Json params) {
  core_->send_unrelated(Notification{std::move(method), std::move(params)});
}

std::size_t ServerSession::in_flight() const { return core_->in_flight(); }

}  // namespace gatecrash::mcp
