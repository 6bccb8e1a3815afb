// mcp/stdio_upstream.cc — a child's pipes on Boost.Asio: framed reads, coalesced writes, timeouts,
// exit and reaping.
#include "mcp/stdio_upstream.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "mcp/stdio.h"

namespace asio = boost::asio;

namespace gatecrash::mcp {

std::string_view to_string(UpstreamState state) {
  switch (state) {
    case UpstreamState::starting:
      return "starting";
    case UpstreamState::ready:
      return "ready";
    case UpstreamState::dead:
      return "dead";
  }
  return "dead";
}

namespace {

using SteadyClock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunkBytes = 64 * 1024;
// Exit polling starts fast (a killed child is usually reapable within a millisecond of its
// stdout closing) and backs off for children that take their time.
constexpr milliseconds kFirstExitPoll{1};
constexpr milliseconds kSlowestExitPoll{50};
constexpr milliseconds kBlockingExitPoll{5};
// How often a running child is checked for having exited while something else (a grandchild
// that inherited it) still holds its stdout open, so that no EOF tells us.
constexpr milliseconds kLivenessPoll{500};

ErrorObject internal_error(std::string message) {
  return ErrorObject{error_code::kInternalError, std::move(message), nullptr};
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// True once the child has exited. It is left unreaped on purpose: while the zombie exists its
// pid stays reserved as its process group's id, so killing the group cannot hit a stranger.
bool exited_unreaped(int pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == pid;
}

// What every child of one upstream shares with it: the strand, the settings, the owner's
// handlers. The owner empties the handlers when it goes, so late events reach nobody.
struct UpstreamShared {
  UpstreamShared(asio::io_context& io, StdioUpstreamOptions o)
      : strand(asio::make_strand(io)), options(std::move(o)) {}
  Strand strand;
  StdioUpstreamOptions options;
  ServerRequestHandler on_server_request;
  NotificationHandler on_notification;
  InvalidLineHandler on_invalid_line;
  std::function<void(const UpstreamExit&)> on_exit;

  std::string upstream() const { return "upstream " + options.name; }
};

// One spawned child, from spawn to reaping, with its pipes and its session. A restart makes a
// new Connection; late events of the old one find it reaped and do nothing. Asynchronous
// handlers hold a shared_ptr to it, so it lives until the last of them has run.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Phase { starting, ready, exiting, reaped };

  Connection(std::shared_ptr<UpstreamShared> shared, std::unique_ptr<ChildProcess> child,
             ChildProcess::StdioFds fds, std::uint64_t first_request_id)
      : shared_(std::move(shared)),
        child_(std::move(child)),
        pid_(child_->pid()),
        to_child_(shared_->strand, fds.stdin_fd),
        from_child_(shared_->strand, fds.stdout_fd),
        framer_(shared_->options.limits.max_message_bytes),
        read_buffer_(kReadChunkBytes),
        deadline_timer_(shared_->strand),
        exit_timer_(shared_->strand),
        liveness_timer_(shared_->strand),
        session_([this](std::string line) { queue_line(std::move(line)); },
                 AsyncClientOptions{shared_->options.limits, first_request_id}) {
    // flush() writes at once: a full pipe must say so rather than block the loop. Failing that,
    // the first write fails and the child is treated as gone.
    boost::system::error_code ec;
    to_child_.non_blocking(true, ec);
    if (ec) to_child_.close(ec);
    session_.on_server_request([this](Request request, AnswerCallback respond) {
      auto handler = shared_->on_server_request;
      if (handler) {
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
  int pid() const { return pid_; }
  const AsyncClientSession& session() const { return session_; }

  void begin(AnswerCallback ready) {
    read_more();
    watch_liveness();
    const StdioUpstreamOptions& options = shared_->options;
    timed(
        options.limits.request_timeout,
        [this, ready = std::move(ready)](ClientAnswer answer) {
          on_initialize_answer(std::move(answer), ready);
        },
        [&](AnswerCallback done) {
          return session_.initialize(options.protocol_version, options.capabilities,
                                     options.client_info, std::move(done));
        });
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
    return session_.cancel(handle, std::move(reason));
  }

  // `why` completes "upstream <name> was <why> while the call was in flight".
  void stop(const std::string& why, std::function<void()> reaped) {
    if (phase_ == Phase::reaped) {
      if (reaped) asio::post(shared_->strand, std::move(reaped));
      return;
    }
    if (reaped) reaped_waiters_.push_back(std::move(reaped));
    begin_exit(true, internal_error(shared_->upstream() + " was " + why +
                                    " while the call was in flight"));
  }

  // The destructor's stop: the same steps, blocking, and no callbacks but the in-flight failures.
  void shut_down_now() {
    if (phase_ == Phase::reaped) return;
    reaped_waiters_.clear();
    if (phase_ != Phase::exiting) {
      phase_ = Phase::exiting;
      exit_requested_ = true;
      exit_deadline_ = SteadyClock::now() + shared_->options.stop_grace;
      session_.fail_all(
          internal_error(shared_->upstream() + " was shut down while the call was in flight"));
    }
    boost::system::error_code ignored;
    to_child_.close(ignored);
    while (!exited_unreaped(pid_) && SteadyClock::now() < exit_deadline_) {
      std::this_thread::sleep_for(kBlockingExitPoll);
    }
    ::killpg(pid_, SIGKILL);
    finish_exit(child_->terminate(milliseconds(0)));
  }

 private:
  using DeadlineKey = std::pair<SteadyClock::time_point, std::uint64_t>;
  struct TimedRequest {
    RequestHandle handle;
    milliseconds timeout;
  };

  // Sends through `send` with a callback that forgets the deadline, then tracks the deadline.
  template <class Send>
  RequestHandle timed(milliseconds timeout, AnswerCallback done, Send send) {
    const DeadlineKey key{SteadyClock::now() + timeout, ++last_deadline_};
    RequestHandle handle = send([this, key, done = std::move(done)](ClientAnswer answer) {
      deadlines_.erase(key);
      done(std::move(answer));
    });
    if (handle && session_.in_flight(handle)) {
      deadlines_.emplace(key, TimedRequest{handle, timeout});
      arm_deadline_timer(key.first);
    }
    return handle;
  }

  // One timer serves every request: it is set for the earliest deadline and re-armed only when
  // an earlier one arrives or when it fires.
  void arm_deadline_timer(SteadyClock::time_point when) {
    if (deadline_armed_for_ && *deadline_armed_for_ <= when) return;
    deadline_armed_for_ = when;
    deadline_timer_.expires_at(when);
    deadline_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || phase_ == Phase::reaped) return;
      on_deadline_timer();
    });
  }

  void on_deadline_timer() {
    deadline_armed_for_.reset();
    const auto now = SteadyClock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first.first <= now) {
      const TimedRequest due = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      session_.expire(due.handle, ErrorObject{client_error_code::kRequestTimeout,
                                              shared_->upstream() + " timed out after " +
                                                  std::to_string(due.timeout.count()) + " ms",
                                              nullptr});
    }
    if (!deadlines_.empty()) arm_deadline_timer(deadlines_.begin()->first.first);
  }

  void on_initialize_answer(ClientAnswer answer, const AnswerCallback& ready) {
    if (auto* error = std::get_if<ErrorObject>(&answer)) {
      // "upstream x failed to initialize: timed out after ..." rather than naming it twice.
      std::string detail = error->message;
      const std::string prefix = shared_->upstream() + " ";
      if (detail.starts_with(prefix)) detail.erase(0, prefix.size());
      error->message = shared_->upstream() + " failed to initialize: " + detail;
      if (phase_ == Phase::starting) begin_exit(false, std::nullopt);
    } else if (phase_ == Phase::starting) {
      phase_ = Phase::ready;
    }
    ready(std::move(answer));
  }

  void read_more() {
    from_child_.async_read_some(
        asio::buffer(read_buffer_),
        [this, self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (phase_ == Phase::reaped) return;
          if (n > 0) consume(std::string_view(read_buffer_.data(), n));
          if (ec) {
            if (ec == asio::error::operation_aborted) return;
            stdout_closed_ = true;  // EOF (or a read error): it is going away
            if (phase_ == Phase::exiting)
              poll_exit();
            else
              begin_exit(false, std::nullopt);
            return;
          }
          if (phase_ != Phase::reaped) read_more();
        });
  }

  void consume(std::string_view bytes) {
    framer_.feed(
        bytes,
        [this](std::string_view line) {
          if (!is_blank(line)) session_.receive(line);
        },
        [this](std::string_view excerpt) {
          const std::size_t limit = shared_->options.limits.max_message_bytes;
          // An answer too large to read still fails its request at once, when its id is readable.
          session_.reject_line(excerpt,
                               DecodeError{ErrorObject{error_code::kInvalidRequest,
                                                       "line exceeds the limit of " +
                                                           std::to_string(limit) + " bytes",
                                                       nullptr},
                                           leading_request_id(excerpt), "too_large"});
        });
  }

  // Lines queued while a write is in flight go out together in the next one.
  void queue_line(std::string line) {
    if (phase_ == Phase::exiting || phase_ == Phase::reaped) return;  // stdin is closed
    if (queued_.size() + writing_.size() + line.size() + 1 > shared_->options.max_write_backlog_bytes) {
      // We may be inside the session's own request(): end the child from the strand, not here.
      if (!stalled_) {
        stalled_ = true;
        asio::post(shared_->strand, [this, self = shared_from_this()] {
          begin_exit(false, internal_error(shared_->upstream() + " stopped reading its input (over " +
                                           std::to_string(shared_->options.max_write_backlog_bytes) +
                                           " bytes waiting to be written)"));
        });
      }
      return;
    }
    queued_.append(line);
    queued_.push_back('\n');
    if (!write_in_flight_) flush();
  }

  // A request usually fits in the pipe at once, so it is written right here, without a
  // completion handler's round through the loop; only what the child has not made room for yet
  // waits for the descriptor (and lines queued meanwhile go out after it). We may be inside the
  // session's own request(): a failed write ends the child from the strand, not here.
  void flush() {
    writing_.swap(queued_);
    queued_.clear();
    boost::system::error_code ec;
    const std::size_t written = to_child_.write_some(asio::buffer(writing_), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      writing_.clear();
      asio::post(shared_->strand,  // EPIPE
                 [this, self = shared_from_this()] { begin_exit(false, std::nullopt); });
      return;
    }
    if (written == writing_.size()) {
      writing_.clear();
      return;
    }
    writing_.erase(0, written);
    write_in_flight_ = true;
    asio::async_write(to_child_, asio::buffer(writing_),
                      [this, self = shared_from_this()](boost::system::error_code error,
                                                        std::size_t) {
                        write_in_flight_ = false;
                        writing_.clear();
                        if (error) {
                          if (error != asio::error::operation_aborted)
                            begin_exit(false, std::nullopt);  // EPIPE
                          return;
                        }
                        if (!queued_.empty() && phase_ != Phase::exiting && phase_ != Phase::reaped)
                          flush();
                      });
  }

  // Closing stdin is how MCP asks a stdio server to exit; we then wait for it (reading on, so it
  // never blocks writing to us) and kill its group after stop_grace. A requested stop fails the
  // calls in flight at once; an unexpected exit fails them once the exit status is known.
  void begin_exit(bool requested, std::optional<ErrorObject> fail_now) {
    if (phase_ == Phase::exiting || phase_ == Phase::reaped) return;
    phase_ = Phase::exiting;
    exit_requested_ = requested;
    exit_deadline_ = SteadyClock::now() + shared_->options.stop_grace;
    exit_poll_ = kFirstExitPoll;
    queued_.clear();
    boost::system::error_code ignored;
    to_child_.close(ignored);
    if (fail_now) session_.fail_all(*fail_now);
    poll_exit();
  }

  void watch_liveness() {
    liveness_timer_.expires_after(kLivenessPoll);
    liveness_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec == asio::error::operation_aborted || phase_ == Phase::exiting ||
          phase_ == Phase::reaped)
        return;
      if (exited_unreaped(pid_)) {
        begin_exit(false, std::nullopt);
        return;
      }
      watch_liveness();
    });
  }

  // Done once the child has exited and its stdout is drained (answers it wrote before dying
  // still complete their calls) — or, after its group was killed, once it has exited.
  void poll_exit() {
    if (phase_ == Phase::reaped) return;
    if ((stdout_closed_ || group_killed_) && exited_unreaped(pid_)) {
      ::killpg(pid_, SIGKILL);  // whatever it left running in its group
      finish_exit(child_->wait_exit(milliseconds(0)).value_or(-1));
      return;
    }
    if (!group_killed_ && SteadyClock::now() >= exit_deadline_) {
      ::killpg(pid_, SIGKILL);
      group_killed_ = true;
    }
    exit_timer_.expires_after(exit_poll_);
    exit_poll_ = std::min(exit_poll_ * 2, kSlowestExitPoll);
    exit_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec != asio::error::operation_aborted) poll_exit();
    });
  }

  void finish_exit(int status) {
    phase_ = Phase::reaped;
    boost::system::error_code ignored;
    to_child_.close(ignored);
    from_child_.close(ignored);
    deadline_timer_.cancel();
    exit_timer_.cancel();
    liveness_timer_.cancel();
    deadlines_.clear();
    deadline_armed_for_.reset();
    UpstreamExit report{status, exit_requested_,
                        shared_->upstream() + " exited (status " + std::to_string(status) + ")"};
    session_.fail_all(internal_error(report.message + " while the call was in flight"));
    if (auto handler = shared_->on_exit) handler(report);
    auto waiters = std::move(reaped_waiters_);
    reaped_waiters_.clear();
    for (auto& waiter : waiters) waiter();
  }

  void post_failure(AnswerCallback done, ErrorObject error) {
    asio::post(shared_->strand, [done = std::move(done), error = std::move(error)]() mutable {
      done(std::move(error));
    });
  }

  std::shared_ptr<UpstreamShared> shared_;
  std::unique_ptr<ChildProcess> child_;
  int pid_;
  asio::posix::stream_descriptor to_child_;
  asio::posix::stream_descriptor from_child_;
  LineFramer framer_;
  std::vector<char> read_buffer_;
  std::string queued_;   // lines waiting for the write in flight
  std::string writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool stalled_ = false;  // a backlog overflow has scheduled this child's end
  std::map<DeadlineKey, TimedRequest> deadlines_;
  std::uint64_t last_deadline_ = 0;
  asio::steady_timer deadline_timer_;
  std::optional<SteadyClock::time_point> deadline_armed_for_;
  asio::steady_timer exit_timer_;
  SteadyClock::time_point exit_deadline_{};
  milliseconds exit_poll_ = kFirstExitPoll;
  asio::steady_timer liveness_timer_;
  bool stdout_closed_ = false;
  bool group_killed_ = false;
  Phase phase_ = Phase::starting;
  bool exit_requested_ = false;
  std::vector<std::function<void()>> reaped_waiters_;
  // Last: its callbacks use the members above, and it fails what is left when destroyed.
  AsyncClientSession session_;
};

}  // namespace

