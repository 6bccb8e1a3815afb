// harness/scenario.h — scenario files (docs/scenarios.md): servers, policy, identities, steps.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

using Json = nlohmann::json;

// One mock server behind the gateway.
struct MockServerSpec {
  std::string name;     // the servers-file key
  std::string catalog;  // prometheus, cloudstack, trackingtime, prospectio, mock-mcp
  std::string transport = "stdio";
  std::map<std::string, std::string> behaviors;  // --behavior NAME=VALUE
  std::optional<std::uint64_t> seed;
};

// One step; `kind` names an entry of the step table (harness/steps.h), `spec` is the step object
// as written (validated against that entry's keys when the scenario loads).
struct Step {
  std::string kind;
  std::string session = "main";
  std::string attack;  // "" = the scenario's first attack
  Json spec;
  std::string pointer;  // JSON pointer of the step in its file, for messages
};

struct Scenario {
  std::string id;
  std::string title;
  std::string file;
  std::vector<std::string> attacks;
  std::vector<MockServerSpec> servers;
  Json inline_policy;       // set when the policy is inline (native JSON)
  std::string policy_path;  // absolute, when the policy is a file
  std::vector<std::string> identities;
  std::string protocol_version = "2025-11-25";
  std::vector<Step> steps;
  Json expect;  // {"ledger": {tool: {min, max}}} or null
  std::string status = "runnable";
  std::string not_yet_reason;
  Json document;  // the whole file, for replay files
};

// The `mock` steps that switch server `server`'s behaviours, in order.
std::vector<const Step*> mock_steps_of(const Scenario& scenario, const std::string& server);

// Reads and validates one scenario; `scenarios_dir` resolves relative policy paths. Throws
// HarnessError harness.E5xx with the file and JSON pointer.
Scenario load_scenario(const std::string& path, const std::string& scenarios_dir);
Scenario parse_scenario(const Json& document, const std::string& file, const std::string& scenarios_dir);

// Every scenario file under `scenarios_dir` (recursively), skipping attacks/, policies/,
// profiles/ and corpora; sorted by id.
std::vector<std::string> find_scenario_files(const std::string& scenarios_dir);

}  // namespace gatecrash::harness
