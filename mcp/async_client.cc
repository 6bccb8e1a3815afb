// mcp/async_client.cc — id allocation, answer correlation and server-request routing for the client
// side.
#include "mcp/async_client.h"

#include <charconv>
#include <map>

namespace gatecrash::mcp {

namespace {
constexpr std::size_t kExcerptBytes = 256;
constexpr std::string_view kIdPrefix = "u-";

// The handle a wire id belongs to, if it is one of ours ("u-" and a canonical positive number).
std::optional<std::uint64_t> parse_wire_id(const RequestId& id) {
  if (id.is_integer()) return std::nullopt;
  std::string_view text = id.string();
  if (!text.starts_with(kIdPrefix)) return std::nullopt;
  text.remove_prefix(kIdPrefix.size());
  if (text.empty() || text.front() == '0') return std::nullopt;
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

ErrorObject make_error_object(int code, std::string message) {
  return ErrorObject{code, std::move(message), nullptr};
}
}  // namespace

class AsyncClientSession::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(LineSink sink, AsyncClientOptions options)
      : sink_(std::move(sink)), options_(std::move(options)), next_id_(options_.first_request_id) {
    if (next_id_ == 0) next_id_ = 1;  // 0 is the empty handle
  }

  RequestHandle request(std::string method, Json params, AnswerCallback done) {
    if (pending_.size() >= options_.limits.max_in_flight_requests) {
      done(make_error_object(error_code::kInternalError,
                             "too many requests in flight: the limit is " +
                                 std::to_string(options_.limits.max_in_flight_requests)));
      return {};
    }
    const RequestHandle handle{next_id_++};
    // Registered before sending: a transport may deliver the answer before request() returns.
    pending_.emplace(handle.id, Pending{method, std::move(done)});
    ++stats_.requests_sent;
    send(Request{wire_id(handle), std::move(method), std::move(params)});
    return handle;
  }

  void send(const Message& message) { sink_(encode(message)); }

  RequestHandle initialize(std::string protocol_version, Json capabilities, Json client_info,
                           AnswerCallback done) {
    Json params = {{"protocolVersion", std::move(protocol_version)},
                   {"capabilities", std::move(capabilities)},
                   {"clientInfo", std::move(client_info)}};
    std::weak_ptr<Core> weak = weak_from_this();
    return request("initialize", std::move(params),
                   [weak, done = std::move(done)](ClientAnswer answer) {
                     auto core = weak.lock();
                     if (core && std::holds_alternative<Json>(answer)) {
                       if (auto problem = core->accept_initialize_result(std::get<Json>(answer))) {
                         answer = std::move(*problem);
                       }
                     }
                     done(std::move(answer));
                   });
  }

  // Records the server's description and completes the handshake; an error when the result is
  // not one we can go on with.
  std::optional<ErrorObject> accept_initialize_result(const Json& result) {
    auto version = result.find("protocolVersion");
    if (version == result.end() || !version->is_string()) {
      return make_error_object(error_code::kInternalError,
                               "the initialize result has no protocolVersion string");
    }
    const std::string& chosen = version->get_ref<const std::string&>();
    if (!parse_protocol_version(chosen)) {
      return make_error_object(
          error_code::kInternalError,
          "the server chose protocol version \"" + chosen + "\", which we do not speak");
    }
    ServerDescription description;
    description.protocol_version = chosen;
    if (auto caps = result.find("capabilities"); caps != result.end() && caps->is_object()) {
      description.capabilities = *caps;
    }
    if (auto info = result.find("serverInfo"); info != result.end() && info->is_object()) {
      description.server_info = *info;
    }
    if (auto text = result.find("instructions"); text != result.end() && text->is_string()) {
      description.instructions = text->get<std::string>();
    }
    server_ = std::move(description);
    send(Notification{"notifications/initialized", nullptr});
    return std::nullopt;
  }

  bool abandon(RequestHandle handle, ErrorObject error, const std::string& reason) {
    auto it = pending_.find(handle.id);
    if (it == pending_.end()) return false;
    Pending taken = std::move(it->second);
    pending_.erase(it);
    if (taken.method != "initialize") {
      Json params = {{"requestId", wire_id(handle).to_json()}};
      if (!reason.empty()) params["reason"] = reason;
      send(Notification{"notifications/cancelled", std::move(params)});
    }
    taken.done(std::move(error));
    return true;
  }

