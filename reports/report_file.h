// reports/report_file.h — writing a finished report to disk, all or nothing.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace gatecrash::reports {

// A report could not be written; what() names the path and the system's reason.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `text` to `path` through a temporary file beside it and a rename, so a reader never sees
// half a report and an old report is only replaced by a complete new one. Throws ReportError.
void write_report_file(const std::string& path, std::string_view text);

}  // namespace gatecrash::reports
