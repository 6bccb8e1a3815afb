// harness/oracles.h — judges one scenario run from the ledger, the transcript and the policy
// (architecture.md "Oracles"). Independent of any gateway's code.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "harness/ledger_reader.h"
#include "harness/result.h"
#include "harness/scenario.h"
#include "harness/transcript.h"
#include "policy/model.h"

namespace gatecrash::harness {

struct OracleInput {
  const Scenario& scenario;
  const policy::Policy& policy;
  const Transcript& transcript;
  const std::vector<LedgerEntry>& ledger;
  std::set<std::string> upstream_tools;  // every tool name the scenario's mocks really have
  // Tools a correct gateway may refuse for reasons the policy does not show (a mock set to change
  // their definitions: rug pull), exempt from liveness.
  std::set<std::string> liveness_exempt;
  bool gateway_survived = true;          // HTTP gateway still running at the end
  std::string gateway_exit;              // how it ended when it did not survive
  double time_scale = 1.0;
  // The gateway's audit log, line by line, when the profile declares the reference audit format
  // (`"audit_format": "gatecrash"`); null when there is none to judge.
  const std::vector<std::string>* audit_lines = nullptr;
  // The scenario's own expectations (a call's `expect`, a listing's expect_absent/expect_present,
  // `expect.ledger` bounds) are written for the scenario's own policy: judged only when it is the
  // policy in force (not under --policy), where they are facts about that policy.
  bool judge_scenario_expectations = true;
};

// Fills verdicts, findings, notes, oracle outcomes, ledger_calls and the timeline of `result`.
void judge_scenario(const OracleInput& input, ScenarioResult& result);

}  // namespace gatecrash::harness
