// harness/policy_trial.h — `gatecrash audit --dynamic`: a policy put through the scenarios of its server.
#pragma once

#include <functional>
#include <string>

#include "audit/dynamic_result.h"
#include "harness/runner.h"

namespace gatecrash::harness {

// Runs every runnable scenario whose mock servers all serve `catalog` twice with the same seed:
// once with the scenario's own policy against the gateway of `reference` (the reference gateway:
// which of its calls a policy written for the attack keeps from the upstream) and once with
// `policy_file` in its place against the gateway of `base` (scenario_files of both are ignored;
// base.report_dir gets "own/" and "audited/" run directories).
// Per attack, the calls that reached the upstream under the audited policy beyond what reached it
// under the scenario's own, and the scenario's ledger expectations the audited run broke, make it
// "not-stopped"; oracle findings of the audited run are the gateway's, reported beside. Throws
// HarnessError harness.E445 when no runnable scenario uses that catalog.
audit::DynamicAudit trial_policy(const RunOptions& reference, const RunOptions& base, const std::string& catalog, const std::string& policy_file,
                                 const std::function<void(const std::string& line)>& progress = {});

}  // namespace gatecrash::harness
