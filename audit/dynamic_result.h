// audit/dynamic_result.h — what `gatecrash audit --dynamic` saw when the policy met the scenarios.
//
// Plain data: the harness fills it (harness/policy_trial.h), the audit reports render it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gatecrash::audit {

// One attack pattern, over every applicable scenario that exercises it.
struct AttackTrial {
  std::string attack;  // attack id, e.g. "R2"
  // "stopped": every call of the attack that the scenario's own policy keeps from the upstream was
  // kept from it under the audited policy too; "limited": a rate attack got more calls through
  // than under the scenario's own policy, all to tools the audited policy caps (looser caps; a
  // session-scoped cap counts only when the scenario used one session);
  // "not-stopped": calls got through that nothing in the audited policy bounds, or beyond the
  // scenario's own expectations for a non-rate attack (evidence says which); "error": a scenario
  // could not run, so nothing is known.
  std::string outcome;
  std::vector<std::string> scenarios;  // scenario ids that exercised it
  std::int64_t let_through = 0;        // calls of the attack that reached the upstream beyond the scenario's own policy
  std::vector<std::string> evidence;   // one line per tool or expectation that let it through
  // Oracle findings of the audited run: the gateway did not enforce the audited policy as written.
  std::vector<std::string> gateway_findings;
};

// One scenario run with both policies.
struct TrialScenario {
  std::string id;
  std::string title;
  std::string own_status;      // pass / fail / error with the scenario's own policy
  std::string audited_status;  // ... and with the audited one
  std::string timelines_html;  // the audited run's timelines, inline SVG (reports::scenario_timelines_html)
};

struct DynamicAudit {
  std::string profile;  // the gateway profile's name and file
  std::string server;   // the catalog whose scenarios ran
  std::uint64_t seed = 0;
  int scenarios = 0;          // applicable scenarios run (each twice: its own policy, the audited one)
  std::int64_t duration_ms = 0;
  std::vector<AttackTrial> attacks;  // ordered by attack id
  std::vector<TrialScenario> runs;   // in the order they ran
  int not_stopped() const {
    int count = 0;
    for (const auto& trial : attacks) count += trial.outcome == "not-stopped" ? 1 : 0;
    return count;
  }
  int errors() const {
    int count = 0;
    for (const auto& trial : attacks) count += trial.outcome == "error" ? 1 : 0;
    return count;
  }
};

}  // namespace gatecrash::audit
