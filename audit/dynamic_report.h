// audit/dynamic_report.h — the text and JSON renderings of `gatecrash audit --dynamic`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "audit/dynamic_result.h"

namespace gatecrash::audit {

// A table, one row per attack (outcome, calls let through, scenarios) with its evidence and any
// gateway findings indented below, then one `DYNAMIC:` line.
void write_dynamic_text(std::ostream& out, const DynamicAudit& dynamic);
// The "dynamic" member of gatecrash-audit/1 (docs/audit.md).
nlohmann::ordered_json dynamic_to_json(const DynamicAudit& dynamic);
// The `DYNAMIC:` line: "DYNAMIC: 12 attacks, 8 stopped, 1 limited, 3 not stopped, 0 errors; 0 gateway findings".
std::string dynamic_summary_line(const DynamicAudit& dynamic);

}  // namespace gatecrash::audit
