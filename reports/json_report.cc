// reports/json_report.cc — the result model as gatecrash-report/1 JSON.
#include "reports/json_report.h"

#include <array>
#include <utility>

#include "reports/report_file.h"

namespace gatecrash::reports {
namespace {

using nlohmann::json;

constexpr std::array<harness::CallVerdict, 4> kVerdicts = {
    harness::CallVerdict::forwarded, harness::CallVerdict::refused, harness::CallVerdict::leaked,
    harness::CallVerdict::lost};

// Every known verdict, zero when absent, then any other names the model carries.
json verdicts_json(const std::map<std::string, int>& verdicts) {
  json out = json::object();
  for (const auto verdict : kVerdicts) out[std::string(harness::to_string(verdict))] = 0;
  for (const auto& [name, count] : verdicts) out[name] = count;
  return out;
}

json finding_json(const harness::Finding& finding) {
  return {{"attack", finding.attack},
          {"oracle", finding.oracle},
          {"scenario", finding.scenario},
          {"summary", finding.summary},
          {"occurrences", finding.occurrences},
          {"evidence", finding.evidence},
          {"replay_file", finding.replay_file},
          {"replay_command", finding.replay_command}};
}

json scenario_json(const harness::ScenarioResult& scenario) {
  json oracles = json::array();
  for (const auto& outcome : scenario.oracles) {
    oracles.push_back(
        {{"oracle", outcome.oracle}, {"checks", outcome.checks}, {"failures", outcome.failures}});
  }
  json findings = json::array();
  for (const auto& finding : scenario.findings) findings.push_back(finding_json(finding));
  json notes = json::array();
  for (const auto& note : scenario.notes)
    notes.push_back({{"oracle", note.oracle}, {"text", note.text}});
  json timeline = json::array();
  for (const auto& point : scenario.timeline) {
    timeline.push_back({{"t_ms", point.t_ms},
                        {"tool", point.tool},
                        {"verdict", std::string(harness::to_string(point.verdict))},
                        {"identity", point.identity},
                        {"session", point.session},
                        {"attack", point.attack},
                        {"policy", point.policy}});
  }
  json caps = json::array();
  for (const auto& cap : scenario.caps) {
    caps.push_back({{"counter", cap.counter},
                    {"tools", cap.tools},
                    {"max", cap.max},
                    {"window_ms", cap.window_ms},
                    {"window", cap.window},
                    {"mode", cap.mode},
                    {"scope", cap.scope}});
  }
  return {{"id", scenario.id},
          {"title", scenario.title},
          {"file", scenario.file},
          {"attacks", scenario.attacks},
          {"status", scenario.status},
          {"error", scenario.error},
          {"duration_ms", scenario.duration_ms},
          {"verdicts", verdicts_json(scenario.verdicts)},
          {"ledger_calls", scenario.ledger_calls},
          {"oracles", std::move(oracles)},
          {"findings", std::move(findings)},
          {"notes", std::move(notes)},
          {"timeline", std::move(timeline)},
          {"caps", std::move(caps)},
          {"workdir", scenario.workdir}};
}

json counts_json(const harness::RunResult& run) {
  int passed = 0, failed = 0, ledger_calls = 0;
  std::map<std::string, int> verdicts;
  for (const auto& scenario : run.scenarios) {
    passed += scenario.status == "pass" ? 1 : 0;
    failed += scenario.status == "fail" ? 1 : 0;
    ledger_calls += scenario.ledger_calls;
    for (const auto& [name, count] : scenario.verdicts) verdicts[name] += count;
  }
  return {{"scenarios", run.scenarios.size()},
          {"passed", passed},
          {"failed", failed},
          {"errors", run.error_count()},
          {"findings", run.finding_count()},
          {"verdicts", verdicts_json(verdicts)},
          {"ledger_calls", ledger_calls}};
}

}  // namespace

nlohmann::json to_json(const harness::RunResult& run) {
  json scenarios = json::array();
  for (const auto& scenario : run.scenarios) scenarios.push_back(scenario_json(scenario));
  return {{"format", std::string(kJsonReportFormat)},
          {"gatecrash_version", run.gatecrash_version},
          {"profile", {{"name", run.profile_name}, {"file", run.profile_file}}},
          {"seed", run.seed},
          {"time_scale", run.time_scale},
          {"started_at", run.started_at},
          {"duration_ms", run.duration_ms},
          {"exit_code", run.exit_code()},
          {"counts", counts_json(run)},
          {"scenarios", std::move(scenarios)}};
}

std::string json_report_text(const harness::RunResult& run) {
  return to_json(run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_json_report(const harness::RunResult& run, const std::string& path) {
  write_report_file(path, json_report_text(run));
}

}  // namespace gatecrash::reports
