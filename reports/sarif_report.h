// reports/sarif_report.h — SARIF 2.1.0 for code-scanning tools: a result per finding, a rule per
// attack.
#pragma once

#include <string>
#include <string_view>

#include "harness/result.h"

namespace gatecrash::reports {

// The SARIF version written and the schema the `$schema` member names (docs/reports.md).
inline constexpr std::string_view kSarifVersion = "2.1.0";
inline constexpr std::string_view kSarifSchemaUri =
    "https://json.schemastore.org/sarif-2.1.0-rtm.5.json";
// The key of every result's partialFingerprints entry; bumped if the hashed fields ever change.
inline constexpr std::string_view kSarifFingerprintKey = "gatecrash/v1";

// The run as one SARIF log (shape in docs/reports.md): one run whose tool.driver.rules hold one
// rule per attack id that has a finding, one result per finding (level "error", located at the
// scenario file), one invocation carrying the exit code and, as toolExecutionNotifications, the
// scenarios that could not run. 2-space indented, invalid UTF-8 bytes replaced by U+FFFD, final
// newline.
std::string sarif_report_text(const harness::RunResult& run);

// sarif_report_text() written to `path` all or nothing; throws ReportError (report_file.h).
void write_sarif_report(const harness::RunResult& run, const std::string& path);

}  // namespace gatecrash::reports