struct StdioUpstream::Core : std::enable_shared_from_this<StdioUpstream::Core> {
  Core(asio::io_context& io, StdioUpstreamOptions options)
      : shared(std::make_shared<UpstreamShared>(io, std::move(options))) {}

  bool running() const { return current && current->phase() != Connection::Phase::reaped; }

  void spawn(AnswerCallback ready) {
    if (closing) return;
    if (current) next_request_id = current->session().next_request_id();
    std::shared_ptr<Connection> connection;
    try {
      auto child = ChildProcess::spawn(shared->options.command);
      const auto fds = child->release_stdio_fds();
      connection = std::make_shared<Connection>(shared, std::move(child), fds, next_request_id);
    } catch (const std::exception& e) {
      ErrorObject error = internal_error(shared->upstream() + " could not start: " + e.what());
      asio::post(shared->strand, [ready = std::move(ready), error = std::move(error)]() mutable {
        ready(std::move(error));
      });
      return;
    }
    current = connection;
    connection->begin(std::move(ready));
  }

  void restart(AnswerCallback ready) {
    if (!running()) {
      spawn(std::move(ready));
      return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    auto connection = current;  // kept alive while its callbacks may replace `current`
    connection->stop("restarted", [weak, ready = std::move(ready)]() mutable {
      // Another restart may have started a child meanwhile: restart() stops that one too.
      if (auto core = weak.lock()) core->restart(std::move(ready));
    });
  }

  std::shared_ptr<UpstreamShared> shared;
  std::shared_ptr<Connection> current;
  std::uint64_t next_request_id = 1;
  bool closing = false;
};

StdioUpstream::StdioUpstream(asio::io_context& io, StdioUpstreamOptions options)
    : core_(std::make_shared<Core>(io, std::move(options))) {}

StdioUpstream::~StdioUpstream() {
  core_->closing = true;
  UpstreamShared& shared = *core_->shared;
  shared.on_server_request = nullptr;
  shared.on_notification = nullptr;
  shared.on_invalid_line = nullptr;
  shared.on_exit = nullptr;
  if (auto connection = core_->current) connection->shut_down_now();
}

void StdioUpstream::start(AnswerCallback ready) {
  if (core_->running()) {
    ErrorObject error =
        internal_error(core_->shared->upstream() + " is already running; restart() replaces it");
    asio::post(core_->shared->strand,
               [ready = std::move(ready), error = std::move(error)]() mutable {
                 ready(std::move(error));
               });
    return;
  }
  core_->spawn(std::move(ready));
}

void StdioUpstream::restart(AnswerCallback ready) { core_->restart(std::move(ready)); }

void StdioUpstream::stop(std::function<void()> reaped) {
  if (auto connection = core_->current) {
    connection->stop("stopped", std::move(reaped));
  } else if (reaped) {
    asio::post(core_->shared->strand, std::move(reaped));
  }
}

RequestHandle StdioUpstream::request(std::string method, Json params, AnswerCallback done,
                                     std::optional<milliseconds> timeout) {
  const milliseconds limit = timeout.value_or(core_->shared->options.limits.request_timeout);
  if (auto connection = core_->current) {
    return connection->request(std::move(method), std::move(params), std::move(done), limit);
  }
  ErrorObject error = internal_error(core_->shared->upstream() + " is not ready (dead)");
  asio::post(core_->shared->strand, [done = std::move(done), error = std::move(error)]() mutable {
    done(std::move(error));
  });
  return {};
}

bool StdioUpstream::notify(std::string method, Json params) {
  auto connection = core_->current;
  return connection && connection->notify(std::move(method), std::move(params));
}

bool StdioUpstream::cancel(RequestHandle handle, std::string reason) {
  auto connection = core_->current;
  return connection && connection->cancel(handle, std::move(reason));
}

void StdioUpstream::on_server_request(ServerRequestHandler handler) {
  core_->shared->on_server_request = std::move(handler);
}
void StdioUpstream::on_notification(NotificationHandler handler) {
  core_->shared->on_notification = std::move(handler);
}
void StdioUpstream::on_invalid_line(InvalidLineHandler handler) {
  core_->shared->on_invalid_line = std::move(handler);
}
void StdioUpstream::on_exit(std::function<void(const UpstreamExit&)> handler) {
  core_->shared->on_exit = std::move(handler);
}

void StdioUpstream::dispatch(std::function<void()> task) {
  asio::dispatch(core_->shared->strand, std::move(task));
}

UpstreamState StdioUpstream::state() const {
  if (!core_->current) return UpstreamState::dead;
  switch (core_->current->phase()) {
    case Connection::Phase::starting:
      return UpstreamState::starting;
    case Connection::Phase::ready:
      return UpstreamState::ready;
    default:
      return UpstreamState::dead;
  }
}

int StdioUpstream::pid() const { return core_->running() ? core_->current->pid() : -1; }

std::optional<ServerDescription> StdioUpstream::server() const {
  if (!core_->current) return std::nullopt;
  return core_->current->session().server();
}

std::size_t StdioUpstream::in_flight() const {
  return core_->current ? core_->current->session().in_flight() : 0;
}

const std::string& StdioUpstream::name() const { return core_->shared->options.name; }

}  // namespace gatecrash::mcp
