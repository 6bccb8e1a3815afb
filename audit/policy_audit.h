// audit/policy_audit.h — the static audit: a table of named checks, policy + tools in, findings
// out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/audited_policy.h"
#include "audit/finding.h"
#include "audit/tool_risk.h"

namespace gatecrash::audit {

class CheckContext;

// One check: pure (reads the policy and the tools, reports findings), named by a stable id that
// shows up in every finding and in docs/audit.md.
struct Check {
  std::string_view id;
  Severity severity;  // its usual severity; docs/audit.md says when it reports another
  std::vector<std::string> attacks;
  std::string_view looks_for;  // one line, for reports and docs
  void (*run)(CheckContext& context);
};

// Every check, in the order they run and report.
const std::vector<Check>& audit_checks();

// Runs every check against `tools` (the server's, classified). Findings come worst first, in
// table order within one severity.
std::vector<Finding> audit_policy(const AuditedPolicy& policy, const std::vector<ToolRisk>& tools);

}  // namespace gatecrash::audit
