// reports/junit_report.cc — the result model as JUnit XML, every attribute and text escaped.
#include "reports/junit_report.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "reports/report_file.h"
#include "reports/safe_text.h"

namespace gatecrash::reports {
namespace {

constexpr std::size_t kMessageWidth = 500;  // code points of a failure's `message` attribute

std::string seconds(std::int64_t ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", static_cast<double>(ms) / 1000.0);
  return buffer;
}

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + xml_escape_attribute(value) + "\"";
}

// What one <testcase> says: nothing (passed), or one failure, error or skip with its text.
struct Testcase {
  std::string classname;
  std::string name;
  std::int64_t duration_ms = 0;
  std::string outcome;  // "", "failure", "error", "skipped"
  std::string type;
  std::string message;
  std::string text;
};

// "2 findings: first summary; second summary" or the single summary; shortened to one line.
std::string findings_message(const std::vector<const harness::Finding*>& findings) {
  std::string message;
  for (const auto* finding : findings) message += (message.empty() ? "" : "; ") + finding->summary;
  if (findings.size() > 1) message = std::to_string(findings.size()) + " findings: " + message;
  return one_line(message, kMessageWidth);
}

// The element text for findings: per finding its header, summary, evidence verbatim, replay.
std::string findings_text(const std::vector<const harness::Finding*>& findings) {
  std::string text;
  for (const auto* finding : findings) {
    if (!text.empty()) text += "\n";
    text += "[" + finding->attack + "] " + finding->oracle + ": " + finding->summary + "\n";
    for (const auto& line : finding->evidence) text += line + "\n";
    if (!finding->replay_command.empty()) text += "replay: " + finding->replay_command + "\n";
  }
  return text;
}

// Oracles of a scenario: those with outcomes in order, then any that only appear in findings.
std::vector<std::string> oracle_names(const harness::ScenarioResult& scenario) {
  std::vector<std::string> names;
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& outcome : scenario.oracles) add(outcome.oracle);
  for (const auto& finding : scenario.findings) add(finding.oracle);
  return names;
}

Testcase scenario_testcase(const harness::ScenarioResult& scenario) {
  Testcase testcase{scenario.id, "scenario", scenario.duration_ms, "", "", "", ""};
  std::vector<const harness::Finding*> findings;
  for (const auto& finding : scenario.findings) findings.push_back(&finding);
  if (scenario.status == "error") {
    testcase.outcome = "error";
    testcase.type = "gatecrash.error";
    testcase.message = one_line(scenario.error, kMessageWidth);
    testcase.text = scenario.error;
  } else if (scenario.status == "fail" || !findings.empty()) {
    testcase.outcome = "failure";
    testcase.type = "gatecrash.findings";
    testcase.message = findings.empty() ? "scenario failed" : findings_message(findings);
    testcase.text = findings_text(findings);
  }
  return testcase;
}

Testcase oracle_testcase(const harness::ScenarioResult& scenario, const std::string& oracle) {
  Testcase testcase{scenario.id, oracle, 0, "", "", "", ""};
  std::vector<const harness::Finding*> findings;
  for (const auto& finding : scenario.findings) {
    if (finding.oracle == oracle) findings.push_back(&finding);
  }
  int failures = 0;
  for (const auto& outcome : scenario.oracles)
    failures += outcome.oracle == oracle ? outcome.failures : 0;
  if (!findings.empty() || failures > 0) {
    testcase.outcome = "failure";
    testcase.type = "gatecrash.oracle." + oracle;
    testcase.message =
        findings.empty() ? std::to_string(failures) + " failed checks" : findings_message(findings);
    testcase.text = findings_text(findings);
  } else if (scenario.status == "error") {
    testcase.outcome = "skipped";
    testcase.message = "the scenario could not run";
  }
  return testcase;
}

std::string testcase_xml(const Testcase& testcase) {
  std::string xml = "    <testcase" + attribute("classname", testcase.classname) +
                    attribute("name", testcase.name) +
                    attribute("time", seconds(testcase.duration_ms));
  if (testcase.outcome.empty()) return xml + "/>\n";
  xml += ">\n      <" + testcase.outcome + attribute("message", testcase.message);
  if (!testcase.type.empty()) xml += attribute("type", testcase.type);
  if (testcase.text.empty()) {
    xml += "/>\n";
  } else {
    xml += ">" + xml_escape_text(testcase.text) + "</" + testcase.outcome + ">\n";
  }
  return xml + "    </testcase>\n";
}

std::string property_xml(std::string_view name, std::string_view value) {
  return "      <property" + attribute("name", name) + attribute("value", value) + "/>\n";
}

}  // namespace

std::string junit_xml(const harness::RunResult& run) {
  std::vector<Testcase> testcases;
  for (const auto& scenario : run.scenarios) {
    testcases.push_back(scenario_testcase(scenario));
    for (const auto& oracle : oracle_names(scenario))
      testcases.push_back(oracle_testcase(scenario, oracle));
  }
  const auto count = [&](std::string_view outcome) {
    return std::to_string(std::count_if(testcases.begin(), testcases.end(),
                                        [&](const Testcase& t) { return t.outcome == outcome; }));
  };
  const std::string counts =
      attribute("tests", std::to_string(testcases.size())) +
      attribute("failures", count("failure")) + attribute("errors", count("error")) +
      attribute("skipped", count("skipped")) + attribute("time", seconds(run.duration_ms));
  const std::string suite_name =
      run.profile_name.empty() ? "gatecrash" : "gatecrash." + run.profile_name;
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<testsuites" + attribute("name", "gatecrash") + counts + ">\n";
  xml += "  <testsuite" + attribute("name", suite_name) + counts;
  if (!run.started_at.empty()) xml += attribute("timestamp", run.started_at);
  xml += ">\n    <properties>\n";
  xml += property_xml("seed", std::to_string(run.seed));
  xml += property_xml("profile", run.profile_name);
  xml += property_xml("profile_file", run.profile_file);
  xml += property_xml("time_scale", nlohmann::json(run.time_scale).dump());
  xml += property_xml("gatecrash_version", run.gatecrash_version);
  xml += property_xml("exit_code", std::to_string(run.exit_code()));
  xml += "    </properties>\n";
  for (const auto& testcase : testcases) xml += testcase_xml(testcase);
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

void write_junit_report(const harness::RunResult& run, const std::string& path) {
  write_report_file(path, junit_xml(run));
}

}  // namespace gatecrash::reports
