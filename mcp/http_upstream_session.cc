// mcp/http_upstream_session.cc — HttpUpstream's MCP session over HTTP exchanges: the handshake,
// request routing and timeouts, the GET stream, session loss, stop and restart. No Beast here.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <utility>
#include <vector>

#include "mcp/http_upstream.h"
#include "mcp/http_upstream_exchanges.h"

namespace asio = boost::asio;

namespace gatecrash::mcp {

namespace {

using http_upstream::Call;
using http_upstream::Endpoint;
using http_upstream::Exchanges;
using http_upstream::Failure;
using http_upstream::Head;
using http_upstream::Lane;
using http_upstream::Outcome;
using http_upstream::SteadyClock;
using http_upstream::Strand;
using std::chrono::milliseconds;

// A request's POST may run this much longer than the request, so that the request's own
// timeout (-32001, with notifications/cancelled) is what its caller sees.
constexpr milliseconds kPostGrace{1000};
constexpr std::size_t kBodyExcerptBytes = 512;

ErrorObject internal_error(std::string message, Json data = nullptr) {
  return ErrorObject{error_code::kInternalError, std::move(message), std::move(data)};
}

// now + wait, saturating: a caller may pass "forever".
SteadyClock::time_point after(milliseconds wait) {
  const auto now = SteadyClock::now();
  if (wait >= std::chrono::duration_cast<milliseconds>(SteadyClock::time_point::max() - now))
    return SteadyClock::time_point::max();
  return now + wait;
}

bool success(int status) { return status >= 200 && status < 300; }

// The line AsyncClientSession sends once initialize succeeded; its POST ends the handshake.
const std::string& initialized_line() {
  static const std::string line = encode(Notification{"notifications/initialized", nullptr});
  return line;
}

// A JSON-RPC error response that is the whole of an HTTP error's body, if it is one.
std::optional<ErrorResponse> error_response_in(const std::string& body, const Limits& limits) {
  if (body.empty()) return std::nullopt;
  auto decoded = decode_frame(body, limits);
  auto* frame = std::get_if<Frame>(&decoded);
  if (!frame || frame->is_batch || frame->elements.size() != 1) return std::nullopt;
  auto* message = std::get_if<Message>(&frame->elements.front());
  if (!message) return std::nullopt;
  auto* error = std::get_if<ErrorResponse>(message);
  return error ? std::optional<ErrorResponse>(std::move(*error)) : std::nullopt;
}

// What every session of one upstream shares with it: the strand, the settings, the owner's
// handlers. The owner empties the handlers when it goes, so late events reach nobody.
struct UpstreamShared {
  UpstreamShared(asio::io_context& io, HttpUpstreamOptions o)
      : strand(asio::make_strand(io)), options(std::move(o)) {}
  Strand strand;
  HttpUpstreamOptions options;
  ServerRequestHandler on_server_request;
  NotificationHandler on_notification;
  InvalidLineHandler on_invalid_line;
  std::function<void(const UpstreamExit&)> on_exit;

  std::string upstream() const { return "upstream " + options.name; }
  http_upstream::ExchangeLimits exchange_limits() const {
    return {options.limits.max_message_bytes, options.limits.max_http_header_bytes,
            options.connect_timeout, std::max<std::size_t>(options.max_connections, 1)};
  }
};

// One session, from initialize to its end (lost, stopped, or failed to start). A restart makes
// a new HttpSession; late events of the old one find it ended and do nothing. Exchange callbacks
// hold it weakly, timers strongly (they are cancelled when it ends).
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  enum class Phase { starting, ready, closing, ended };

  HttpSession(std::shared_ptr<UpstreamShared> shared, Endpoint endpoint,
              std::uint64_t first_request_id)
      : shared_(std::move(shared)),
        exchanges_(shared_->strand, std::move(endpoint), shared_->exchange_limits()),
        deadline_timer_(shared_->strand),
        stream_backoff_(shared_->options.first_stream_backoff),
        reopen_timer_(shared_->strand),
        session_([this](std::string line) { send_line(std::move(line)); },
                 AsyncClientOptions{shared_->options.limits, first_request_id}) {
    session_.on_server_request([this](Request request, AnswerCallback respond) {
      if (auto handler = shared_->on_server_request) {
        handler(std::move(request), std::move(respond));
      } else {
        respond(ErrorObject{error_code::kMethodNotFound, "Method not found: " + request.method,
                            nullptr});
      }
    });
    session_.on_notification([this](Notification notification) {
      if (auto handler = shared_->on_notification) handler(std::move(notification));
    });
    session_.on_invalid_line([this](const InvalidServerLine& line) {
      if (auto handler = shared_->on_invalid_line) handler(line);
    });
  }

