// harness/policy_judge.cc — static judgement of one call against the policy model (see header).
#include "harness/policy_judge.h"

#include <re2/re2.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace gatecrash::harness {
namespace {

using Json = nlohmann::json;
using policy::Op;

const Json* lookup(const Json& arguments, const std::vector<std::string>& keys) {
  const Json* at = &arguments;
  for (const auto& key : keys) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

// Numbers compare by value whatever their JSON representation (1 == 1.0).
bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_integer() && b.is_number_integer()) {
      if (a.is_number_unsigned() || b.is_number_unsigned()) {
        if ((a.is_number_unsigned() ? false : a.get<std::int64_t>() < 0) || (b.is_number_unsigned() ? false : b.get<std::int64_t>() < 0)) {
          return false;
        }
        return a.get<std::uint64_t>() == b.get<std::uint64_t>();
      }
      return a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    return a.get<long double>() == b.get<long double>();
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_value(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      if (!b.contains(key) || !same_value(value, b[key])) return false;
    }
    return true;
  }
  return a == b;
}

bool member_of(const Json& list, const Json& value) {
  if (!list.is_array()) return false;
  for (const auto& element : list) {
    if (same_value(element, value)) return true;
  }
  return false;
}

// The compiled form of a condition's pattern, compiled once per process. Compiling an RE2 costs
// far more than matching with it, and the oracles judge every call of a run against the same few
// patterns: compiled per call, RE2 took 77% of a `gatecrash fuzz` campaign's CPU on a policy with
// three regex conditions. The judge compiles its own rather than use the loader's
// (Condition::regex), as it keeps apart from what the gateway uses. Shared by the campaign's
// worker threads, hence the mutex (matching with a compiled RE2 is thread-safe). Bounded: a run
// loads at most a few hundred policies of a handful of patterns each; beyond the bound a pattern
// is compiled for the one call.
std::shared_ptr<const RE2> compiled_pattern(const std::string& pattern) {
  constexpr std::size_t kMaxPatterns = 4096;
  static std::mutex mutex;
  // Never destroyed: a worker thread may still judge while the process exits.
  static auto& cache = *new std::unordered_map<std::string, std::shared_ptr<const RE2>>();
  std::lock_guard lock(mutex);
  if (auto found = cache.find(pattern); found != cache.end()) return found->second;
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(pattern, options);
  if (cache.size() < kMaxPatterns) cache.emplace(pattern, regex);
  return regex;
}

bool order_holds(Op op, long double actual, long double bound) {
  switch (op) {
    case Op::lt: return actual < bound;
    case Op::lte: return actual <= bound;
    case Op::gt: return actual > bound;
    default: return actual >= bound;
  }
}

// Whether one condition holds for these arguments. A missing value fails every operator except
// `exists`; a value of the wrong type fails (the policy cannot vouch for it).
bool condition_holds(const policy::Condition& condition, const Json& arguments) {
  const auto* path = std::get_if<policy::ArgsPath>(&condition.path);
  if (path == nullptr) return true;  // state.* conditions: not judgeable from outside
  const Json* actual = lookup(arguments, path->keys);
  const bool present = actual != nullptr && !actual->is_null();
  const Json& expected = condition.value;
  if (condition.op == Op::exists) return present == (expected.is_boolean() && expected.get<bool>());
  if (actual == nullptr) return false;
  switch (condition.op) {
    case Op::eq: return same_value(*actual, expected);
    case Op::neq: return !same_value(*actual, expected);
    case Op::in: return member_of(expected, *actual);
    case Op::not_in: return !member_of(expected, *actual);
    case Op::lt:
    case Op::lte:
    case Op::gt:
    case Op::gte:
      if (!actual->is_number() || !expected.is_number()) return false;
      return order_holds(condition.op, actual->get<long double>(), expected.get<long double>());
    case Op::regex: {
      if (!actual->is_string() || !expected.is_string()) return false;
      const auto pattern = compiled_pattern(expected.get_ref<const std::string&>());
      return pattern->ok() && RE2::PartialMatch(actual->get_ref<const std::string&>(), *pattern);
    }
    case Op::contains:
      if (actual->is_string()) {
        return expected.is_string() && actual->get<std::string>().find(expected.get<std::string>()) != std::string::npos;
      }
      if (actual->is_array()) return member_of(*actual, expected);
      return false;
    case Op::exists: break;
  }
  return false;
}

bool apply_rules(const policy::ToolRules& rules, const Json& arguments, Judgement& judgement) {
  if (rules.action == policy::ToolAction::deny) {
    judgement = {StaticVerdict::denied, rules.action_rule, "denied: " + rules.reason, {}};
    return false;
  }
  if (rules.action == policy::ToolAction::approve) {
    judgement = {StaticVerdict::needs_approval, rules.action_rule, "needs approval: " + rules.reason, {}};
    return false;
  }
  for (const auto& condition : rules.conditions) {
    if (!condition_holds(condition, arguments)) {
      judgement = {StaticVerdict::condition_failed, condition.rule, "condition " + condition.path_text + " " +
                                                                      std::string(policy::to_string(condition.op)) + " " +
                                                                      condition.value.dump() + " does not hold", {}};
      return false;
    }
  }
  for (const auto& limit : rules.limits) judgement.limits.push_back(&limit);
  return true;
}

}  // namespace

std::string_view to_string(StaticVerdict verdict) {
  switch (verdict) {
    case StaticVerdict::allowed: return "allowed";
    case StaticVerdict::hidden: return "hidden";
    case StaticVerdict::denied: return "denied";
    case StaticVerdict::needs_approval: return "needs approval";
    case StaticVerdict::condition_failed: return "condition failed";
  }
  return "denied";
}

Judgement judge_call(const policy::Policy& policy, const std::string& tool, const Json& arguments) {
  Judgement judgement;
  if (policy.hide.contains(tool) || policy.hide.contains("*")) {
    return {StaticVerdict::hidden, "hide", "the tool is hidden", {}};
  }
  auto entry = policy.tools.find(tool);
  if (entry == policy.tools.end() && policy.default_action == policy::DefaultAction::deny) {
    return {StaticVerdict::denied, "default", "not listed under default deny", {}};
  }
  if (entry != policy.tools.end() && !apply_rules(entry->second, arguments, judgement)) return judgement;
  if (policy.wildcard) {
    Judgement wildcard;
    if (!apply_rules(*policy.wildcard, arguments, wildcard)) return wildcard;
    judgement.limits.insert(judgement.limits.end(), wildcard.limits.begin(), wildcard.limits.end());
  }
  judgement.verdict = StaticVerdict::allowed;
  return judgement;
}

std::optional<std::int64_t> charged_units(const policy::Limit& limit, const Json& arguments) {
  if (!limit.increment_from) return limit.increment;
  const Json* value = lookup(arguments, limit.increment_from->keys);
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  if (value->is_number_unsigned()) return static_cast<std::int64_t>(std::min<std::uint64_t>(value->get<std::uint64_t>(), INT64_MAX));
  const auto units = value->get<std::int64_t>();
  if (units < 0) return std::nullopt;
  return units;
}

}  // namespace gatecrash::harness
