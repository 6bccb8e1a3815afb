// audit/suggest.h — a starting policy for a server's tools, written from their risk classes.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/tool_risk.h"

namespace gatecrash::audit {

// The caps `suggest` writes, per identity (scope grant), sliding windows of one minute.
inline constexpr std::int64_t kSuggestedWritesPerMinute = 30;
inline constexpr std::int64_t kSuggestedExecutesPerMinute = 10;

// A native policy (docs/policy.md) for `tools`: default deny; reads allowed; writes capped at
// kSuggestedWritesPerMinute per grant; destructive tools need approval; execute tools capped at
// kSuggestedExecutesPerMinute per grant; recon tools hidden (and left out of `tools`); every
// credential parameter refused in the "*" entry. Keys keep the server's tool order. `source` names
// the tools in the description.
nlohmann::ordered_json suggest_policy(const std::vector<ToolRisk>& tools,
                                      const std::string& source);

}  // namespace gatecrash::audit
