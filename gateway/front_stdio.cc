// gateway/front_stdio.cc — stdin reader thread, io-thread session, stdout writer thread.
#include "gateway/front_stdio.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gateway/seeded_defects.h"
#include "gateway/session_handler.h"
#include "mcp/stdio.h"

namespace gatecrash::gateway {

namespace net = boost::asio;

namespace {
// Output not yet taken by the client beyond this means it stopped reading: it is treated as
// gone rather than letting the gateway's memory grow.
constexpr std::size_t kMaxOutputBacklog = 64 * 1024 * 1024;
constexpr int kPollMs = 100;

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// Pipes and sockets can be waited on by the io thread itself (epoll); regular files and
// terminals cannot, and get the reader and writer threads instead.
bool pollable(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && (S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode));
}
}  // namespace

struct StdioFront::State : std::enable_shared_from_this<StdioFront::State> {
  net::io_context& io;
  Gateway& gateway;
  int in_fd;
  int out_fd;
  std::shared_ptr<ClientLink> link;
  std::unique_ptr<SessionHandler> handler;
  std::unique_ptr<mcp::ServerSession> session;
  mcp::LineFramer framer;
  std::function<void(int)> ended;
  bool eof = false;
  bool finished = false;
  std::unique_ptr<net::steady_timer> drain_deadline;

  std::atomic<bool> stop_reading{false};
  std::thread reader;

  // Event mode (both ends pollable): no threads, no hand-offs, which is what keeps the per-call
  // overhead low. The descriptors are duplicates, so closing them leaves stdin/stdout alone.
  bool event_mode = false;
  std::unique_ptr<net::posix::stream_descriptor> in_stream;
  std::unique_ptr<net::posix::stream_descriptor> out_stream;
  std::vector<char> read_buffer;
  std::string out_writing;  // the batch being written (event mode; io thread only)

  std::mutex out_mu;
  std::condition_variable out_cv;
  std::string out_pending;  // guarded by out_mu
  bool writing = false;     // the writer holds a batch
  bool writer_stop = false;
  bool write_failed = false;
  std::thread writer;

  State(net::io_context& context, Gateway& gw, int in, int out)
      : io(context), gateway(gw), in_fd(in), out_fd(out), framer(gw.limits().protocol.max_message_bytes) {}

  void emit(mcp::Outbound out) {
    if (out.text.empty()) return;
    if (event_mode) {
      if (write_failed) return;
      if (out_pending.size() + out.text.size() > kMaxOutputBacklog) {
        write_failed = true;
        net::post(io, [self = shared_from_this()]() { self->finish(1); });
        return;
      }
      out_pending.append(out.text);
      out_pending.push_back('\n');
      if (out_writing.empty()) start_write();
      return;
    }
    bool gone = false;
    {
      std::lock_guard lock(out_mu);
      if (out_pending.size() + out.text.size() > kMaxOutputBacklog) {
        write_failed = true;
        gone = true;
      } else {
        out_pending.append(out.text);
        out_pending.push_back('\n');
      }
    }
    out_cv.notify_one();
    if (gone) net::post(io, [self = shared_from_this()]() { self->finish(1); });
    else if (eof) net::post(io, [self = shared_from_this()]() { self->maybe_finish(); });
  }

  // Writes what is pending. An answer usually fits in the pipe at once, so it is written right
  // here, without a completion handler's round through the loop; only what the client has not
  // made room for yet waits for the descriptor. Runs inside emit(), that is inside the session's
  // own calls: the end of the session (finish, maybe_finish) is posted, never run from here.
  void start_write() {
    out_writing.swap(out_pending);
    boost::system::error_code ec;
    const std::size_t written = out_stream->write_some(net::buffer(out_writing), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) {
      on_write_failed();
      net::post(io, [self = shared_from_this()]() { self->finish(1); });
      return;
    }
    if (written == out_writing.size()) {
      out_writing.clear();
      if (eof) net::post(io, [self = shared_from_this()]() { self->maybe_finish(); });
      return;
    }
    out_writing.erase(0, written);
    net::async_write(*out_stream, net::buffer(out_writing),
                     [self = shared_from_this()](const boost::system::error_code& error,
                                                 std::size_t) {
                       self->out_writing.clear();
                       if (error) {
                         self->on_write_failed();
                         self->finish(1);
                         return;
                       }
                       if (!self->out_pending.empty()) self->start_write();
                       else if (self->eof) self->maybe_finish();
                     });
  }

