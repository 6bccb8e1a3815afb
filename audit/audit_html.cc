// audit/audit_html.cc — the audit as HTML: findings, attack matrix, tools, dynamic trial.
#include "audit/audit_html.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include "audit/dynamic_report.h"
#include "reports/html_page.h"

namespace gatecrash::audit {
namespace {

using reports::html_attribute;
using reports::html_text;

// Attack ids in the database's order: letters, then the number (A2 before A10).
bool attack_before(const std::string& a, const std::string& b) {
  const auto key = [](const std::string& id) {
    const std::size_t digits = id.find_first_of("0123456789");
    return std::pair{id.substr(0, digits), digits == std::string::npos ? 0L : std::strtol(id.c_str() + digits, nullptr, 10)};
  };
  return key(a) < key(b);
}

void write_summary(std::ostream& out, const AuditReport& report, Severity fail_on, const DynamicAudit* dynamic) {
  const bool failed = report.fails(fail_on) || (dynamic != nullptr && dynamic->not_stopped() > 0);
  const bool error = dynamic != nullptr && dynamic->errors() > 0;
  const std::string verdict = error ? "error" : failed ? "fail" : "pass";
  out << "<h1>gatecrash audit <span class=\"badge " << verdict << "\">" << verdict << "</span></h1>\n<p class=\"meta\">policy <b>"
      << html_text(report.policy_file) << "</b> (" << (report.dialect == policy::Dialect::native ? "native JSON" : "Intercept YAML")
      << ") against " << html_text(report.tools_source) << "; fails on " << to_string(fail_on) << " or worse</p>\n";
  out << "<div class=\"cards\" id=\"summary\">";
  for (const Severity severity : {Severity::critical, Severity::high, Severity::medium, Severity::low}) {
    const auto count = std::count_if(report.findings.begin(), report.findings.end(),
                                     [&](const Finding& finding) { return finding.severity == severity; });
    out << "<div class=\"card\" data-count=\"" << to_string(severity) << "\"><span class=\"n\">" << count << "</span>"
        << to_string(severity) << "</div>";
  }
  out << "<div class=\"card\" data-count=\"tools\"><span class=\"n\">" << report.tools.size() << "</span>tools</div>";
  if (dynamic != nullptr) {
    out << "<div class=\"card\" data-count=\"not-stopped\"><span class=\"n\">" << dynamic->not_stopped()
        << "</span>attacks not stopped</div>";
  }
  out << "</div>\n";
  if (dynamic != nullptr) out << "<p class=\"summary-line\">" << html_text(dynamic_summary_line(*dynamic)) << "</p>\n";
}

void write_findings(std::ostream& out, const AuditReport& report) {
  out << "<h2 id=\"findings\">Findings (" << report.findings.size() << ")</h2>\n";
  if (report.findings.empty()) out << "<p>No check found a gap in this policy for these tools.</p>\n";
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& finding = report.findings[i];
    out << "<div class=\"finding\" id=\"finding-" << i + 1 << "\" data-check=\"" << html_attribute(finding.check) << "\">\n<h3>"
        << i + 1 << ". <span class=\"badge " << to_string(finding.severity) << "\">" << to_string(finding.severity) << "</span> "
        << html_text(finding.check) << "</h3>\n<p>at <code class=\"pointer\">" << html_text(finding.pointer.empty() ? "(root)" : finding.pointer)
        << "</code>";
    if (!finding.tool.empty()) out << ", tool <code>" << html_text(finding.tool) << "</code>";
    out << "; opens";
    for (const auto& attack : finding.attacks) out << " <a href=\"#attack-" << html_attribute(attack) << "\">" << html_text(attack) << "</a>";
    out << "</p>\n<p>" << html_text(finding.message) << "</p>\n<p><b>fix:</b> " << html_text(finding.fix) << "</p>\n</div>\n";
  }
}

void write_attack_matrix(std::ostream& out, const AuditReport& report, const DynamicAudit* dynamic,
                         const std::map<std::string, std::string>& titles) {
  std::map<std::string, std::vector<const Finding*>> opened;
  for (const auto& finding : report.findings) {
    for (const auto& attack : finding.attacks) opened[attack].push_back(&finding);
  }
  std::map<std::string, const AttackTrial*> trials;
  if (dynamic != nullptr) {
    for (const auto& trial : dynamic->attacks) trials[trial.attack] = &trial;
  }
  std::set<std::string> ids;
  for (const auto& [id, findings] : opened) ids.insert(id);
  for (const auto& [id, trial] : trials) ids.insert(id);
  std::vector<std::string> rows(ids.begin(), ids.end());
  std::sort(rows.begin(), rows.end(), attack_before);
  out << "<h2 id=\"attacks\">Attacks</h2>\n<p>Each attack a static finding opens"
      << (dynamic != nullptr ? ", and each attack the scenarios of " + html_text(dynamic->server) + " exercised with this policy" : "")
      << ".</p>\n<table id=\"attack-matrix\">\n<thead><tr><th>attack</th><th>title</th><th>opened by (static)</th>"
      << "<th>dynamic outcome</th><th>let through</th><th>evidence</th></tr></thead>\n<tbody>\n";
  for (const auto& id : rows) {
    const auto trial_it = trials.find(id);
    const AttackTrial* trial = trial_it == trials.end() ? nullptr : trial_it->second;
    const std::string outcome = trial != nullptr ? trial->outcome : dynamic != nullptr ? "not-applicable" : "not-run";
    const auto title = titles.find(id);
    out << "<tr id=\"attack-" << html_attribute(id) << "\" data-attack=\"" << html_attribute(id) << "\" data-outcome=\"" << outcome
        << "\"><td><b>" << html_text(id) << "</b></td><td>" << (title == titles.end() ? "" : html_text(title->second)) << "</td><td>";
    const auto found = opened.find(id);
    if (found != opened.end()) {
      std::set<std::string> checks;
      for (const auto* finding : found->second) checks.insert(finding->check + " (" + std::string(to_string(finding->severity)) + ")");
      for (const auto& check : checks) out << html_text(check) << "<br>";
    }
    out << "</td><td><span class=\"badge " << outcome << "\">" << outcome << "</span></td><td class=\"num\">"
        << (trial != nullptr ? std::to_string(trial->let_through) : "") << "</td><td>";
    if (trial != nullptr) {
      for (const auto& line : trial->evidence) out << html_text(line) << "<br>";
      for (const auto& line : trial->gateway_findings) out << "<b>gateway finding:</b> " << html_text(line) << "<br>";
    }
    out << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
}

void write_tools(std::ostream& out, const AuditReport& report) {
  out << "<h2 id=\"tools\">Tools (" << report.tools.size() << ")</h2>\n<table id=\"tools-table\">\n<thead><tr><th>tool</th>"
      << "<th>class</th><th>risk</th><th>parameters</th><th>signals</th><th>why</th></tr></thead>\n<tbody>\n";
  for (const ToolRisk& tool : report.tools) {
    out << "<tr data-tool=\"" << html_attribute(tool.name) << "\"><td><code>" << html_text(tool.name) << "</code></td><td>"
        << to_string(tool.tool_class) << "</td><td><span class=\"badge " << to_string(tool.risk) << "\">" << to_string(tool.risk)
        << "</span></td><td class=\"num\">" << tool.parameters.size() << "</td><td>";
    for (const RiskSignal& signal : tool.signals) out << html_text(signal.name + ": " + signal.detail) << "<br>";
    out << "</td><td>";
    for (const auto& line : tool.evidence) out << html_text(line) << "<br>";
    out << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
}

void write_dynamic_runs(std::ostream& out, const DynamicAudit& dynamic) {
  out << "<h2 id=\"scenarios\">Scenarios run (" << dynamic.runs.size() << ")</h2>\n<p class=\"meta\">each with its own policy, then "
      << "with the audited one, against " << html_text(dynamic.profile) << ", seed " << dynamic.seed << ", "
      << reports::human_duration(dynamic.duration_ms) << ". The timelines are the audited policy's run.</p>\n";
  for (std::size_t i = 0; i < dynamic.runs.size(); ++i) {
    const TrialScenario& run = dynamic.runs[i];
    const std::string status = run.audited_status == "error" || run.own_status == "error" ? "error" : run.audited_status;
    out << "<section class=\"scenario status-" << html_attribute(status) << "\" id=\""
        << reports::html_anchor("scenario-" + std::to_string(i + 1) + "-", run.id) << "\" data-scenario=\"" << html_attribute(run.id)
        << "\">\n<h3>" << html_text(run.id) << "</h3>\n<p>" << html_text(run.title) << "</p>\n<p class=\"meta\">own policy: "
        << html_text(run.own_status) << " &middot; audited policy: " << html_text(run.audited_status) << "</p>\n"
        << run.timelines_html << "</section>\n";
  }
}

}  // namespace

std::string audit_html_text(const AuditReport& report, Severity fail_on, const DynamicAudit* dynamic,
                            const std::map<std::string, std::string>& attack_titles) {
  std::ostringstream out;
  reports::write_html_head(out, "gatecrash audit: " + report.policy_file);
  write_summary(out, report, fail_on, dynamic);
  write_findings(out, report);
  write_attack_matrix(out, report, dynamic, attack_titles);
  write_tools(out, report);
  if (dynamic != nullptr) write_dynamic_runs(out, *dynamic);
  reports::write_html_tail(out);
  return out.str();
}

}  // namespace gatecrash::audit