  Phase phase() const { return phase_; }
  const AsyncClientSession& session() const { return session_; }
  const std::string& session_id() const { return session_id_; }

  void begin(AnswerCallback ready) {
    ready_ = std::move(ready);
    const HttpUpstreamOptions& options = shared_->options;
    timed(
        options.limits.request_timeout,
        [this](ClientAnswer answer) { on_initialize_answer(std::move(answer)); },
        [&](AnswerCallback done) {
          return session_.initialize(options.protocol_version, options.capabilities,
                                     options.client_info, std::move(done));
        },
        true);
  }

  RequestHandle request(std::string method, Json params, AnswerCallback done,
                        milliseconds timeout) {
    const Limits& limits = shared_->options.limits;
    if (phase_ != Phase::ready) {
      post_failure(std::move(done),
                   internal_error(shared_->upstream() + " is not ready (" +
                                  (phase_ == Phase::starting ? "starting" : "dead") + ")"));
      return {};
    }
    if (session_.in_flight() >= limits.max_in_flight_requests) {
      post_failure(
          std::move(done),
          internal_error(shared_->upstream() + " has too many requests in flight: the limit is " +
                         std::to_string(limits.max_in_flight_requests)));
      return {};
    }
    return timed(timeout, std::move(done), [&](AnswerCallback untracking) {
      return session_.request(std::move(method), std::move(params), std::move(untracking));
    });
  }

  bool notify(std::string method, Json params) {
    if (phase_ != Phase::ready) return false;
    session_.notify(std::move(method), std::move(params));
    return true;
  }

  bool cancel(RequestHandle handle, std::string reason) {
    if (!session_.in_flight(handle)) return false;
    abort_post(handle);
    return session_.cancel(handle, std::move(reason));
  }

  // `why` completes "upstream <name> was <why>".
  void stop(const std::string& why, std::function<void()> stopped) {
    if (phase_ == Phase::ended) {
      if (stopped) asio::post(shared_->strand, std::move(stopped));
      return;
    }
    if (stopped) stop_waiters_.push_back(std::move(stopped));
    end(UpstreamExit{-1, true, shared_->upstream() + " was " + why}, true);
  }

  // The destructor's stop: no DELETE, no callbacks but the failures of what was in flight.
  void shut_down_now() {
    if (phase_ == Phase::ended) return;
    phase_ = Phase::ended;
    silence();
    const std::string why = shared_->upstream() + " was shut down";
    session_.fail_all(internal_error(why + " while the call was in flight"));
    if (auto ready = std::exchange(ready_, nullptr)) ready(internal_error(why));
  }

 private:
  using DeadlineKey = std::pair<SteadyClock::time_point, std::uint64_t>;
  struct TimedRequest {
    RequestHandle handle;
    milliseconds timeout;
  };
  // The request whose line the session is about to hand to send_line.
  struct PendingPost {
    RequestHandle handle;
    milliseconds timeout;
    bool initialize = false;
  };

  // Sends a request through `send` under a deadline; its line becomes a POST of its own.
  RequestHandle timed(milliseconds timeout, AnswerCallback done,
                      const std::function<RequestHandle(AnswerCallback)>& send,
                      bool initialize = false) {
    const DeadlineKey key{after(timeout), ++last_deadline_};
    // Ids are handed out in order, so the next one is this request's.
    posting_ = PendingPost{RequestHandle{session_.next_request_id()}, timeout, initialize};
    RequestHandle handle = send([this, key, done = std::move(done)](ClientAnswer answer) {
      deadlines_.erase(key);
      done(std::move(answer));
    });
    posting_.reset();
    if (handle && session_.in_flight(handle)) {
      deadlines_.emplace(key, TimedRequest{handle, timeout});
      arm_deadline_timer(key.first);
    }
    return handle;
  }