  void on_write_failed() {
    write_failed = true;
    out_writing.clear();
    out_pending.clear();
  }

  void start_read() {
    in_stream->async_read_some(net::buffer(read_buffer),
                               [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                 if (self->finished || self->stop_reading) return;
                                 if (ec) {
                                   self->on_eof();
                                   return;
                                 }
                                 self->on_bytes(std::string_view(self->read_buffer.data(), n));
                                 self->start_read();
                               });
  }

  void write_loop() {
    std::unique_lock lock(out_mu);
    for (;;) {
      out_cv.wait(lock, [&] { return writer_stop || !out_pending.empty(); });
      if (out_pending.empty()) return;  // stopping, nothing left
      std::string batch;
      batch.swap(out_pending);
      writing = true;
      lock.unlock();
      const bool ok = mcp::write_all_fd(out_fd, batch);
      lock.lock();
      writing = false;
      out_cv.notify_all();
      if (!ok) {
        write_failed = true;
        out_pending.clear();
        net::post(io, [self = shared_from_this()]() { self->finish(1); });
        return;
      }
    }
  }

  void read_loop() {
    std::vector<char> buffer(64 * 1024);
    while (!stop_reading.load()) {
      pollfd pfd{in_fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, kPollMs);
      if (ready < 0 && errno != EINTR) {
        net::post(io, [self = shared_from_this()]() { self->on_eof(); });
        return;
      }
      if (ready <= 0) continue;
      const ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        net::post(io, [self = shared_from_this()]() { self->on_eof(); });
        return;
      }
      if (n == 0) {
        net::post(io, [self = shared_from_this()]() { self->on_eof(); });
        return;
      }
      net::post(io, [self = shared_from_this(), bytes = std::string(buffer.data(), static_cast<std::size_t>(n))]() {
        self->on_bytes(bytes);
      });
    }
  }

  void on_bytes(std::string_view bytes) {
    if (finished) return;
    const auto& limits = gateway.limits().protocol;
    framer.feed(
        bytes,
        [&](std::string_view line) {
          if (is_blank(line)) return;
#ifdef GATECRASH_SEEDED_DEFECTS
          if (seeded(Defect::duplicate_key_last_wins)) {
            const Json lenient = Json::parse(line, nullptr, false);  // nlohmann keeps the last duplicate
            if (!lenient.is_discarded()) {
              session->receive(lenient.dump());
              return;
            }
          }
#endif
          session->receive(line);
        },
        [&](std::string_view excerpt) {
          mcp::DecodeError too_large{
              mcp::ErrorObject{mcp::error_code::kInvalidRequest,
                               "Invalid request: line exceeds the limit of " +
                                   std::to_string(limits.max_message_bytes) + " bytes",
                               nullptr},
              std::nullopt, "too_large"};
          session->receive(excerpt, too_large);
        });
  }

  void on_eof() {
    if (eof || finished) return;
    eof = true;
    // A last line without a newline is still a message: clients that end with EOF mean it.
    if (!framer.discarding() && !is_blank(framer.partial())) {
      const std::string last = framer.partial();
      session->receive(last);
    }
    // Answers still owed are awaited, but not for longer than an upstream may take.
    drain_deadline = std::make_unique<net::steady_timer>(io);
    drain_deadline->expires_after(gateway.limits().upstream_timeout + std::chrono::seconds(1));
    drain_deadline->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish(0);
    });
    maybe_finish();
  }

  void maybe_finish() {
    if (eof && !finished && session->in_flight() == 0) finish(0);
  }

  void finish(int status) {
    if (finished) return;
    finished = true;
    stop_reading = true;
    if (drain_deadline) drain_deadline->cancel();
    if (ended) {
      auto callback = std::move(ended);
      callback(status);
    }
  }
};

