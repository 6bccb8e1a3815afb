// gateway/limits.h — every bound of the reference gateway, named in one place, with its flag.
#pragma once

#include <chrono>
#include <cstddef>

#include "mcp/limits.h"

namespace gatecrash::gateway {

// Defaults are what `gatecrash-gateway` uses unless a flag (named beside each field) says
// otherwise. The protocol bounds (message size, nesting depth, batch size) are mcp::Limits.
struct GatewayLimits {
  // --max-message-bytes, --max-depth: applied to every client message before any decision.
  mcp::Limits protocol = mcp::default_limits();
  // --max-sessions-per-identity: HTTP sessions one identity may hold open at once (X1).
  std::size_t max_sessions_per_identity = 64;
  // --max-in-flight: tools/call requests one client session may have open at once; more are
  // refused at once (the client is not made to wait on a queue it cannot see).
  std::size_t max_in_flight_per_session = 256;
  // --upstream-timeout-ms: how long a forwarded request may take before the client gets -32001.
  std::chrono::milliseconds upstream_timeout{30'000};
  // --startup-timeout-ms: every upstream must be initialized and listed within this at startup.
  std::chrono::milliseconds startup_timeout{15'000};
  // --approval-timeout-ms: how long the client may take to answer an approval (elicitation).
  std::chrono::milliseconds approval_timeout{120'000};
  // Restart backoff for an upstream that died: starts at min, doubles per consecutive failure.
  std::chrono::milliseconds restart_backoff_min{100};
  std::chrono::milliseconds restart_backoff_max{10'000};
  // tools/list pages read from one upstream (nextCursor) before the listing is refused.
  std::size_t max_list_pages = 64;
};

}  // namespace gatecrash::gateway
