// audit/tool_treatment.h — what a loaded policy does to calls of one tool, read the way decide()
// applies it (docs/policy.md: hidden -> unlisted under default deny -> actions -> conditions ->
// limits, the tool's entry first and then "*").
#pragma once

#include <string>
#include <vector>

#include "policy/model.h"

namespace gatecrash::audit {

// The entry a limit or condition sits in: a tool name, or "*" for the wildcard entry.
inline constexpr std::string_view kWildcardKey = "*";

struct LimitSite {
  std::string key;
  const policy::Limit* limit = nullptr;
};
struct ConditionSite {
  std::string key;
  const policy::Condition* condition = nullptr;
};

struct ToolTreatment {
  bool listed = false;                    // the policy has an entry for this tool
  bool callable = false;                  // a call can be forwarded (at most after approval)
  bool needs_approval = false;            // an `approve` action, the tool's own or the wildcard's
  std::vector<LimitSite> limits;          // every limit a call is charged to: own, then "*"
  std::vector<ConditionSite> conditions;  // every condition a call must pass: own, then "*"
  // The limits that bound how often the tool runs (they charge at least one unit per call, or
  // read the units from an argument).
  std::vector<LimitSite> caps() const;
  // True when some cap comes from the tool's own entry.
  bool has_own_cap() const;
};

ToolTreatment treatment_of(const policy::Policy& policy, const std::string& tool);

}  // namespace gatecrash::audit
