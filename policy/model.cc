// policy/model.cc — names of the model's enums, listing visibility and the canonical rendering.
#include "policy/model.h"

namespace gatecrash::policy {

std::string_view to_string(Dialect dialect) {
  return dialect == Dialect::native ? "native" : "intercept";
}

std::string_view to_string(DefaultAction action) {
  return action == DefaultAction::allow ? "allow" : "deny";
}

std::string_view to_string(ToolAction action) {
  switch (action) {
    case ToolAction::allow:
      return "allow";
    case ToolAction::deny:
      return "deny";
    case ToolAction::approve:
      return "approve";
  }
  return "?";
}

std::string_view to_string(Scope scope) {
  switch (scope) {
    case Scope::grant:
      return "grant";
    case Scope::session:
      return "session";
    case Scope::global:
      return "global";
  }
  return "?";
}

std::string_view to_string(WindowMode mode) {
  return mode == WindowMode::sliding ? "sliding" : "fixed";
}

std::string_view to_string(Op op) {
  switch (op) {
    case Op::eq:
      return "eq";
    case Op::neq:
      return "neq";
    case Op::in:
      return "in";
    case Op::not_in:
      return "not_in";
    case Op::lt:
      return "lt";
    case Op::lte:
      return "lte";
    case Op::gt:
      return "gt";
    case Op::gte:
      return "gte";
    case Op::regex:
      return "regex";
    case Op::contains:
      return "contains";
    case Op::exists:
      return "exists";
  }
  return "?";
}

std::string window_name(std::chrono::seconds length) {
  switch (length.count()) {
    case 1:
      return "second";
    case 60:
      return "minute";
    case 3600:
      return "hour";
    case 86400:
      return "day";
    default:
      return std::to_string(length.count()) + "s";
  }
}

std::string path_text(const ConditionPath& path) {
  if (const auto* state = std::get_if<StatePath>(&path)) {
    return "state." + std::string(to_string(state->scope)) + "." + state->counter;
  }
  std::string text = "args";
  for (const auto& key : std::get<ArgsPath>(path).keys) text += "." + key;
  return text;
}

bool is_hidden(const Policy& policy, std::string_view tool) {
  // Most policies hide nothing; the lookups below would each build a std::string first.
  if (policy.hide.empty()) return false;
  return policy.hide.contains("*") || policy.hide.contains(std::string(tool));
}

bool visible_in_listing(const Policy& policy, std::string_view tool) {
  if (is_hidden(policy, tool)) return false;
  auto entry = policy.tools.find(std::string(tool));
  if (entry == policy.tools.end() && policy.default_action == DefaultAction::deny) return false;
  if (entry != policy.tools.end() && entry->second.action == ToolAction::deny) return false;
  return !(policy.wildcard && policy.wildcard->action == ToolAction::deny);
}

namespace {

Json to_json(const Condition& condition) {
  return {{"rule", condition.rule},
          {"reason", condition.reason},
          {"path", path_text(condition.path)},
          {"op", to_string(condition.op)},
          {"value", condition.value}};
}

Json to_json(const Limit& limit) {
  Json out = {{"rule", limit.rule},
              {"reason", limit.reason},
              {"counter", limit.counter},
              {"scope", to_string(limit.scope)},
              {"window", limit.window.length.count()},
              {"window_mode", to_string(limit.window.mode)},
              {"max", limit.max},
              {"increment", limit.increment}};
  if (limit.increment_from) out["increment_from"] = path_text(*limit.increment_from);
  return out;
}

Json to_json(const ToolRules& rules) {
  Json out = {{"action", to_string(rules.action)},
              {"action_rule", rules.action_rule},
              {"reason", rules.reason},
              {"conditions", Json::array()},
              {"limits", Json::array()}};
  for (const auto& condition : rules.conditions) out["conditions"].push_back(to_json(condition));
  for (const auto& limit : rules.limits) out["limits"].push_back(to_json(limit));
  return out;
}

}  // namespace

Json to_json(const Policy& policy) {
  Json out = {{"dialect", to_string(policy.dialect)},
              {"version", policy.version},
              {"description", policy.description},
              {"default", to_string(policy.default_action)},
              {"default_declared", policy.default_declared},
              {"hide", policy.hide},
              {"tools", Json::object()}};
  for (const auto& [name, rules] : policy.tools) out["tools"][name] = to_json(rules);
  if (policy.wildcard) out["tools"]["*"] = to_json(*policy.wildcard);
  out["counters"] = Json::object();
  for (const auto& [name, spec] : policy.counters) {
    out["counters"][name] = {{"scope", to_string(spec.scope)},
                             {"window", spec.window.length.count()},
                             {"window_mode", to_string(spec.window.mode)},
                             {"max", spec.max}};
  }
  return out;
}

}  // namespace gatecrash::policy
