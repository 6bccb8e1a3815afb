// reports/html_report.h — the run as one self-contained HTML page for people (docs/reports.md).
#pragma once

#include <string>

#include "harness/result.h"

namespace gatecrash::reports {

// The page: summary, findings with evidence and replay commands, the attack x outcome matrix
// (every pattern of run.attack_database, or the attacks the scenarios name when it is empty), and
// per scenario its oracles, notes and an inline SVG timeline per cap (calls to the cap's tools
// over time against the most a correct gateway lets through). No scripts and nothing fetched.
std::string html_report_text(const harness::RunResult& run);

// A scenario's timelines as the run report draws them (one svg.timeline per cap, or one over every
// call), for other pages that show a scenario run (the dynamic audit).
std::string scenario_timelines_html(const harness::ScenarioResult& scenario);

// html_report_text() written to `path` all or nothing; throws ReportError (report_file.h).
void write_html_report(const harness::RunResult& run, const std::string& path);

}  // namespace gatecrash::reports
