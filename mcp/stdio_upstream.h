// mcp/stdio_upstream.h — an MCP server run as a child process, driven asynchronously over its
// pipes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/async_client.h"
#include "mcp/child_process.h"
#include "mcp/limits.h"
#include "mcp/protocol.h"
#include "mcp/upstream.h"

namespace boost::asio {
class io_context;
}

namespace gatecrash::mcp {

struct StdioUpstreamOptions {
  std::string name;      // how errors name the upstream: "upstream <name> exited ..."
  ChildOptions command;  // argv, env, working dir; stderr goes to command.stderr_path
  // max_message_bytes bounds every line read; max_in_flight_requests bounds request();
  // request_timeout is the default per-request timeout, and initialize's.
  Limits limits = default_limits();
  std::string protocol_version{to_string(kNewestVersion)};
  Json capabilities = Json::object();  // what we declare in initialize (e.g. {"sampling": {}})
  Json client_info = {{"name", "gatecrash"}, {"version", "0.1.0"}};
  // After stdin is closed (stop) or stdout ends (the child is going away), how long the child
  // may take to exit by itself before its process group is killed.
  std::chrono::milliseconds stop_grace{2000};
  // Bytes queued for the child's stdin that it has not read yet. A child that stops reading is
  // treated as dead (its calls fail, it is stopped) rather than letting the queue grow unbounded.
  std::size_t max_write_backlog_bytes = 16 * 1024 * 1024;
};

// Runs one stdio MCP server and multiplexes requests to it: any number of callers' requests go
// out pipelined under ids of our own (AsyncClientSession), writes are queued and coalesced, and
// each request is timed out on its own. It never restarts by itself: on_exit tells the owner,
// whose policy (backoff, limits) decides when to call restart().
//
// Threading: everything runs on a strand of the io_context given at construction. Call the
// member functions on that strand — directly when one thread runs the io_context, else through
// dispatch() — and every callback runs there too. No callback runs inside the call that
// registered it. Do not destroy the upstream from inside one of its callbacks (post that), and
// destroy it before the io_context. The process must ignore SIGPIPE.
class StdioUpstream final : public Upstream {
 public:
  StdioUpstream(boost::asio::io_context& io, StdioUpstreamOptions options);
  // Fails what is in flight, closes stdin, waits up to stop_grace, kills the group and reaps,
  // blocking the caller meanwhile. Prefer stop() on a running event loop.
  ~StdioUpstream() override;
  StdioUpstream(const StdioUpstream&) = delete;
  StdioUpstream& operator=(const StdioUpstream&) = delete;

  // Spawns the child and initializes it; `ready` gets the initialize result, or why spawning or
  // initializing failed (a child that fails to initialize is stopped, and on_exit reports it
  // with requested=false). Refused while a child is still running.
  void start(AnswerCallback ready) override;
  // Stops the current child (if any), waits until it is reaped, then start()s a new one.
  void restart(AnswerCallback ready) override;
  // Fails what is in flight, closes stdin, gives the child stop_grace to exit, then kills its
  // process group; `reaped` runs once nothing of it is left to wait for.
  void stop(std::function<void()> reaped = {}) override;

  // A request to the server. `done` gets its answer, or an error: -32001 after `timeout`
  // (default limits.request_timeout; notifications/cancelled is then sent upstream), -32603 when
  // the upstream is not ready, exits or is stopped, or too many requests are in flight.
  RequestHandle request(std::string method, Json params, AnswerCallback done,
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt) override;
  bool notify(std::string method, Json params = nullptr) override;  // false when not ready
  // Cancels upstream and completes `done` with kRequestCancelled; false if not in flight.
  bool cancel(RequestHandle handle, std::string reason = {}) override;

  // Handlers survive restarts. A `respond` kept across a restart answers nothing.
  void on_server_request(ServerRequestHandler handler) override;
  void on_notification(NotificationHandler handler) override;
  void on_invalid_line(InvalidLineHandler handler);
  void on_exit(std::function<void(const UpstreamExit&)> handler) override;

  // Runs `task` on the upstream's strand (inline if already there).
  void dispatch(std::function<void()> task) override;

  UpstreamState state() const override;
  int pid() const;  // of the current child; -1 when none is left to reap
  std::optional<ServerDescription> server() const override;
  std::size_t in_flight() const override;
  const std::string& name() const override;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace gatecrash::mcp
