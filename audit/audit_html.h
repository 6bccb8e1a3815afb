// audit/audit_html.h — one audit (static findings, and the dynamic trial when run) as a self-contained HTML page.
#pragma once

#include <map>
#include <string>

#include "audit/audit_report.h"
#include "audit/dynamic_result.h"

namespace gatecrash::audit {

// The page (docs/audit.md "HTML report"): verdict and counts, the findings with pointer, message
// and fix, the attack x outcome matrix (the attacks static findings open, and each attack's
// dynamic outcome), the classified tools, and per scenario of the dynamic trial its statuses and
// the audited run's timelines. `dynamic` may be null; `attack_titles` (id -> title) may be empty.
std::string audit_html_text(const AuditReport& report, Severity fail_on, const DynamicAudit* dynamic,
                            const std::map<std::string, std::string>& attack_titles);

}  // namespace gatecrash::audit
