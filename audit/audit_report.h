// audit/audit_report.h — one audit's result, and its two renderings: the text table gatecrash
// prints and the JSON file (format "gatecrash-audit/1", docs/audit.md).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "audit/audited_policy.h"
#include "audit/finding.h"
#include "audit/tool_risk.h"
#include "audit/tool_source.h"

namespace gatecrash::audit {

struct AuditReport {
  std::string policy_file;
  policy::Dialect dialect = policy::Dialect::native;
  std::string tools_source;
  std::vector<ToolRisk> tools;
  std::vector<Finding> findings;  // worst first
  // Whether some finding is at `threshold` or worse (gatecrash audit then exits 1).
  bool fails(Severity threshold) const;
};

// Classifies the tools and runs every check.
AuditReport build_report(const AuditedPolicy& policy, const ToolList& tools);

// The findings table, one block per finding, and a closing `SUMMARY:` line.
void write_text_report(std::ostream& out, const AuditReport& report, Severity fail_on);
nlohmann::ordered_json to_json(const AuditReport& report, Severity fail_on);

// Writes `text` to `path` (replacing it); audit.E706 when it cannot.
void write_output_file(const std::string& path, const std::string& text);

}  // namespace gatecrash::audit
