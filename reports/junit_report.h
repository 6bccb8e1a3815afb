// reports/junit_report.h — JUnit XML for CI (Jenkins, GitLab): a testcase per scenario and oracle.
#pragma once

#include <string>

#include "harness/result.h"

namespace gatecrash::reports {

// The run as JUnit XML (shape in docs/reports.md): one <testsuite> for the run; per scenario a
// testcase named "scenario" (carrying the <error> when the scenario could not run, or a <failure>
// listing its findings) and one testcase per oracle (classname = scenario id, name = oracle) whose
// <failure> carries that oracle's findings, summary in `message`, evidence in the text.
std::string junit_xml(const harness::RunResult& run);

// junit_xml() written to `path` all or nothing; throws ReportError (report_file.h).
void write_junit_report(const harness::RunResult& run, const std::string& path);

}  // namespace gatecrash::reports
