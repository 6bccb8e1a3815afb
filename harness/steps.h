// harness/steps.h — the table of named step kinds a scenario is written in (docs/scenarios.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

struct Step;
class ScenarioContext;

// One step kind: its name in scenario files, the keys it takes besides do/session/attack, a
// validator run when the scenario loads ("" when the step is well formed), and what it does.
struct StepKind {
  std::string_view name;
  std::vector<std::string_view> keys;
  std::string (*validate)(const nlohmann::json& spec);
  void (*run)(ScenarioContext& context, const Step& step);
};

const std::vector<StepKind>& step_table();
const StepKind* find_step_kind(std::string_view name);
std::string step_kind_names();  // "session, identity, ..." for messages

}  // namespace gatecrash::harness