StdioFront::StdioFront(net::io_context& io, Gateway& gateway, std::string identity, int in_fd, int out_fd)
    : state_(std::make_shared<State>(io, gateway, in_fd, out_fd)) {
  auto link = std::make_shared<ClientLink>();
  link->identity = std::move(identity);
  link->session = "stdio-" + std::to_string(::getpid());
  std::weak_ptr<State> weak = state_;
  // The core and the upstreams run on this same io thread: work for the session (an upstream's
  // answer, above all) runs at once rather than after another round through the loop; from any
  // other thread it is posted. post and notify must both do so, or a notification could overtake
  // (or fall behind) the answers the core sent around it.
  link->post = [&io](std::function<void()> fn) { net::dispatch(io, std::move(fn)); };
  link->post_after = [&io](std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<net::steady_timer>(io, delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  };
  link->notify = [&io, weak](std::string method, Json params) {
    net::dispatch(io, [weak, method = std::move(method), params = std::move(params)]() mutable {
      if (auto state = weak.lock(); state && state->session && !state->finished) {
        state->session->notify(std::move(method), std::move(params));
      }
    });
  };
  state_->link = link;
  state_->handler = std::make_unique<SessionHandler>(gateway, link);
  state_->session = std::make_unique<mcp::ServerSession>(
      *state_->handler, [weak](mcp::Outbound out) {
        if (auto state = weak.lock()) state->emit(std::move(out));
      },
      gateway.limits().protocol);
}

StdioFront::~StdioFront() {
  stop();
  {
    std::lock_guard lock(state_->out_mu);
    state_->writer_stop = true;
  }
  state_->out_cv.notify_all();
  if (state_->reader.joinable()) state_->reader.join();
  if (state_->writer.joinable()) state_->writer.join();
}

void StdioFront::start(std::function<void(int)> ended) {
  state_->ended = std::move(ended);
  if (pollable(state_->in_fd) && pollable(state_->out_fd)) {
    const int in = ::fcntl(state_->in_fd, F_DUPFD_CLOEXEC, 0);
    const int out = ::fcntl(state_->out_fd, F_DUPFD_CLOEXEC, 0);
    if (in >= 0 && out >= 0) {
      state_->in_stream = std::make_unique<net::posix::stream_descriptor>(state_->io, in);
      state_->out_stream = std::make_unique<net::posix::stream_descriptor>(state_->io, out);
      // Writes are tried at once (start_write): a full pipe must say so, not block the loop.
      boost::system::error_code ec;
      state_->out_stream->non_blocking(true, ec);
      if (!ec) {
        state_->event_mode = true;
        state_->read_buffer.resize(64 * 1024);
        state_->start_read();
        return;
      }
      state_->in_stream.reset();  // closes the duplicates
      state_->out_stream.reset();
    } else {
      if (in >= 0) ::close(in);
      if (out >= 0) ::close(out);
    }
  }
  state_->writer = std::thread([state = state_]() { state->write_loop(); });
  state_->reader = std::thread([state = state_]() { state->read_loop(); });
}

void StdioFront::flush(std::chrono::milliseconds timeout, std::function<void()> done) {
  auto state = state_;
  if (!state->event_mode || state->write_failed || (state->out_writing.empty() && state->out_pending.empty())) {
    done();
    return;
  }
  auto timer = std::make_shared<net::steady_timer>(state->io, std::chrono::milliseconds(5));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto check = std::make_shared<std::function<void()>>();
  *check = [state, timer, deadline, check, done = std::move(done)]() mutable {
    if (state->write_failed || (state->out_writing.empty() && state->out_pending.empty()) ||
        std::chrono::steady_clock::now() >= deadline) {
      *check = nullptr;
      done();
      return;
    }
    timer->expires_after(std::chrono::milliseconds(5));
    timer->async_wait([check](const boost::system::error_code&) { if (*check) (*check)(); });
  };
  (*check)();
}

void StdioFront::stop() {
  state_->stop_reading = true;
  if (state_->in_stream) {
    boost::system::error_code ignored;
    state_->in_stream->cancel(ignored);
  }
}

void StdioFront::drain(std::chrono::milliseconds timeout) {
  if (state_->event_mode) {
    // The io loop has stopped: write what is left (the batch cut short, then the rest) with a
    // bounded poll, as the descriptor is non-blocking now.
    // A batch cut short mid-write cannot be resumed without duplicating bytes: only whole
    // batches not yet started are written. flush() before stopping the loop leaves neither.
    std::string rest = state_->out_writing.empty() ? state_->out_pending : std::string();
    state_->out_writing.clear();
    state_->out_pending.clear();
    if (state_->write_failed || !state_->out_stream) return;
    const int fd = state_->out_stream->native_handle();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t done = 0;
    while (done < rest.size() && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::write(fd, rest.data() + done, rest.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd pfd{fd, POLLOUT, 0};
        ::poll(&pfd, 1, 50);
      } else {
        return;
      }
    }
    return;
  }
  std::unique_lock lock(state_->out_mu);
  state_->out_cv.wait_for(lock, timeout, [&] {
    return state_->write_failed || (state_->out_pending.empty() && !state_->writing);
  });
}

}  // namespace gatecrash::gateway
