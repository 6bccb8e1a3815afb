// audit/checks.h — what a check function sees (CheckContext) and the check functions themselves;
// internal to audit/, the table that names them is in policy_audit.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "audit/policy_audit.h"
#include "audit/policy_pointers.h"
#include "audit/tool_treatment.h"

namespace gatecrash::audit {

class CheckContext {
 public:
  CheckContext(const Check& check, const AuditedPolicy& policy, const std::vector<ToolRisk>& tools,
               std::vector<Finding>& findings)
      : check_(check), policy_(policy), pointers_(policy), tools_(tools), findings_(findings) {}

  const policy::Policy& policy() const { return policy_.policy; }
  const PolicyPointers& pointers() const { return pointers_; }
  const std::vector<ToolRisk>& tools() const { return tools_; }
  // The server tool of that name, or nullptr.
  const ToolRisk* find_tool(std::string_view name) const;
  ToolTreatment treatment(const ToolRisk& tool) const {
    return treatment_of(policy_.policy, tool.name);
  }
  // Where the policy lets a callable tool through: its own entry, else the `default`.
  std::string allowance(const std::string& tool) const;
  // The dialect's words for one fix.
  std::string fix(std::string native, std::string intercept) const {
    return policy_.policy.dialect == policy::Dialect::native ? native : intercept;
  }

  // Adds a finding of this check at its usual severity and attacks; returns it so a check can
  // report another severity where docs/audit.md says so.
  Finding& report(std::string pointer, std::string tool, std::string message, std::string fix);

 private:
  const Check& check_;
  const AuditedPolicy& policy_;
  PolicyPointers pointers_;
  const std::vector<ToolRisk>& tools_;
  std::vector<Finding>& findings_;
};

// Shared wording: `"name"` with JSON quoting, and "a, b and 3 more" lists.
std::string quote(std::string_view text);
std::string name_list(const std::vector<std::string>& names, std::size_t shown = 6);
// The candidate `name` most likely meant: the same letters and digits ignoring case and
// separators, or within a few edits (at most max(2, length / 5)). "" when none is that close.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates);

// checks_access.cc: who may call what.
void check_default_allow(CheckContext& context);
void check_destructive_unguarded(CheckContext& context);
void check_execute_unguarded(CheckContext& context);
void check_write_unlimited(CheckContext& context);
void check_hidden_but_allowed(CheckContext& context);
void check_unknown_tool(CheckContext& context);
void check_secret_argument(CheckContext& context);
// checks_limits.cc: how the caps count.
void check_session_scoped_cap(CheckContext& context);
void check_fixed_window(CheckContext& context);
void check_wildcard_only_cap(CheckContext& context);
// checks_arguments.cc: what the argument conditions really constrain.
void check_unanchored_regex(CheckContext& context);
void check_condition_on_missing_argument(CheckContext& context);
void check_many_parameters_unconstrained(CheckContext& context);

}  // namespace gatecrash::audit
