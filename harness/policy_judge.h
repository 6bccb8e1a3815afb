// harness/policy_judge.h — the oracles' own reading of a policy: what it allows for one call.
//
// Written apart from policy/decide.cc on purpose: the judge must not share the enforcement code
// of the reference gateway it judges. It reads only the loaded model (policy/model.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/model.h"

namespace gatecrash::harness {

enum class StaticVerdict {
  allowed,           // may be forwarded (subject to its limits)
  hidden,            // in `hide`
  denied,            // default deny, or a deny action
  needs_approval,    // `approve`: never forwarded without an approval (the harness never grants one)
  condition_failed,  // an argument condition does not hold
};

struct Judgement {
  StaticVerdict verdict = StaticVerdict::allowed;
  std::string rule;  // the rule that decided, e.g. "tools.x.args[0]", "default", "hide"
  std::string why;
  std::vector<const policy::Limit*> limits;  // every limit the call is charged to, when allowed
};

std::string_view to_string(StaticVerdict verdict);

// Judges a call by the policy's static rules. Conditions on `state.*` paths cannot be judged from
// the outside and are treated as holding.
Judgement judge_call(const policy::Policy& policy, const std::string& tool, const nlohmann::json& arguments);

// The units a call is charged for one limit: `increment`, or the value at `increment_from`
// (nullopt when that value is missing or not a non-negative integer: a correct gateway refuses).
std::optional<std::int64_t> charged_units(const policy::Limit& limit, const nlohmann::json& arguments);

}  // namespace gatecrash::harness
