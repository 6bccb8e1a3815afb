// reports/html_report.cc — the result model as a self-contained HTML page.
#include "reports/html_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "reports/console_report.h"
#include "reports/html_page.h"
#include "reports/report_file.h"

namespace gatecrash::reports {
namespace {

using harness::CallVerdict;
using harness::RunResult;
using harness::ScenarioResult;

std::string scenario_anchor(std::size_t index, const ScenarioResult& scenario) {
  return html_anchor("scenario-" + std::to_string(index + 1) + "-", scenario.id);
}

// How one attack fared in this run, over every scenario that exercised it.
struct AttackOutcome {
  int held = 0;      // scenarios that exercised it with no finding naming it
  int findings = 0;  // findings naming it
  int errors = 0;    // scenarios exercising it that could not run
  std::vector<std::size_t> scenarios;
};

std::string outcome_word(const AttackOutcome& outcome, bool runnable) {
  if (outcome.findings > 0) return "broken";
  if (outcome.errors > 0 && outcome.held == 0) return "error";
  if (outcome.held > 0) return "held";
  return runnable ? "not-run" : "not-yet";
}

void write_summary(std::ostream& out, const RunResult& run) {
  int passed = 0, failed = 0;
  for (const auto& scenario : run.scenarios) {
    passed += scenario.status == "pass" ? 1 : 0;
    failed += scenario.status == "fail" ? 1 : 0;
  }
  const std::string verdict = run.exit_code() == 0 ? "pass" : run.exit_code() == 1 ? "fail" : "error";
  out << "<h1>gatecrash run <span class=\"badge " << verdict << "\">" << verdict << "</span></h1>\n"
      << "<p class=\"meta\">profile <b>" << html_text(run.profile_name.empty() ? "-" : run.profile_name) << "</b> ("
      << html_text(run.profile_file) << "), seed " << run.seed << ", time scale " << run.time_scale << ", started "
      << html_text(run.started_at) << ", " << human_duration(run.duration_ms) << ", gatecrash "
      << html_text(run.gatecrash_version) << ", exit code " << run.exit_code() << "</p>\n";
  out << "<div class=\"cards\" id=\"summary\">";
  const auto card = [&](const char* name, std::int64_t value) {
    out << "<div class=\"card\" data-count=\"" << name << "\"><span class=\"n\">" << value << "</span>" << name << "</div>";
  };
  card("scenarios", static_cast<std::int64_t>(run.scenarios.size()));
  card("passed", passed);
  card("failed", failed);
  card("errors", run.error_count());
  card("findings", run.finding_count());
  out << "</div>\n<p class=\"summary-line\">" << html_text(summary_line(run)) << "</p>\n";
}

void write_findings(std::ostream& out, const RunResult& run) {
  out << "<h2 id=\"findings\">Findings (" << run.finding_count() << ")</h2>\n";
  if (run.finding_count() == 0) {
    out << "<p>No oracle found a problem: every denial and cap held in every scenario that ran.</p>\n";
  }
  int number = 0;
  for (std::size_t s = 0; s < run.scenarios.size(); ++s) {
    for (const auto& finding : run.scenarios[s].findings) {
      ++number;
      out << "<div class=\"finding\" id=\"finding-" << number << "\">\n<h3>" << number << ". "
          << html_text(finding.summary) << "</h3>\n<p>attack <b>" << html_text(finding.attack) << "</b>, oracle <b>"
          << html_text(finding.oracle) << "</b>, scenario <a href=\"#" << scenario_anchor(s, run.scenarios[s]) << "\">"
          << html_text(finding.scenario) << "</a>";
      if (finding.occurrences > 1) out << ", seen " << finding.occurrences << " times";
      out << "</p>\n";
      if (!finding.evidence.empty()) {
        out << "<pre class=\"evidence\">";
        for (const auto& line : finding.evidence) out << html_text(line) << "\n";
        out << "</pre>\n";
      }
      if (!finding.replay_command.empty()) {
        out << "<p>replay: <code class=\"replay\">" << html_text(finding.replay_command) << "</code></p>\n";
      }
      out << "</div>\n";
    }
  }
}

void write_attack_matrix(std::ostream& out, const RunResult& run) {
  std::map<std::string, AttackOutcome> outcomes;
  for (std::size_t s = 0; s < run.scenarios.size(); ++s) {
    const auto& scenario = run.scenarios[s];
    for (const auto& attack : scenario.attacks) {
      auto& outcome = outcomes[attack];
      outcome.scenarios.push_back(s);
      const bool named = std::any_of(scenario.findings.begin(), scenario.findings.end(),
                                     [&](const harness::Finding& finding) { return finding.attack == attack; });
      if (scenario.status == "error") ++outcome.errors;
      else if (!named) ++outcome.held;
    }
    for (const auto& finding : scenario.findings) ++outcomes[finding.attack].findings;
  }
  std::vector<harness::AttackInfo> rows = run.attack_database;
  if (rows.empty()) {
    for (const auto& [id, outcome] : outcomes) rows.push_back({id, "", "", "", true, ""});
  }
  std::map<std::string, int> totals;
  for (const auto& row : rows) ++totals[outcome_word(outcomes[row.id], row.runnable)];
  out << "<h2 id=\"attacks\">Attack coverage</h2>\n<p>" << rows.size() << " attack patterns: " << totals["held"]
      << " held, " << totals["broken"] << " broken, " << totals["error"] << " could not run, " << totals["not-run"]
      << " not in this run, " << totals["not-yet"] << " not runnable yet.</p>\n"
      << "<table id=\"attack-matrix\">\n<thead><tr><th>attack</th><th>title</th><th>category</th><th>severity</th>"
      << "<th>held</th><th>broken</th><th>error</th><th>not run</th><th>scenarios</th></tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    const AttackOutcome& outcome = outcomes[row.id];
    const std::string word = outcome_word(outcome, row.runnable);
    const auto cell = [&](const char* column, const std::string& text) {
      const bool mine = word == column || (std::string_view(column) == "not-run" && word == "not-yet");
      out << "<td class=\"num" << (mine ? " outcome-" + word : std::string()) << "\">" << (mine ? "&#x25CF; " : "") << text
          << "</td>";
    };
    out << "<tr data-attack=\"" << html_attribute(row.id) << "\" data-outcome=\"" << word << "\"><td><b>"
        << html_text(row.id) << "</b></td><td>" << html_text(row.title) << "</td><td>" << html_text(row.category)
        << "</td><td>" << html_text(row.severity) << "</td>";
    cell("held", std::to_string(outcome.held));
    cell("broken", std::to_string(outcome.findings));
    cell("error", std::to_string(outcome.errors));
    cell("not-run", outcome.scenarios.empty() ? (row.runnable ? "not in run" : "not yet") : "");
    out << "<td>";
    for (const auto s : outcome.scenarios) {
      out << "<a href=\"#" << scenario_anchor(s, run.scenarios[s]) << "\">" << html_text(run.scenarios[s].id) << "</a> ";
    }
    if (!row.runnable && !row.reason.empty()) out << "<span class=\"legend\">" << html_text(row.reason) << "</span>";
    out << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
}

ChartCall::Kind chart_kind(CallVerdict verdict) {
  switch (verdict) {
    case CallVerdict::forwarded: return ChartCall::Kind::forwarded;
    case CallVerdict::refused: return ChartCall::Kind::refused;
    case CallVerdict::leaked: return ChartCall::Kind::leaked;
    case CallVerdict::lost: return ChartCall::Kind::lost;
  }
  return ChartCall::Kind::lost;
}

void write_timelines(std::ostream& out, const ScenarioResult& scenario) {
  if (scenario.timeline.empty()) return;
  if (scenario.caps.empty()) {
    std::vector<ChartCall> calls;
    for (const auto& point : scenario.timeline) calls.push_back({point.t_ms, chart_kind(point.verdict), ""});
    write_timeline_svg(out, scenario.id + ": every tools/call over time", calls, nullptr);
    return;
  }
  for (const auto& cap : scenario.caps) {
    std::vector<ChartCall> calls;
    for (const auto& point : scenario.timeline) {
      if (!std::binary_search(cap.tools.begin(), cap.tools.end(), point.tool)) continue;
      const std::string key = cap.scope == "grant" ? point.identity : cap.scope == "session" ? point.session : "global";
      calls.push_back({point.t_ms, chart_kind(point.verdict), key});
    }
    std::string tools;
    for (const auto& tool : cap.tools) tools += (tools.empty() ? "" : ", ") + tool;
    const ChartCap chart_cap{cap.max, cap.window_ms, cap.mode == "fixed",
                             "cap " + std::to_string(cap.max) + " per " + cap.window + " (" + cap.scope + ", " + cap.mode + ")"};
    write_timeline_svg(out, scenario.id + ": calls to " + tools + " against counter " + cap.counter, calls, &chart_cap);
  }
}

void write_scenario(std::ostream& out, std::size_t index, const ScenarioResult& scenario) {
  out << "<section class=\"scenario status-" << html_attribute(scenario.status) << "\" id=\"" << scenario_anchor(index, scenario)
      << "\" data-scenario=\"" << html_attribute(scenario.id) << "\">\n<h3>" << html_text(scenario.id) << " <span class=\"badge "
      << html_attribute(scenario.status) << "\">" << html_text(scenario.status) << "</span></h3>\n<p>"
      << html_text(scenario.title) << "</p>\n<p class=\"meta\">attacks ";
  for (std::size_t i = 0; i < scenario.attacks.size(); ++i) out << (i > 0 ? ", " : "") << html_text(scenario.attacks[i]);
  out << " &middot; " << human_duration(scenario.duration_ms) << " &middot; ";
  for (const auto& [name, count] : scenario.verdicts) {
    if (count > 0) out << html_text(name) << " " << count << " &middot; ";
  }
  out << "ledger " << scenario.ledger_calls << " &middot; <code>" << html_text(scenario.file) << "</code></p>\n";
  if (!scenario.error.empty()) out << "<p><b>could not run:</b> " << html_text(scenario.error) << "</p>\n";
  if (!scenario.oracles.empty()) {
    out << "<p class=\"oracles\">oracles: ";
    for (std::size_t i = 0; i < scenario.oracles.size(); ++i) {
      const auto& oracle = scenario.oracles[i];
      out << (i > 0 ? " &middot; " : "") << "<span class=\"oracle" << (oracle.failures > 0 ? " failed" : "") << "\">"
          << html_text(oracle.oracle) << " " << oracle.checks << " checked, " << oracle.failures << " failed</span>";
    }
    out << "</p>\n";
  }
  for (const auto& note : scenario.notes) {
    out << "<p class=\"note\">note (" << html_text(note.oracle) << "): " << html_text(note.text) << "</p>\n";
  }
  write_timelines(out, scenario);
  if (!scenario.workdir.empty()) out << "<p class=\"meta\">run directory <code>" << html_text(scenario.workdir) << "</code></p>\n";
  out << "</section>\n";
}

}  // namespace

std::string scenario_timelines_html(const ScenarioResult& scenario) {
  std::ostringstream out;
  write_timelines(out, scenario);
  return out.str();
}

std::string html_report_text(const RunResult& run) {
  std::ostringstream out;
  write_html_head(out, "gatecrash run: " + (run.profile_name.empty() ? std::string("-") : run.profile_name));
  write_summary(out, run);
  write_findings(out, run);
  write_attack_matrix(out, run);
  out << "<h2 id=\"scenarios\">Scenarios (" << run.scenarios.size() << ")</h2>\n";
  for (std::size_t i = 0; i < run.scenarios.size(); ++i) write_scenario(out, i, run.scenarios[i]);
  write_html_tail(out);
  return out.str();
}

void write_html_report(const RunResult& run, const std::string& path) { write_report_file(path, html_report_text(run)); }

}  // namespace gatecrash::reports
