// reports/console_report.cc — progress lines, the aligned scenario table, findings, SUMMARY line.
#include "reports/console_report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/safe_text.h"

namespace gatecrash::reports {
namespace {

constexpr std::size_t kReasonWidth = 100;    // an error reason or summary on a progress line
constexpr std::size_t kEvidenceLines = 5;    // evidence lines shown per finding
constexpr std::size_t kEvidenceWidth = 200;  // code points shown per evidence line
constexpr std::array<std::string_view, 4> kVerdicts = {"forwarded", "refused", "leaked", "lost"};

std::string seconds(std::int64_t ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buffer;
}

std::string plural(std::size_t count, std::string_view word) {
  return std::to_string(count) + " " + std::string(word) + (count == 1 ? "" : "s");
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

int verdict_count(const harness::ScenarioResult& scenario, std::string_view verdict) {
  const auto it = scenario.verdicts.find(std::string(verdict));
  return it == scenario.verdicts.end() ? 0 : it->second;
}

std::string status_word(const std::string& status) {
  if (status == "pass") return "PASS";
  if (status == "fail") return "FAIL";
  if (status == "error") return "ERROR";
  return one_line(status, 8);
}

// The status word padded to `width`, coloured (ANSI) when asked; padding stays outside the colour.
std::string status_cell(const std::string& status, std::size_t width,
                        const ConsoleOptions& options) {
  const std::string word = status_word(status);
  const std::size_t used = display_width(word);
  const std::string padding(width > used ? width - used : 0, ' ');
  if (!options.color) return word + padding;
  const char* colour = status == "pass" ? "\033[32m" : status == "fail" ? "\033[31m" : "\033[33m";
  return colour + word + "\033[0m" + padding;
}

std::string padded(const std::string& text, std::size_t width, bool right_align = false) {
  const std::size_t used = display_width(text);
  const std::string padding(width > used ? width - used : 0, ' ');
  return right_align ? padding + text : text + padding;
}

// "forwarded 30 refused 70": the non-zero verdict counts, known verdicts first.
std::string verdict_counts(const harness::ScenarioResult& scenario) {
  std::string out;
  const auto add = [&](std::string_view name, int count) {
    if (count != 0) out += (out.empty() ? "" : " ") + one_line(name) + " " + std::to_string(count);
  };
  for (const auto verdict : kVerdicts) add(verdict, verdict_count(scenario, verdict));
  for (const auto& [name, count] : scenario.verdicts) {
    if (std::find(kVerdicts.begin(), kVerdicts.end(), name) == kVerdicts.end()) add(name, count);
  }
  return out;
}

struct Column {
  std::string title;
  bool right_align = false;
};

void write_table(std::ostream& out, const harness::RunResult& run, const ConsoleOptions& options) {
  const std::vector<Column> columns = {{"SCENARIO"},      {"ATTACKS"},      {"FORWARDED", true},
                                       {"REFUSED", true}, {"LEAKED", true}, {"LOST", true},
                                       {"LEDGER", true},  {"STATUS"}};
  std::vector<std::vector<std::string>> rows;
  for (const auto& scenario : run.scenarios) {
    rows.push_back({one_line(scenario.id), one_line(joined(scenario.attacks, ",")),
                    std::to_string(verdict_count(scenario, "forwarded")),
                    std::to_string(verdict_count(scenario, "refused")),
                    std::to_string(verdict_count(scenario, "leaked")),
                    std::to_string(verdict_count(scenario, "lost")),
                    std::to_string(scenario.ledger_calls), status_word(scenario.status)});
  }
  std::vector<std::size_t> widths;
  for (const auto& column : columns) widths.push_back(display_width(column.title));
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  std::string header;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const bool last = c + 1 == columns.size();
    header += last ? columns[c].title
                   : padded(columns[c].title, widths[c], columns[c].right_align) + "  ";
  }
  out << header << '\n';
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t c = 0; c + 1 < columns.size(); ++c) {
      line += padded(rows[r][c], widths[c], columns[c].right_align) + "  ";
    }
    out << line << status_cell(run.scenarios[r].status, 0, options) << '\n';
  }
}

