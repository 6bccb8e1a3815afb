// harness/diff.h — `gatecrash diff`: the same traffic against two gateways, decisions compared.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/result.h"

namespace gatecrash::harness {

// One tools/call whose outcome differs: the n-th call of a scenario (traffic is the same on both
// sides: same scenario files, same seed), its tool, and how each gateway ended it.
struct CallDifference {
  std::size_t call = 0;  // index in the scenario's timeline (order sent), from 0
  std::string tool;
  std::string left;   // CallVerdict name, or "absent" when that side sent fewer calls
  std::string right;
};

struct ScenarioDifference {
  std::string id;
  std::string left_status;   // pass / fail / error
  std::string right_status;
  std::vector<CallDifference> calls;
  std::vector<std::string> only_left_findings;   // "attack oracle: summary" reported on one side only
  std::vector<std::string> only_right_findings;
  bool differs() const {
    return left_status != right_status || !calls.empty() || !only_left_findings.empty() || !only_right_findings.empty();
  }
};

struct RunDifference {
  std::string left_profile;
  std::string right_profile;
  std::vector<ScenarioDifference> scenarios;  // every scenario run on either side, in run order
  int differing() const {
    int count = 0;
    for (const auto& scenario : scenarios) count += scenario.differs() ? 1 : 0;
    return count;
  }
};

// Pure: pairs scenarios by id and calls by position.
RunDifference compare_runs(const RunResult& left, const RunResult& right);
nlohmann::json to_json(const RunDifference& difference);
// A table for the console: one line per scenario, then the differing calls (at most `per_scenario`
// each) and the findings reported on one side only.
std::string diff_text(const RunDifference& difference, std::size_t per_scenario = 20);

}  // namespace gatecrash::harness
