// harness/diff.cc — pairs two runs of the same traffic and lists where the decisions differ.
#include "harness/diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace gatecrash::harness {
namespace {

std::set<std::string> finding_keys(const ScenarioResult& scenario) {
  std::set<std::string> keys;
  for (const auto& finding : scenario.findings) keys.insert(finding.attack + " " + finding.oracle + ": " + finding.summary);
  return keys;
}

ScenarioDifference compare_scenario(const ScenarioResult* left, const ScenarioResult* right) {
  ScenarioDifference difference;
  difference.id = left != nullptr ? left->id : right->id;
  difference.left_status = left != nullptr ? left->status : "absent";
  difference.right_status = right != nullptr ? right->status : "absent";
  const std::size_t left_calls = left != nullptr ? left->timeline.size() : 0;
  const std::size_t right_calls = right != nullptr ? right->timeline.size() : 0;
  for (std::size_t i = 0; i < std::max(left_calls, right_calls); ++i) {
    const TimelinePoint* a = i < left_calls ? &left->timeline[i] : nullptr;
    const TimelinePoint* b = i < right_calls ? &right->timeline[i] : nullptr;
    const std::string left_verdict = a != nullptr ? std::string(to_string(a->verdict)) : "absent";
    const std::string right_verdict = b != nullptr ? std::string(to_string(b->verdict)) : "absent";
    if (left_verdict != right_verdict) difference.calls.push_back({i, a != nullptr ? a->tool : b->tool, left_verdict, right_verdict});
  }
  const auto left_keys = left != nullptr ? finding_keys(*left) : std::set<std::string>();
  const auto right_keys = right != nullptr ? finding_keys(*right) : std::set<std::string>();
  std::set_difference(left_keys.begin(), left_keys.end(), right_keys.begin(), right_keys.end(),
                      std::back_inserter(difference.only_left_findings));
  std::set_difference(right_keys.begin(), right_keys.end(), left_keys.begin(), left_keys.end(),
                      std::back_inserter(difference.only_right_findings));
  return difference;
}

}  // namespace

RunDifference compare_runs(const RunResult& left, const RunResult& right) {
  RunDifference difference;
  difference.left_profile = left.profile_name;
  difference.right_profile = right.profile_name;
  std::map<std::string, const ScenarioResult*> right_by_id;
  for (const auto& scenario : right.scenarios) right_by_id[scenario.id] = &scenario;
  std::set<std::string> seen;
  for (const auto& scenario : left.scenarios) {
    auto it = right_by_id.find(scenario.id);
    difference.scenarios.push_back(compare_scenario(&scenario, it != right_by_id.end() ? it->second : nullptr));
    seen.insert(scenario.id);
  }
  for (const auto& scenario : right.scenarios) {
    if (!seen.contains(scenario.id)) difference.scenarios.push_back(compare_scenario(nullptr, &scenario));
  }
  return difference;
}

nlohmann::json to_json(const RunDifference& difference) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& scenario : difference.scenarios) {
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& call : scenario.calls) {
      calls.push_back({{"call", call.call}, {"tool", call.tool}, {"left", call.left}, {"right", call.right}});
    }
    scenarios.push_back({{"id", scenario.id},
                         {"left_status", scenario.left_status},
                         {"right_status", scenario.right_status},
                         {"differs", scenario.differs()},
                         {"calls", calls},
                         {"only_left_findings", scenario.only_left_findings},
                         {"only_right_findings", scenario.only_right_findings}});
  }
  return {{"format", "gatecrash-diff/1"},
          {"left", difference.left_profile},
          {"right", difference.right_profile},
          {"differing_scenarios", difference.differing()},
          {"scenarios", scenarios}};
}

std::string diff_text(const RunDifference& difference, std::size_t per_scenario) {
  std::ostringstream out;
  std::size_t width = 8;
  for (const auto& scenario : difference.scenarios) width = std::max(width, scenario.id.size());
  out << "left: " << difference.left_profile << "   right: " << difference.right_profile << "\n";
  for (const auto& scenario : difference.scenarios) {
    out << scenario.id << std::string(width + 2 - scenario.id.size(), ' ');
    if (!scenario.differs()) {
      out << "same\n";
      continue;
    }
    out << scenario.left_status << " / " << scenario.right_status << ", " << scenario.calls.size() << " call(s) decided differently\n";
    for (std::size_t i = 0; i < scenario.calls.size() && i < per_scenario; ++i) {
      const auto& call = scenario.calls[i];
      out << "    call " << call.call + 1 << " " << call.tool << ": " << call.left << " / " << call.right << "\n";
    }
    if (scenario.calls.size() > per_scenario) out << "    (" << scenario.calls.size() - per_scenario << " more in the JSON)\n";
    auto findings = [&](const std::vector<std::string>& list, const char* side) {
      for (std::size_t i = 0; i < list.size() && i < per_scenario; ++i) out << "    only " << side << list[i] << "\n";
      if (list.size() > per_scenario) out << "    (" << list.size() - per_scenario << " more " << side << "findings in the JSON)\n";
    };
    findings(scenario.only_left_findings, "left:  ");
    findings(scenario.only_right_findings, "right: ");
  }
  out << "DIFF: " << difference.differing() << " of " << difference.scenarios.size() << " scenario(s) differ\n";
  return out.str();
}

}  // namespace gatecrash::harness