  void fail_all(const ErrorObject& error) {
    // Taken out first: a callback may send new requests, which must not be failed with these.
    std::map<std::uint64_t, Pending> taken;
    taken.swap(pending_);
    for (auto& [id, pending] : taken) pending.done(error);
  }

  void receive(std::string_view line) {
    auto decoded = decode_frame(line, options_.limits);
    if (auto* failure = std::get_if<DecodeError>(&decoded)) {
      reject_line(line, std::move(*failure));
      return;
    }
    for (auto& element : std::get<Frame>(decoded).elements) {
      if (auto* failure = std::get_if<DecodeError>(&element)) {
        reject_line(line, std::move(*failure));
        continue;
      }
      dispatch(std::move(std::get<Message>(element)));
    }
  }

  // A line the client cannot use; when it names one of our requests, that request fails now.
  void reject_line(std::string_view excerpt, DecodeError why) {
    fail_broken_answer(why);
    ++stats_.invalid_lines;
    if (on_invalid_line_) {
      on_invalid_line_(
          InvalidServerLine{std::string(excerpt.substr(0, kExcerptBytes)), std::move(why)});
    }
  }

  void answer_server_request(const RequestId& id, ClientAnswer answer) {
    if (auto* error = std::get_if<ErrorObject>(&answer)) {
      send(ErrorResponse{id, std::move(*error)});
    } else {
      send(Response{id, std::move(std::get<Json>(answer))});
    }
  }

  std::size_t in_flight() const { return pending_.size(); }
  bool in_flight(RequestHandle handle) const { return pending_.count(handle.id) != 0; }
  std::uint64_t next_request_id() const { return next_id_; }
  const std::optional<ServerDescription>& server() const { return server_; }
  const AsyncClientStats& stats() const { return stats_; }

  ServerRequestHandler on_server_request_;
  NotificationHandler on_notification_;
  InvalidLineHandler on_invalid_line_;

 private:
  struct Pending {
    std::string method;
    AnswerCallback done;
  };

  void dispatch(Message message) {
    if (auto* response = std::get_if<Response>(&message)) {
      complete(response->id, std::move(response->result));
    } else if (auto* error = std::get_if<ErrorResponse>(&message)) {
      if (error->id)
        complete(*error->id, std::move(error->error));
      else
        ++stats_.unknown_answers;  // "id": null: the server could not read something we sent
    } else if (auto* request = std::get_if<Request>(&message)) {
      handle_server_request(std::move(*request));
    } else {
      ++stats_.notifications_received;
      if (on_notification_) on_notification_(std::move(std::get<Notification>(message)));
    }
  }

  void complete(const RequestId& id, ClientAnswer answer) {
    auto ours = parse_wire_id(id);
    auto it = ours ? pending_.find(*ours) : pending_.end();
    if (it == pending_.end()) {
      ++stats_.unknown_answers;
      return;
    }
    AnswerCallback done = std::move(it->second.done);
    pending_.erase(it);
    ++stats_.answers_received;
    done(std::move(answer));
  }

  // A malformed message carrying the id of a request in flight is taken as its (broken) answer.
  // Our ids are "u-N", so a server's own request ids would have to copy that form to collide.
  void fail_broken_answer(const DecodeError& failure) {
    if (!failure.id) return;
    auto ours = parse_wire_id(*failure.id);
    if (!ours || !pending_.count(*ours)) return;
    complete(*failure.id,
             make_error_object(error_code::kInternalError,
                               "the server's answer was invalid: " + failure.error.message));
  }

  void handle_server_request(Request request);

  LineSink sink_;
  AsyncClientOptions options_;
  std::uint64_t next_id_;
  std::map<std::uint64_t, Pending> pending_;  // ordered: fail_all completes oldest first
  std::optional<ServerDescription> server_;
  AsyncClientStats stats_;
};

namespace {
// The answer owed to one server-to-client request. Shared by every copy of `respond`; when the
// last copy goes without an answer, the server gets -32603 rather than waiting forever.
class OwedServerAnswer {
 public:
  using Send = std::function<void(const RequestId&, ClientAnswer)>;
  OwedServerAnswer(RequestId id, Send send) : id_(std::move(id)), send_(std::move(send)) {}
  ~OwedServerAnswer() {
    if (!answered_) {
      answer(make_error_object(error_code::kInternalError,
                               "Internal error: the client dropped the request unanswered"));
    }
  }
  OwedServerAnswer(const OwedServerAnswer&) = delete;
  OwedServerAnswer& operator=(const OwedServerAnswer&) = delete;

