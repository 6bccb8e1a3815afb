// gateway/gateway.h — the gateway core: upstreams, pinned tool catalog, enforcer, client links.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit.h"
#include "gateway/config.h"
#include "gateway/enforcer.h"
#include "gateway/limits.h"
#include "gateway/tool_catalog.h"
#include "mcp/server_session.h"
#include "mcp/upstream.h"

namespace boost::asio {
class io_context;
}

namespace gatecrash::gateway {

// One client session as the core sees it. The session's ServerSession lives on its front (the
// stdio loop, or the HTTP server's session strand); the core reaches it only through these,
// which are safe to call from any thread.
struct ClientLink {
  std::string identity;
  std::string session;
  // Runs on the session's front: posted there, or run at once when the caller is already on it.
  std::function<void(std::function<void()>)> post;
  std::function<void(std::chrono::milliseconds, std::function<void()>)> post_after;
  std::function<void(std::string method, Json params)> notify;  // an unrelated notification
  // Front-only: tools/call requests of this session being decided, approved or forwarded.
  std::size_t calls_in_flight = 0;
};

// A client's request on its way to an upstream. Built on the front, handed to the core.
struct ForwardedCall {
  std::size_t upstream = 0;
  std::string method = "tools/call";
  std::string tool;  // tools/call: the exposed name, re-checked against the pins if the call waits
  Json params;  // what is sent: for tools/call {name, arguments[, _meta]}, rebuilt from what was
                // validated; for relayed methods the parsed params re-serialised
  std::shared_ptr<ClientLink> link;
  std::shared_ptr<mcp::RequestContext> ctx;     // the client's request (front-only)
  std::function<void(mcp::ClientAnswer)> done;  // the answer; the core runs it on the front

  // Core-only (the upstream's strand).
  mcp::RequestHandle handle;
  bool cancel_requested = false;
  std::string progress_token;  // the token sent upstream in place of the client's
  Json client_progress_token;  // the client's own, restored on progress notifications
};

struct GatewayOptions {
  std::string policy_path;
  std::vector<UpstreamSpec> servers;
  ToolNaming naming = *ToolNaming::parse("{tool}");
  GatewayLimits limits;
  std::string upstream_stderr;  // file the upstreams' stderr is appended to; "" inherits ours
  std::string counters_path;    // a CounterJournal shared with other gateway processes; "" none
};

// Threading: the io_context given at construction runs on exactly one thread; every upstream
// and the core's own state live there. The thread-safe entry points say so.
class Gateway {
 public:
  Gateway(boost::asio::io_context& io, GatewayOptions options, std::shared_ptr<const policy::Policy> policy,
          AuditLog& audit);
  // Test seam (fuzz/): upstreams[i] replaces make_upstream(servers[i]); a count mismatch throws invalid_argument.
  Gateway(boost::asio::io_context& io, GatewayOptions options, std::shared_ptr<const policy::Policy> policy,
          AuditLog& audit, std::vector<std::unique_ptr<mcp::Upstream>> upstreams);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Starts every upstream, initializes it and pins its tools. `done` runs on the io thread with
  // nullopt, or the first error (E310 collision, E311 an upstream not ready in time or failed).
  void start(std::function<void(std::optional<ConfigError>)> done);
  // Stops every upstream (in-flight calls fail, children are killed and reaped); `stopped` runs
  // on the io thread when all are gone. Upstreams are not restarted afterwards.
  void stop(std::function<void()> stopped);
  // SIGHUP: reloads the policy (an invalid one keeps the old), then re-lists every upstream and
  // re-pins its tools (accepting changed definitions). Counters and sessions are kept.
  void reload(std::function<void()> done = {});

  // Thread-safe.
  Enforcer& enforcer() { return enforcer_; }
  std::shared_ptr<const ToolCatalog> catalog() const;
  mcp::ServerIdentity identity() const;
  const GatewayLimits& limits() const { return options_.limits; }
  AuditLog& audit() { return audit_; }
  void forward(std::shared_ptr<ForwardedCall> call);
  void cancel(std::shared_ptr<ForwardedCall> call);
  // Resources, prompts and completion (only offered under `default: allow`, see
  // docs/gateway.md): list methods are fanned out to every upstream offering the capability and
  // merged; the others are routed to the upstream that listed the resource or prompt. `call`
  // carries method, params, link, ctx and done; `upstream` is chosen here.
  void relay(std::shared_ptr<ForwardedCall> call);
  // Capabilities (resources, prompts, completions) some upstream offers, from their initialize.
  Json upstream_capabilities() const;
  void attach(const std::shared_ptr<ClientLink>& link);

 private:
  struct Slot;
  void list_tools(Slot& slot, std::function<void(std::variant<UpstreamListing, std::string>)> done);
  void list_page(Slot& slot, std::shared_ptr<UpstreamListing> acc, Json cursor, std::size_t page,
                 std::function<void(std::variant<UpstreamListing, std::string>)> done);
  void on_upstream_exit(Slot& slot, const mcp::UpstreamExit& exit);
  void schedule_restart(Slot& slot);
  void relist(Slot& slot);
  void send(Slot& slot, std::shared_ptr<ForwardedCall> call);
  void on_server_request(Slot& slot, mcp::Request request, mcp::AnswerCallback respond);
  void on_notification(Slot& slot, mcp::Notification notification);
  std::shared_ptr<ForwardedCall> sole_caller(Slot& slot) const;
  void fan_out_list(std::shared_ptr<ForwardedCall> call, const std::string& capability, const std::string& key);
  void remember_routes(std::size_t upstream, const std::string& method, const Json& items);
  std::optional<std::size_t> route_for(const std::string& method, const Json& params, std::string& why);
  void broadcast(const std::string& method);

  boost::asio::io_context& io_;
  GatewayOptions options_;
  AuditLog& audit_;
  Enforcer enforcer_;
  std::vector<std::unique_ptr<Slot>> slots_;
  bool stopping_ = false;
  std::uint64_t next_progress_token_ = 0;

  mutable std::mutex catalog_mu_;
  std::shared_ptr<const ToolCatalog> catalog_;

  // Routing of relayed requests, learnt from list answers; core thread only.
  std::map<std::string, std::size_t> resource_routes_;  // uri or uriTemplate -> upstream
  std::map<std::string, std::size_t> prompt_routes_;    // prompt name -> upstream
  mutable std::mutex capabilities_mu_;
  Json upstream_capabilities_ = Json::object();

  std::mutex links_mu_;
  std::vector<std::weak_ptr<ClientLink>> links_;
};

}  // namespace gatecrash::gateway
