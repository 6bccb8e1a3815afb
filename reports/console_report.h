// reports/console_report.h — what a person sees: live progress lines, final table, SUMMARY line.
#pragma once

#include <ostream>
#include <string>

#include "harness/result.h"

namespace gatecrash::reports {

struct ConsoleOptions {
  bool color = false;  // ANSI colour for the words PASS, FAIL and ERROR only
};

// One line (no newline) for a scenario that just finished, `index` counting from 1, e.g.
//   [ 3/24] PASS  rate/concurrent-burst  R2  1.2 s  forwarded 30 refused 70
// with, for FAIL, the finding count and the first summary, and for ERROR the reason, shortened.
std::string progress_line(const harness::ScenarioResult& scenario, int index, int total,
                          const ConsoleOptions& options = {});
void write_progress(std::ostream& out, const harness::ScenarioResult& scenario, int index,
                    int total, const ConsoleOptions& options = {});

// The one greppable line that ends every run (docs/reports.md gives its exact grammar), e.g.
//   SUMMARY: 24 scenarios, 22 passed, 1 failed (3 findings), 1 error; seed 42; profile p; 1.5 s
std::string summary_line(const harness::RunResult& run);

// The final report: the scenario table, every finding (and error and note), then summary_line().
void write_console_report(std::ostream& out, const harness::RunResult& run,
                          const ConsoleOptions& options = {});

}  // namespace gatecrash::reports