  // One timer serves every request: it is set for the earliest deadline.
  void arm_deadline_timer(SteadyClock::time_point when) {
    if (when == SteadyClock::time_point::max()) return;
    if (deadline_armed_for_ && *deadline_armed_for_ <= when) return;
    deadline_armed_for_ = when;
    deadline_timer_.expires_at(when);
    deadline_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || !alive()) return;
      on_deadline_timer();
    });
  }

  void on_deadline_timer() {
    deadline_armed_for_.reset();
    const auto now = SteadyClock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first.first <= now) {
      const TimedRequest due = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      abort_post(due.handle);
      session_.expire(due.handle, ErrorObject{client_error_code::kRequestTimeout,
                                              shared_->upstream() + " timed out after " +
                                                  std::to_string(due.timeout.count()) + " ms",
                                              nullptr});
    }
    if (!deadlines_.empty()) arm_deadline_timer(deadlines_.begin()->first.first);
  }

  bool alive() const { return phase_ == Phase::starting || phase_ == Phase::ready; }

  // Every line the session sends is one POST: a request's own (its answer comes back on it), or
  // a notification or an answer to the server, which the server acknowledges with 202.
  void send_line(std::string line) {
    if (!alive()) return;
    if (posting_) {
      const PendingPost post = *posting_;
      posting_.reset();
      post_request(post, std::move(line));
      return;
    }
    post_message(std::move(line));
  }

  HttpHeaders headers(std::string accept) const {
    HttpHeaders out = {{"Accept", std::move(accept)}};
    if (!session_id_.empty()) out.emplace_back("Mcp-Session-Id", session_id_);
    if (const auto& server = session_.server())
      out.emplace_back("MCP-Protocol-Version", server->protocol_version);
    return out;
  }

  Call post_call(std::string body, Lane lane, SteadyClock::time_point deadline) {
    Call call;
    call.method = "POST";
    call.body = std::move(body);
    call.headers = headers("application/json, text/event-stream");
    call.headers.emplace_back("Content-Type", "application/json");
    for (const auto& header : shared_->options.headers) call.headers.push_back(header);
    call.lane = lane;
    call.deadline = deadline;
    std::weak_ptr<HttpSession> weak = weak_from_this();
    call.on_message = [weak](std::string text) {
      if (auto self = weak.lock(); self && self->alive()) self->session_.receive(text);
    };
    return call;
  }

  void post_request(const PendingPost& post, std::string line) {
    const milliseconds bound =
        std::min(post.timeout, milliseconds::max() - kPostGrace) + kPostGrace;
    Call call = post_call(std::move(line), Lane::request, after(bound));
    std::weak_ptr<HttpSession> weak = weak_from_this();
    if (post.initialize) {
      call.on_head = [weak](const Head& head) {
        if (auto self = weak.lock(); self && success(head.status) && !head.session_id.empty())
          self->session_id_ = head.session_id;
      };
    }
    call.on_done = [weak, handle = post.handle](Outcome outcome) {
      if (auto self = weak.lock()) self->on_request_posted(handle, std::move(outcome));
    };
    posts_[post.handle.id] = exchanges_.start(std::move(call));
  }

  void post_message(std::string line) {
    const bool handshake = phase_ == Phase::starting && line == initialized_line();
    Call call =
        post_call(std::move(line), Lane::message, after(shared_->options.limits.request_timeout));
    std::weak_ptr<HttpSession> weak = weak_from_this();
    call.on_done = [weak, handshake](Outcome outcome) {
      if (auto self = weak.lock()) self->on_message_posted(std::move(outcome), handshake);
    };
    exchanges_.start(std::move(call));
  }

  void abort_post(RequestHandle handle) {
    auto it = posts_.find(handle.id);
    if (it == posts_.end()) return;
    exchanges_.abort(it->second);
    posts_.erase(it);
  }

  // The POST of a request is over. If that did not answer the request, this says why.
  void on_request_posted(RequestHandle handle, Outcome outcome) {
    posts_.erase(handle.id);
    if (!alive()) return;
    if (outcome.failure == Failure::unreachable) return lose(unreachable(outcome.error));
    if (outcome.status == 404 && !session_id_.empty()) return lose(session_forgotten());
    if (!session_.in_flight(handle)) return;
    const std::string upstream = shared_->upstream();
    switch (outcome.failure) {
      case Failure::broken:
        // A dead server, or one connection gone bad? A new connection tells.
        return confirm_reachable([this, handle, upstream] {
          fail_one(handle, internal_error(upstream + " closed the connection before answering"));
        });
      case Failure::timed_out:
        return fail_one(handle, internal_error(upstream + " did not finish its answer in time"));
      case Failure::too_large:
        return fail_one(handle,
                        internal_error(upstream + " sent an answer too large: " + outcome.error));
      case Failure::malformed:
        return fail_one(
            handle, internal_error(upstream + " sent a malformed HTTP answer: " + outcome.error));
      default:
        break;
    }
    if (!success(outcome.status)) return fail_with_http_error(handle, outcome);
    fail_one(handle, internal_error(upstream + (outcome.status == 202
                                                    ? " accepted the request without answering it"
                                                    : " ended its answer without a response")));
  }

  // -32603 with the status and what the body said; a JSON-RPC error for this very request is
  // its answer as it stands.
  void fail_with_http_error(RequestHandle handle, const Outcome& outcome) {
    std::string message = shared_->upstream() + " answered HTTP " + std::to_string(outcome.status);
    Json data = {{"httpStatus", outcome.status}};
    if (auto error = error_response_in(outcome.body, shared_->options.limits)) {
      if (error->id == AsyncClientSession::wire_id(handle)) {
        session_.receive(outcome.body);
        if (!session_.in_flight(handle)) return;
      }
      message += ": " + error->error.message;
      data["error"] = {{"code", error->error.code}, {"message", error->error.message}};
    }
    if (!outcome.body.empty()) data["body"] = outcome.body.substr(0, kBodyExcerptBytes);
    fail_one(handle, internal_error(std::move(message), std::move(data)));
  }

  // Completes one request with `error` through the session, as if the server had answered so:
  // nothing is sent, and its bookkeeping (deadline, in-flight count) ends as for any answer.
  void fail_one(RequestHandle handle, ErrorObject error) {
    if (!session_.in_flight(handle)) return;
    session_.receive(encode(ErrorResponse{AsyncClientSession::wire_id(handle), std::move(error)}));
  }

  void on_message_posted(Outcome outcome, bool handshake) {
    if (!alive()) return;
    if (outcome.failure == Failure::unreachable) return lose(unreachable(outcome.error));
    if (outcome.status == 404 && !session_id_.empty()) return lose(session_forgotten());
    if (handshake) on_handshake_posted(outcome);
  }

  // Ready only once the server has accepted notifications/initialized, so that no request
  // overtakes it on another connection.
  void on_handshake_posted(const Outcome& outcome) {
    if (phase_ != Phase::starting) return;
    if (outcome.failure == Failure::none && success(outcome.status)) {
      phase_ = Phase::ready;
      open_stream();
      if (auto ready = std::exchange(ready_, nullptr)) ready(std::move(initialize_result_));
      return;
    }
    std::string why =
        outcome.failure != Failure::none ? outcome.error : "HTTP " + std::to_string(outcome.status);
    end(UpstreamExit{-1, false,
                     shared_->upstream() +
                         " failed to initialize: notifications/initialized was refused (" + why +
                         ")"},
        true);
  }

  void on_initialize_answer(ClientAnswer answer) {
    if (phase_ != Phase::starting) return;  // it ended meanwhile, and ready_ was told why
    if (auto* error = std::get_if<ErrorObject>(&answer)) {
      // "upstream x failed to initialize: timed out after ..." rather than naming it twice.
      std::string detail = error->message;
      const std::string prefix = shared_->upstream() + " ";
      if (detail.starts_with(prefix)) detail.erase(0, prefix.size());
      error->message = shared_->upstream() + " failed to initialize: " + detail;
      end(UpstreamExit{-1, false, error->message}, true, std::move(*error));
      return;
    }
    initialize_result_ = std::move(std::get<Json>(answer));  // notifications/initialized is out
  }

  // The GET stream for the server's unrelated messages, reopened while the session lives.
  void open_stream() {
    if (phase_ != Phase::ready || stream_refused_ || stream_exchange_) return;
    Call call;
    call.method = "GET";
    call.headers = headers("text/event-stream");
    if (!last_event_id_.empty()) call.headers.emplace_back("Last-Event-ID", last_event_id_);
    for (const auto& header : shared_->options.headers) call.headers.push_back(header);
    call.lane = Lane::stream;
    call.idle_timeout = shared_->options.stream_idle_timeout;
    std::weak_ptr<HttpSession> weak = weak_from_this();
    call.on_message = [weak](std::string text) {
      auto self = weak.lock();
      if (!self || !self->alive()) return;
      self->stream_backoff_ = self->shared_->options.first_stream_backoff;
      self->session_.receive(text);
    };
    call.on_done = [weak](Outcome outcome) {
      if (auto self = weak.lock()) self->on_stream_ended(outcome);
    };
    stream_exchange_ = exchanges_.start(std::move(call));
  }

  void on_stream_ended(const Outcome& outcome) {
    stream_exchange_.reset();
    if (phase_ != Phase::ready) return;
    if (!outcome.last_event_id.empty()) last_event_id_ = outcome.last_event_id;
    if (outcome.failure == Failure::unreachable) return lose(unreachable(outcome.error));
    const int status = outcome.status;
    if (status == 404 && !session_id_.empty()) return lose(session_forgotten());
    // 405: the server has no stream to offer. Other refusals would not change on a retry;
    // timeouts, conflicts (our old stream not yet noticed gone) and overload might.
    if (status >= 400 && status < 500 && status != 408 && status != 409 && status != 429) {
      stream_refused_ = true;
      return;
    }
    const milliseconds last = shared_->options.last_stream_backoff;
    const milliseconds wait = outcome.retry ? std::min(*outcome.retry, last) : stream_backoff_;
    stream_backoff_ = std::min(stream_backoff_ * 2, last);
    reopen_timer_.expires_after(wait);
    reopen_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec != asio::error::operation_aborted) self->open_stream();
    });
  }

  // Runs `then` if the server still answers HTTP on a fresh connection; loses the session if it
  // refuses the connection or drops it unanswered. A connect alone proves nothing: the kernel
  // completes it for a listener whose process is being killed. OPTIONS has no effect on an MCP
  // endpoint, and any status (405 included) is an answer.
  void confirm_reachable(std::function<void()> then) {
    reachability_waiters_.push_back(std::move(then));
    if (reachability_waiters_.size() > 1) return;  // a probe is on its way
    Call probe;
    probe.method = "OPTIONS";
    probe.headers = shared_->options.headers;
    probe.lane = Lane::stream;
    probe.deadline =
        after(shared_->options.connect_timeout + shared_->options.limits.request_timeout);
    std::weak_ptr<HttpSession> weak = weak_from_this();
    probe.on_done = [weak](Outcome outcome) {
      auto self = weak.lock();
      if (!self) return;
      auto waiters = std::exchange(self->reachability_waiters_, {});
      if (!self->alive()) return;
      if (outcome.failure == Failure::unreachable)
        return self->lose(self->unreachable(outcome.error));
      if (outcome.failure == Failure::broken)
        return self->lose(
            self->unreachable("it dropped a connection unanswered (" + outcome.error + ")"));
      for (auto& waiter : waiters) waiter();
    };
    exchanges_.start(std::move(probe));
  }

  std::string unreachable(const std::string& error) const {
    return shared_->upstream() + " is unreachable at " + shared_->options.url + ": " + error;
  }
  std::string session_forgotten() const {
    return shared_->upstream() + " lost its session: the server answered 404 to session id " +
           session_id_;
  }

  // The session is gone without our asking: nothing to say goodbye to.
  void lose(const std::string& why) { end(UpstreamExit{-1, false, why}, false); }

  // Ends the session: fails what is in flight (and a start not yet ready) at once, DELETEs the
  // session when asked and there is one, and then reports the exit.
  void end(UpstreamExit exit, bool say_goodbye, std::optional<ErrorObject> ready_error = {}) {
    if (!alive()) return;
    phase_ = Phase::closing;
    exit_ = std::move(exit);
    silence();
    session_.fail_all(internal_error(exit_.message + " while the call was in flight"));
    if (auto ready = std::exchange(ready_, nullptr))
      ready(ready_error ? std::move(*ready_error) : internal_error(exit_.message));
    std::weak_ptr<HttpSession> weak = weak_from_this();
    if (!say_goodbye || session_id_.empty()) {
      asio::post(shared_->strand, [weak] {
        if (auto self = weak.lock()) self->finish();
      });
      return;
    }
    Call goodbye;
    goodbye.method = "DELETE";
    goodbye.headers = headers("application/json, text/event-stream");
    for (const auto& header : shared_->options.headers) goodbye.headers.push_back(header);
    goodbye.lane = Lane::message;
    goodbye.deadline = after(shared_->options.delete_timeout);
    goodbye.on_done = [weak](Outcome) {
      if (auto self = weak.lock()) self->finish();
    };
    exchanges_.start(std::move(goodbye));
  }

  void finish() {
    if (phase_ == Phase::ended) return;
    phase_ = Phase::ended;
    silence();
    if (auto handler = shared_->on_exit) handler(exit_);
    auto waiters = std::exchange(stop_waiters_, {});
    for (auto& waiter : waiters) waiter();
  }

  // Closes every socket and stops every timer.
  void silence() {
    exchanges_.abort_all();
    posts_.clear();
    stream_exchange_.reset();
    reachability_waiters_.clear();
    deadline_timer_.cancel();
    reopen_timer_.cancel();
    deadlines_.clear();
    deadline_armed_for_.reset();
  }

  void post_failure(AnswerCallback done, ErrorObject error) {
    asio::post(shared_->strand, [done = std::move(done), error = std::move(error)]() mutable {
      done(std::move(error));
    });
  }

  std::shared_ptr<UpstreamShared> shared_;
  Exchanges exchanges_;
  Phase phase_ = Phase::starting;
  AnswerCallback ready_;    // start()'s, until the session is ready or ends
  Json initialize_result_;  // held while notifications/initialized is on its way
  std::string session_id_;
  std::optional<PendingPost> posting_;
  std::map<std::uint64_t, Exchanges::Id> posts_;  // request handle id -> its POST
  std::map<DeadlineKey, TimedRequest> deadlines_;
  std::uint64_t last_deadline_ = 0;
  asio::steady_timer deadline_timer_;
  std::optional<SteadyClock::time_point> deadline_armed_for_;
  std::optional<Exchanges::Id> stream_exchange_;
  bool stream_refused_ = false;
  std::string last_event_id_;
  milliseconds stream_backoff_;
  asio::steady_timer reopen_timer_;
  std::vector<std::function<void()>> reachability_waiters_;
  UpstreamExit exit_;
  std::vector<std::function<void()>> stop_waiters_;
  // Last: its callbacks use the members above, and it fails what is left when destroyed.
  AsyncClientSession session_;
};

}  // namespace

