// mcp/child_process.h — a child process in its own process group, spoken to over pipes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/client_session.h"

namespace gatecrash::mcp {

struct ChildOptions {
  std::vector<std::string> argv;             // argv[0] is the program (a path, or a name on PATH)
  std::map<std::string, std::string> env;    // added to (and overriding) the parent's environment
  std::string stderr_path;                   // captured stderr; empty = inherit the parent's
  std::string working_dir;                   // empty = the parent's
};

class ChildProcessError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The child runs in a new process group so that terminate() reaches everything it started.
// Every read and write takes a timeout; the destructor terminates and reaps the group.
// Callers must ignore SIGPIPE (writing to a dead child must not kill the caller).
class ChildProcess final : public LineChannel {
 public:
  static std::unique_ptr<ChildProcess> spawn(const ChildOptions& options);  // throws ChildProcessError
  ~ChildProcess() override;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  // False on timeout or when the child's stdin is closed.
  bool write(std::string_view bytes, std::chrono::milliseconds timeout);
  bool write_line(std::string_view line, std::chrono::milliseconds timeout);
  // One line of stdout without its newline; nullopt on timeout or EOF (see at_eof()).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) override;
  bool send_line(std::string_view line, std::chrono::milliseconds timeout) override {
    return write_line(line, timeout);
  }
  bool send_lines(const std::vector<std::string>& lines, std::chrono::milliseconds timeout) override;
  bool at_eof() const { return eof_; }
  void close_stdin();
  // Hands both pipe ends to an asynchronous transport, which owns (and closes) them from then
  // on; this object keeps managing the process only, and its own reads and writes then act as
  // on closed pipes. A second call returns -1s.
  struct StdioFds {
    int stdin_fd = -1;   // write end of the child's stdin
    int stdout_fd = -1;  // read end of the child's stdout
  };
  StdioFds release_stdio_fds();
  // Waits up to `timeout` for the child to exit by itself; its exit status if it did.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM to the group, then SIGKILL after `grace`; reaps; returns the exit status as
  // Boost.Process reports it (the signal number when the child was killed by a signal).
  int terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  bool running();

 private:
  ChildProcess() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string read_buffer_;
  bool eof_ = false;
  std::optional<int> exit_status_;
};

}  // namespace gatecrash::mcp