  void answer(ClientAnswer answer) {
    if (answered_) return;
    answered_ = true;
    send_(id_, std::move(answer));
  }

 private:
  RequestId id_;
  Send send_;
  bool answered_ = false;
};
}  // namespace

void AsyncClientSession::Core::handle_server_request(Request request) {
  ++stats_.server_requests;
  if (request.method == "ping") {
    answer_server_request(request.id, Json::object());
    return;
  }
  std::weak_ptr<Core> weak = weak_from_this();
  auto owed = std::make_shared<OwedServerAnswer>(
      request.id, [weak](const RequestId& id, ClientAnswer answer) {
        if (auto core = weak.lock()) core->answer_server_request(id, std::move(answer));
      });
  AnswerCallback respond = [owed](ClientAnswer answer) { owed->answer(std::move(answer)); };
  if (!on_server_request_) {
    respond(make_error_object(error_code::kMethodNotFound, "Method not found: " + request.method));
    return;
  }
  on_server_request_(std::move(request), std::move(respond));
}

// ---- AsyncClientSession ----

AsyncClientSession::AsyncClientSession(LineSink sink, AsyncClientOptions options)
    : core_(std::make_shared<Core>(std::move(sink), std::move(options))) {}

AsyncClientSession::~AsyncClientSession() {
  core_->fail_all(
      make_error_object(client_error_code::kConnectionClosed, "the client session was closed"));
}

RequestHandle AsyncClientSession::request(std::string method, Json params, AnswerCallback done) {
  return core_->request(std::move(method), std::move(params), std::move(done));
}

void AsyncClientSession::notify(std::string method, Json params) {
  core_->send(Notification{std::move(method), std::move(params)});
}

RequestHandle AsyncClientSession::initialize(std::string protocol_version, Json capabilities,
                                             Json client_info, AnswerCallback done) {
  return core_->initialize(std::move(protocol_version), std::move(capabilities),
                           std::move(client_info), std::move(done));
}

bool AsyncClientSession::cancel(RequestHandle handle, std::string reason) {
  std::string message =
      reason.empty() ? "the request was cancelled" : "the request was cancelled: " + reason;
  return core_->abandon(
      handle, make_error_object(client_error_code::kRequestCancelled, std::move(message)), reason);
}

bool AsyncClientSession::expire(RequestHandle handle, ErrorObject error) {
  const std::string reason = error.message;
  return core_->abandon(handle, std::move(error), reason);
}

void AsyncClientSession::fail_all(const ErrorObject& error) { core_->fail_all(error); }

void AsyncClientSession::receive(std::string_view line) { core_->receive(line); }

void AsyncClientSession::reject_line(std::string_view excerpt, DecodeError why) {
  core_->reject_line(excerpt, std::move(why));
}

void AsyncClientSession::on_server_request(ServerRequestHandler handler) {
  core_->on_server_request_ = std::move(handler);
}
void AsyncClientSession::on_notification(NotificationHandler handler) {
  core_->on_notification_ = std::move(handler);
}
void AsyncClientSession::on_invalid_line(InvalidLineHandler handler) {
  core_->on_invalid_line_ = std::move(handler);
}

RequestId AsyncClientSession::wire_id(RequestHandle handle) {
  return RequestId(std::string(kIdPrefix) + std::to_string(handle.id));
}

std::size_t AsyncClientSession::in_flight() const { return core_->in_flight(); }
bool AsyncClientSession::in_flight(RequestHandle handle) const { return core_->in_flight(handle); }
std::uint64_t AsyncClientSession::next_request_id() const { return core_->next_request_id(); }
const std::optional<ServerDescription>& AsyncClientSession::server() const {
  return core_->server();
}
const AsyncClientStats& AsyncClientSession::stats() const { return core_->stats(); }

}  // namespace gatecrash::mcp
