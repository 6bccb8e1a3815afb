// gateway/front_stdio.cc — stdin reader thread, io-thread session, stdout writer thread.
#include "gateway/front_stdio.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

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

  void on_bytes(const std::string& bytes) {
    if (finished) return;
    const auto& limits = gateway.limits().protocol;
    framer.feed(
        bytes, [&](std::string_view line) { if (!is_blank(line)) session->receive(line); },
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
  link->post = [&io](std::function<void()> fn) { net::post(io, std::move(fn)); };
  link->post_after = [&io](std::chrono::milliseconds delay, std::function<void()> fn) {
    auto timer = std::make_shared<net::steady_timer>(io, delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  };
  link->notify = [&io, weak](std::string method, Json params) {
    net::post(io, [weak, method = std::move(method), params = std::move(params)]() mutable {
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
  state_->writer = std::thread([state = state_]() { state->write_loop(); });
  state_->reader = std::thread([state = state_]() { state->read_loop(); });
}

void StdioFront::stop() { state_->stop_reading = true; }

void StdioFront::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->out_mu);
  state_->out_cv.wait_for(lock, timeout, [&] {
    return state_->write_failed || (state_->out_pending.empty() && !state_->writing);
  });
}

}  // namespace gatecrash::gateway
