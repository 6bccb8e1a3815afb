// reports/json_report.h — the machine-readable report: everything in the result model, versioned.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/result.h"

namespace gatecrash::reports {

// The value of the report's "format" member; bumped on any incompatible change (docs/reports.md).
inline constexpr std::string_view kJsonReportFormat = "gatecrash-report/1";

// The whole run as JSON, shape documented field by field in docs/reports.md. Strings are copied
// verbatim, so the value may hold invalid UTF-8: serialise it with json_report_text().
nlohmann::json to_json(const harness::RunResult& run);

// The report as text: 2-space indented, invalid UTF-8 bytes replaced by U+FFFD, final newline.
std::string json_report_text(const harness::RunResult& run);

// json_report_text() written to `path` all or nothing; throws ReportError (report_file.h).
void write_json_report(const harness::RunResult& run, const std::string& path);

}  // namespace gatecrash::reports
