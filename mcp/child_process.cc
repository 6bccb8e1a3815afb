// mcp/child_process.cc — Boost.Process v1 spawning with our own CLOEXEC pipes and poll timeouts.
#include "mcp/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/handles.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#include <boost/process/start_dir.hpp>

namespace bp = boost::process;

namespace gatecrash::mcp {

struct ChildProcess::Impl {
  bp::child child;
};

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Pipes are created CLOEXEC so that no other child inherits them: Boost.Process v1 otherwise
// lets every child keep its siblings' pipe ends open, and a child never sees EOF (toolchain.md).
std::array<int, 2> cloexec_pipe() {
  std::array<int, 2> fds{-1, -1};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw ChildProcessError(std::string("pipe2 failed: ") + std::strerror(errno));
  }
  return fds;
}

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const ChildOptions& options) {
  if (options.argv.empty()) throw ChildProcessError("cannot start a child: empty command");
  std::string program = options.argv[0];
  if (program.find('/') == std::string::npos) {
    auto found = bp::search_path(program);
    if (found.empty()) throw ChildProcessError("cannot start '" + program + "': not found on PATH");
    program = found.string();
  }
  if (::access(program.c_str(), X_OK) != 0) {
    throw ChildProcessError("cannot start '" + program + "': " + std::strerror(errno));
  }

  auto in_pipe = cloexec_pipe();
  auto out_pipe = cloexec_pipe();
  std::FILE* child_stdin = ::fdopen(in_pipe[0], "r");
  std::FILE* child_stdout = ::fdopen(out_pipe[1], "w");

  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : options.env) env[key] = value;
  std::vector<std::string> args(options.argv.begin() + 1, options.argv.end());

  // In the child, before exec: own process group, default SIGPIPE (we ignore it in the parent).
  // And an empty signal mask: a parent that blocks signals for a sigwait thread must not pass
  // that on (a child that cannot receive SIGTERM cannot shut down cleanly).
  auto in_child = bp::extend::on_exec_setup = [](auto&) {
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
  };

  // Our own limit_handles, not the global bp::limit_handles: that is one static object per
  // translation unit whose on_setup assigns the descriptors to keep to a `mutable std::vector`
  // inside it, so threads spawning at once (the cases of gatecrash fuzz --jobs) raced on
  // one vector and corrupted the heap (a harness thread spun forever in a std::set insert). One
  // per spawn shares nothing. Boost names its type only in `detail`.
  const bp::detail::limit_handles_ limit_handles;

  auto result = std::unique_ptr<ChildProcess>(new ChildProcess());
  result->impl_ = std::make_unique<Impl>();
  std::error_code spawn_error;
  try {
    const std::string dir = options.working_dir.empty() ? std::string(".") : options.working_dir;
    if (options.stderr_path.empty()) {
      // Inheriting stderr has to be spelled out: limit_handles closes every descriptor no
      // initializer names, fd 2 included, and a child whose fd 2 is closed hands it to the first
      // file it opens (the mock's ledger), where its error messages then land.
      result->impl_->child = bp::child(bp::exe = program, bp::args = args, bp::env = env, bp::start_dir = dir,
                                       bp::std_in < child_stdin, bp::std_out > child_stdout,
                                       bp::std_err > stderr, limit_handles, in_child, spawn_error);
    } else {
      result->impl_->child = bp::child(bp::exe = program, bp::args = args, bp::env = env, bp::start_dir = dir,
                                       bp::std_in < child_stdin, bp::std_out > child_stdout,
                                       bp::std_err > options.stderr_path, limit_handles, in_child,
                                       spawn_error);
    }
  } catch (const std::exception& e) {
    std::fclose(child_stdin);
    std::fclose(child_stdout);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    throw ChildProcessError("cannot start '" + program + "': " + e.what());
  }
  std::fclose(child_stdin);
  std::fclose(child_stdout);
  if (spawn_error) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    throw ChildProcessError("cannot start '" + program + "': " + spawn_error.message());
  }
  result->pid_ = result->impl_->child.id();
  // Also set the group from the parent: whichever runs first wins, and both agree.
  ::setpgid(result->pid_, result->pid_);
  result->stdin_fd_ = in_pipe[1];
  result->stdout_fd_ = out_pipe[0];
  ::fcntl(result->stdin_fd_, F_SETFL, ::fcntl(result->stdin_fd_, F_GETFL) | O_NONBLOCK);
  ::fcntl(result->stdout_fd_, F_SETFL, ::fcntl(result->stdout_fd_, F_GETFL) | O_NONBLOCK);
  return result;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_status_) terminate(std::chrono::milliseconds(500));
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool ChildProcess::write(std::string_view bytes, std::chrono::milliseconds timeout) {
  if (stdin_fd_ < 0) return false;
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    const ssize_t n = ::write(stdin_fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return false;
    pollfd pfd{stdin_fd_, POLLOUT, 0};
    const int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&pfd, 1, left) <= 0) return false;
    if (pfd.revents & (POLLERR | POLLHUP)) return false;
  }
  return true;
}

bool ChildProcess::write_line(std::string_view line, std::chrono::milliseconds timeout) {
  std::string framed(line);
  framed.push_back('\n');
  return write(framed, timeout);
}

bool ChildProcess::send_lines(const std::vector<std::string>& lines, std::chrono::milliseconds timeout) {
  std::string framed;
  for (const auto& line : lines) {
    framed.append(line);
    framed.push_back('\n');
  }
  return write(framed, timeout);
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto newline = read_buffer_.find('\n'); newline != std::string::npos) {
      std::string line = read_buffer_.substr(0, newline);
      read_buffer_.erase(0, newline + 1);
      return line;
    }
    if (eof_ || stdout_fd_ < 0) return std::nullopt;
    std::array<char, 64 * 1024> chunk{};
    const ssize_t n = ::read(stdout_fd_, chunk.data(), chunk.size());
    if (n > 0) {
      read_buffer_.append(chunk.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      eof_ = true;
      return std::nullopt;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      eof_ = true;
      return std::nullopt;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int left = remaining_ms(deadline);
    if (left == 0) return std::nullopt;
    if (::poll(&pfd, 1, left) == 0) return std::nullopt;
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

ChildProcess::StdioFds ChildProcess::release_stdio_fds() {
  StdioFds fds{stdin_fd_, stdout_fd_};
  stdin_fd_ = -1;
  stdout_fd_ = -1;
  return fds;
}

bool ChildProcess::running() {
  if (exit_status_) return false;
  std::error_code ec;
  const bool alive = impl_->child.running(ec);
  if (!alive) exit_status_ = impl_->child.exit_code();
  return alive;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_status_;
}

int ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (exit_status_) return *exit_status_;
  close_stdin();
  ::killpg(pid_, SIGTERM);
  if (auto status = wait_exit(grace)) {
    ::killpg(pid_, SIGKILL);  // anything the child left behind in its group
    return *status;
  }
  ::killpg(pid_, SIGKILL);
  std::error_code ec;
  impl_->child.wait(ec);
  exit_status_ = impl_->child.exit_code();
  return *exit_status_;
}

}  // namespace gatecrash::mcp