struct HttpUpstream::Core : std::enable_shared_from_this<HttpUpstream::Core> {
  Core(asio::io_context& io, HttpUpstreamOptions options)
      : shared(std::make_shared<UpstreamShared>(io, std::move(options))) {}

  bool running() const { return current && current->phase() != HttpSession::Phase::ended; }

  void begin(AnswerCallback ready) {
    if (closing) return;
    auto endpoint = http_upstream::parse_endpoint(shared->options.url);
    if (auto* why = std::get_if<std::string>(&endpoint)) {
      post_error(std::move(ready), shared->upstream() + " cannot start: " + *why);
      return;
    }
    if (current) next_request_id = current->session().next_request_id();
    current = std::make_shared<HttpSession>(shared, std::get<Endpoint>(std::move(endpoint)),
                                            next_request_id);
    current->begin(std::move(ready));
  }

  void restart(AnswerCallback ready) {
    if (!running()) {
      begin(std::move(ready));
      return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    auto session = current;  // kept alive while its callbacks may replace `current`
    session->stop("restarted", [weak, ready = std::move(ready)]() mutable {
      // Another restart may have begun a session meanwhile: restart() stops that one too.
      if (auto core = weak.lock()) core->restart(std::move(ready));
    });
  }

  void post_error(AnswerCallback done, std::string message) {
    asio::post(shared->strand, [done = std::move(done), message = std::move(message)]() mutable {
      done(internal_error(std::move(message)));
    });
  }

  std::shared_ptr<UpstreamShared> shared;
  std::shared_ptr<HttpSession> current;
  std::uint64_t next_request_id = 1;
  bool closing = false;
};

HttpUpstream::HttpUpstream(asio::io_context& io, HttpUpstreamOptions options)
    : core_(std::make_shared<Core>(io, std::move(options))) {}

HttpUpstream::~HttpUpstream() {
  core_->closing = true;
  UpstreamShared& shared = *core_->shared;
  shared.on_server_request = nullptr;
  shared.on_notification = nullptr;
  shared.on_invalid_line = nullptr;
  shared.on_exit = nullptr;
  if (auto session = core_->current) session->shut_down_now();
}

void HttpUpstream::start(AnswerCallback ready) {
  if (core_->running()) {
    core_->post_error(std::move(ready),
                      core_->shared->upstream() + " is already running; restart() replaces it");
    return;
  }
  core_->begin(std::move(ready));
}

void HttpUpstream::restart(AnswerCallback ready) { core_->restart(std::move(ready)); }

void HttpUpstream::stop(std::function<void()> stopped) {
  if (auto session = core_->current) {
    session->stop("stopped", std::move(stopped));
  } else if (stopped) {
    asio::post(core_->shared->strand, std::move(stopped));
  }
}

RequestHandle HttpUpstream::request(std::string method, Json params, AnswerCallback done,
                                    std::optional<milliseconds> timeout) {
  const milliseconds limit = timeout.value_or(core_->shared->options.limits.request_timeout);
  if (auto session = core_->current) {
    return session->request(std::move(method), std::move(params), std::move(done), limit);
  }
  core_->post_error(std::move(done), core_->shared->upstream() + " is not ready (dead)");
  return {};
}

bool HttpUpstream::notify(std::string method, Json params) {
  auto session = core_->current;
  return session && session->notify(std::move(method), std::move(params));
}

bool HttpUpstream::cancel(RequestHandle handle, std::string reason) {
  auto session = core_->current;
  return session && session->cancel(handle, std::move(reason));
}

void HttpUpstream::on_server_request(ServerRequestHandler handler) {
  core_->shared->on_server_request = std::move(handler);
}
void HttpUpstream::on_notification(NotificationHandler handler) {
  core_->shared->on_notification = std::move(handler);
}
void HttpUpstream::on_invalid_line(InvalidLineHandler handler) {
  core_->shared->on_invalid_line = std::move(handler);
}
void HttpUpstream::on_exit(std::function<void(const UpstreamExit&)> handler) {
  core_->shared->on_exit = std::move(handler);
}

void HttpUpstream::dispatch(std::function<void()> task) {
  asio::dispatch(core_->shared->strand, std::move(task));
}

UpstreamState HttpUpstream::state() const {
  if (!core_->current) return UpstreamState::dead;
  switch (core_->current->phase()) {
    case HttpSession::Phase::starting:
      return UpstreamState::starting;
    case HttpSession::Phase::ready:
      return UpstreamState::ready;
    default:
      return UpstreamState::dead;
  }
}

std::optional<ServerDescription> HttpUpstream::server() const {
  if (!core_->current) return std::nullopt;
  return core_->current->session().server();
}

std::size_t HttpUpstream::in_flight() const {
  return core_->current ? core_->current->session().in_flight() : 0;
}

const std::string& HttpUpstream::name() const { return core_->shared->options.name; }

const std::string& HttpUpstream::session_id() const {
  static const std::string none;
  return core_->current ? core_->current->session_id() : none;
}

}  // namespace gatecrash::mcp
