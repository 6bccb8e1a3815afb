// audit/audit_report.cc — the text table and the gatecrash-audit/1 JSON of one audit.
#include "audit/audit_report.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "audit/errors.h"
#include "audit/policy_audit.h"

namespace gatecrash::audit {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kTextWidth = 100;
constexpr std::array kSeverities = {Severity::critical, Severity::high, Severity::medium,
                                    Severity::low};
constexpr std::array kClasses = {ToolClass::read, ToolClass::write, ToolClass::destructive,
                                 ToolClass::execute};

// `text` word-wrapped to kTextWidth, every line after the first starting with `indent` spaces.
std::string wrapped(const std::string& text, std::size_t indent) {
  std::string out;
  std::size_t column = indent;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (column > indent && column + 1 + word.size() > kTextWidth) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    start = end + 1;
  }
  return out;
}

std::string dialect_name(policy::Dialect dialect) {
  return dialect == policy::Dialect::native ? "native JSON" : "Intercept YAML";
}

std::string pointer_text(const std::string& pointer) {
  return pointer.empty() ? "(root)" : pointer;
}

std::string tool_summary(const std::vector<ToolRisk>& tools) {
  std::string text = std::to_string(tools.size()) + " (";
  for (std::size_t i = 0; i < kClasses.size(); ++i) {
    const auto count = std::count_if(tools.begin(), tools.end(), [&](const ToolRisk& tool) {
      return tool.tool_class == kClasses[i];
    });
    text += (i > 0 ? ", " : "") + std::to_string(count) + " " + std::string(to_string(kClasses[i]));
  }
  std::map<std::string, int> signals;  // tools per signal name
  for (const ToolRisk& tool : tools) {
    std::set<std::string> names;
    for (const RiskSignal& signal : tool.signals) names.insert(signal.name);
    for (const auto& name : names) ++signals[name];
  }
  text += ")";
  if (!signals.empty()) {
    text += "; signals:";
    for (const auto& [name, count] : signals) text += " " + name + " " + std::to_string(count);
  }
  return text;
}

std::string attack_list(const std::vector<std::string>& attacks) {
  std::string text;
  for (const auto& attack : attacks) text += (text.empty() ? "" : " ") + attack;
  return text;
}

}  // namespace

bool AuditReport::fails(Severity threshold) const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& finding) { return finding.severity >= threshold; });
}

AuditReport build_report(const AuditedPolicy& policy, const ToolList& tools) {
  AuditReport report;
  report.policy_file = policy.policy.source_name;
  report.dialect = policy.policy.dialect;
  report.tools_source = tools.source;
  report.tools = classify_tools(tools.tools);
  report.findings = audit_policy(policy, report.tools);
  return report;
}

void write_text_report(std::ostream& out, const AuditReport& report, Severity fail_on) {
  out << "gatecrash audit: " << report.policy_file << " (" << dialect_name(report.dialect)
      << ") against " << report.tools_source << "\n";
  out << "tools: " << tool_summary(report.tools) << "\n\n";
  std::size_t check_width = 5;
  for (const auto& finding : report.findings) {
    check_width = std::max(check_width, finding.check.size());
  }
  if (report.findings.empty()) {
    out << "no findings\n";
  } else {
    out << "  #  SEVERITY  " << std::string("CHECK") + std::string(check_width - 5, ' ')
        << "  WHERE\n";
  }
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& finding = report.findings[i];
    std::string number = std::to_string(i + 1);
    std::string severity(to_string(finding.severity));
    out << std::string(3 - std::min<std::size_t>(3, number.size()), ' ') << number << "  "
        << severity << std::string(10 - severity.size(), ' ') << finding.check
        << std::string(check_width - finding.check.size(), ' ') << "  "
        << pointer_text(finding.pointer) << "\n";
    out << "     " << wrapped(finding.message, 5) << "\n";
    out << "     " << wrapped("fix: " + finding.fix, 10) << "\n";
    out << "     attacks: " << attack_list(finding.attacks) << "\n";
  }
  std::string counts;
  for (Severity severity : kSeverities) {
    const auto count = std::count_if(report.findings.begin(), report.findings.end(),
                                     [&](const Finding& f) { return f.severity == severity; });
    counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " +
              std::string(to_string(severity));
  }
  const bool failed = report.fails(fail_on);
  out << "\nSUMMARY: " << report.findings.size() << " finding(s): " << counts << "; "
      << (failed ? "some" : "none") << " at " << to_string(fail_on) << " or worse (exit "
      << (failed ? 1 : 0) << ")\n";
}

OrderedJson to_json(const AuditReport& report, Severity fail_on) {
  OrderedJson tools = OrderedJson::array();
  for (const ToolRisk& tool : report.tools) {
    OrderedJson signals = OrderedJson::array();
    for (const RiskSignal& signal : tool.signals) {
      signals.push_back(OrderedJson{{"name", signal.name}, {"detail", signal.detail}});
    }
    tools.push_back(OrderedJson{{"name", tool.name},
                                {"class", to_string(tool.tool_class)},
                                {"risk", to_string(tool.risk)},
                                {"evidence", tool.evidence},
                                {"parameters", tool.parameters.size()},
                                {"signals", signals}});
  }
  OrderedJson findings = OrderedJson::array();
  for (const Finding& finding : report.findings) {
    findings.push_back(OrderedJson{{"check", finding.check},
                                   {"severity", to_string(finding.severity)},
                                   {"attacks", finding.attacks},
                                   {"pointer", finding.pointer},
                                   {"tool", finding.tool},
                                   {"message", finding.message},
                                   {"fix", finding.fix}});
  }
  OrderedJson summary = OrderedJson::object();
  for (Severity severity : kSeverities) {
    summary[std::string(to_string(severity))] =
        std::count_if(report.findings.begin(), report.findings.end(),
                      [&](const Finding& f) { return f.severity == severity; });
  }
  OrderedJson checks = OrderedJson::array();  // what ran, so "no findings" says what held
  for (const Check& check : audit_checks()) {
    checks.push_back(OrderedJson{{"id", check.id},
                                 {"severity", to_string(check.severity)},
                                 {"attacks", check.attacks},
                                 {"looks_for", check.looks_for}});
  }
  return OrderedJson{
      {"format", "gatecrash-audit/1"},
      {"policy", {{"file", report.policy_file}, {"dialect", policy::to_string(report.dialect)}}},
      {"tools_source", report.tools_source},
      {"tools", tools},
      {"checks", checks},
      {"findings", findings},
      {"summary", summary},
      {"fail_on", to_string(fail_on)},
      {"failed", report.fails(fail_on)}};
}

void write_output_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) file << text;
  if (!file) {
    throw AuditError(error_id::kCannotWrite,
                     path + ": cannot write: " + std::string(std::strerror(errno)));
  }
}

}  // namespace gatecrash::audit