void write_finding(std::ostream& out, const harness::Finding& finding, std::size_t number,
                   std::size_t total) {
  out << "FINDING " << number << "/" << total << "  " << one_line(finding.attack) << "  "
      << one_line(finding.oracle) << "  " << one_line(finding.scenario) << '\n';
  out << "  " << one_line(finding.summary);
  if (finding.occurrences > 1) out << " (" << finding.occurrences << " times)";
  out << '\n';
  const std::size_t shown = std::min(finding.evidence.size(), kEvidenceLines);
  for (std::size_t i = 0; i < shown; ++i) {
    out << "    | " << one_line(finding.evidence[i], kEvidenceWidth) << '\n';
  }
  if (finding.evidence.size() > shown) {
    out << "    | (" << finding.evidence.size() - shown
        << " more evidence lines in the JSON report)\n";
  }
  if (!finding.replay_command.empty())
    out << "  replay: " << one_line(finding.replay_command) << '\n';
}

void write_details(std::ostream& out, const harness::RunResult& run) {
  const std::size_t total = static_cast<std::size_t>(run.finding_count());
  std::size_t number = 0;
  for (const auto& scenario : run.scenarios) {
    for (const auto& finding : scenario.findings) {
      out << '\n';
      write_finding(out, finding, ++number, total);
    }
  }
  bool first_error = true;
  for (const auto& scenario : run.scenarios) {
    if (scenario.status != "error") continue;
    if (std::exchange(first_error, false)) out << '\n';
    out << "ERROR  " << one_line(scenario.id) << ": " << one_line(scenario.error) << '\n';
  }
  bool first_note = true;
  for (const auto& scenario : run.scenarios) {
    for (const auto& note : scenario.notes) {
      if (std::exchange(first_note, false)) out << '\n';
      out << "NOTE  " << one_line(scenario.id) << "  " << one_line(note.oracle) << ": "
          << one_line(note.text) << '\n';
    }
  }
}

}  // namespace

std::string progress_line(const harness::ScenarioResult& scenario, int index, int total,
                          const ConsoleOptions& options) {
  const std::string total_text = std::to_string(total);
  std::string line = "[" + padded(std::to_string(index), total_text.size(), true) + "/" +
                     total_text + "] " + status_cell(scenario.status, 5, options) + " " +
                     one_line(scenario.id);
  if (!scenario.attacks.empty()) line += "  " + one_line(joined(scenario.attacks, ","));
  line += "  " + seconds(scenario.duration_ms);
  const std::string counts = verdict_counts(scenario);
  if (!counts.empty()) line += "  " + counts;
  if (scenario.status == "error") {
    line += "  error: " + one_line(scenario.error, kReasonWidth);
  } else if (!scenario.findings.empty()) {
    line += "  " + plural(scenario.findings.size(), "finding") + ": " +
            one_line(scenario.findings.front().summary, kReasonWidth);
  }
  return line;
}

void write_progress(std::ostream& out, const harness::ScenarioResult& scenario, int index,
                    int total, const ConsoleOptions& options) {
  out << progress_line(scenario, index, total, options) << '\n' << std::flush;
}

std::string summary_line(const harness::RunResult& run) {
  std::size_t passed = 0, failed = 0;
  for (const auto& scenario : run.scenarios) {
    passed += scenario.status == "pass" ? 1 : 0;
    failed += scenario.status == "fail" ? 1 : 0;
  }
  const std::string profile = run.profile_name.empty() ? "-" : one_line(run.profile_name);
  return "SUMMARY: " + plural(run.scenarios.size(), "scenario") + ", " + std::to_string(passed) +
         " passed, " + std::to_string(failed) + " failed (" +
         plural(static_cast<std::size_t>(run.finding_count()), "finding") + "), " +
         plural(static_cast<std::size_t>(run.error_count()), "error") + "; seed " +
         std::to_string(run.seed) + "; profile " + profile + "; " + seconds(run.duration_ms);
}

void write_console_report(std::ostream& out, const harness::RunResult& run,
                          const ConsoleOptions& options) {
  write_table(out, run, options);
  write_details(out, run);
  out << '\n' << summary_line(run) << '\n' << std::flush;
}

}  // namespace gatecrash::reports
