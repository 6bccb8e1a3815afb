// mcp/upstream.h — what a gateway needs of one upstream MCP server, whatever its transport.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/async_client.h"

namespace gatecrash::mcp {

// starting: connecting or initialize not yet answered. ready: serving requests. dead: nothing
// usable (never started, failed to start or initialize, exited or disconnected, stopped).
enum class UpstreamState { starting, ready, dead };
std::string_view to_string(UpstreamState state);

// The upstream went away (a child exited and was reaped, or an HTTP session ended), reported once
// per start().
struct UpstreamExit {
  int status = -1;         // a child's status as ChildProcess reports it; -1 for HTTP upstreams
  bool requested = false;  // stop(), restart() or the destructor asked for it
  std::string message;     // "upstream <name> exited (status N)", "upstream <name> ... unreachable"
};

// One upstream MCP server session that many callers' requests are multiplexed onto under ids of
// the upstream's own (callers' ids never reach the server). It never restarts by itself:
// on_exit tells the owner, whose policy (backoff, limits) decides when to call restart().
//
// Threading: every implementation runs on a strand of an io_context. Call the member functions
// on that strand (through dispatch() from elsewhere); every callback runs there too, never inside
// the call that registered it. Do not destroy an upstream from inside one of its callbacks.
class Upstream {
 public:
  virtual ~Upstream() = default;

  // Connects (spawns) and initializes; `ready` gets the initialize result or why it failed.
  virtual void start(AnswerCallback ready) = 0;
  // Stops the current session (if any), then start()s a new one.
  virtual void restart(AnswerCallback ready) = 0;
  // Fails what is in flight and ends the session; `stopped` runs once nothing is left of it.
  virtual void stop(std::function<void()> stopped = {}) = 0;

  // A request to the server. `done` gets its answer, or an error: -32001 after `timeout`
  // (notifications/cancelled is then sent upstream), -32603 when the upstream is not ready, goes
  // away, or has too many requests in flight.
  virtual RequestHandle request(std::string method, Json params, AnswerCallback done,
                                std::optional<std::chrono::milliseconds> timeout = std::nullopt) = 0;
  virtual bool notify(std::string method, Json params = nullptr) = 0;  // false when not ready
  // Cancels upstream and completes `done` with kRequestCancelled; false if not in flight.
  virtual bool cancel(RequestHandle handle, std::string reason = {}) = 0;

  // Handlers survive restarts.
  virtual void on_server_request(ServerRequestHandler handler) = 0;
  virtual void on_notification(NotificationHandler handler) = 0;
  virtual void on_exit(std::function<void(const UpstreamExit&)> handler) = 0;

  // Runs `task` on the upstream's strand (inline if already there).
  virtual void dispatch(std::function<void()> task) = 0;

  virtual UpstreamState state() const = 0;
  virtual std::optional<ServerDescription> server() const = 0;
  virtual std::size_t in_flight() const = 0;
  virtual const std::string& name() const = 0;
};

}  // namespace gatecrash::mcp
