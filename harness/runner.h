// harness/runner.h — runs scenarios against a gateway profile and collects the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/profile.h"
#include "harness/result.h"
#include "harness/transcript.h"
#include "harness/scenario.h"

namespace gatecrash::harness {

struct RunOptions {
  GatewayProfile profile;
  std::string scenarios_dir;            // resolves scenario policy paths
  std::vector<std::string> scenario_files;
  std::string policy_override;          // --policy: replaces every scenario's policy
  std::string report_dir;               // run directories, findings/ replay files
  std::string bindir;                   // gatecrash-gateway, gatecrash-mock
  std::uint64_t seed = 0;
  double time_scale = 1.0;
  std::chrono::milliseconds request_timeout{10'000};
  bool keep_workdirs = false;           // keep passing scenarios' run directories too
  // Called after each scenario (progress lines); index from 1.
  std::function<void(const ScenarioResult&, std::size_t index, std::size_t total)> on_scenario_done;
  // Called once per scenario run with what the client engine saw, after every process stopped and
  // before the oracles judge (gatecrash fuzz counts messages and distinct answers from it).
  std::function<void(const Transcript&)> on_transcript;
};

// Runs every scenario file in order; a scenario that cannot run is a result with status "error".
RunResult run_suite(const RunOptions& options);
ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options, const std::string& workdir);

// A replay file (format "gatecrash-replay/1"): the scenario, seed, time scale, profile and the
// finding, so `gatecrash replay FILE` re-runs exactly that scenario.
nlohmann::json replay_document(const Scenario& scenario, const RunOptions& options, const Finding& finding);

}  // namespace gatecrash::harness
