// audit/checks_access.cc — checks of who may call what: default, guards by class, hide, names,
// and credentials passed as arguments.
#include <algorithm>
#include <map>

#include "audit/checks.h"

namespace gatecrash::audit {
namespace {

using policy::DefaultAction;
using policy::ToolAction;

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

std::string class_phrase(const ToolRisk& tool) {
  return tool.name + " is " + std::string(to_string(tool.tool_class)) + " (" +
         joined(tool.evidence, "; ") + ")";
}

// Findings on tools of one class that can be called with no approval and no cap.
void report_unguarded(CheckContext& context, ToolClass tool_class) {
  for (const ToolRisk& tool : context.tools()) {
    if (tool.tool_class != tool_class) continue;
    const ToolTreatment treatment = context.treatment(tool);
    if (!treatment.callable || treatment.needs_approval || !treatment.caps().empty()) continue;
    context.report(
        context.allowance(tool.name), tool.name,
        class_phrase(tool) +
            " and can be called with no approval and no limit: an agent steered by a poisoned "
            "description or an injected result can run it as often as it is told to",
        context.fix("give it \"action\": \"approve\" (a person confirms each call) or \"action\": "
                    "\"deny\", e.g. " +
                        quote(tool.name) + ": {\"action\": \"approve\", \"reason\": \"" +
                        std::string(to_string(tool_class)) +
                        "\"}; at the very least a limit such as {\"counter\": " + quote(tool.name) +
                        ", \"window\": \"hour\", \"max\": 5, \"scope\": \"grant\"}",
                    "Intercept has no approval: deny it (" + tool.name + ": {rules: [{name: no " +
                        std::string(to_string(tool_class)) +
                        " calls, action: deny}]}) or cap it (rules: [{name: " + tool.name +
                        " rate, rate_limit: 5/hour}])"));
  }
}

// The server tool `name` most likely meant, or "".
std::string nearest_tool(const CheckContext& context, const std::string& name) {
  std::vector<std::string> names;
  for (const ToolRisk& tool : context.tools()) names.push_back(tool.name);
  return nearest_name(name, names);
}

std::string action_phrase(const policy::ToolRules& rules) {
  switch (rules.action) {
    case ToolAction::deny:
      return "action deny";
    case ToolAction::approve:
      return "action approve";
    case ToolAction::allow:
      break;
  }
  return rules.limits.empty() && rules.conditions.empty() ? "an allow entry"
                                                          : "limits or conditions";
}

bool guards_secret(const ToolTreatment& treatment, const std::string& parameter) {
  return std::any_of(
      treatment.conditions.begin(), treatment.conditions.end(), [&](const ConditionSite& site) {
        const auto* path = std::get_if<policy::ArgsPath>(&site.condition->path);
        return path != nullptr && path->keys == std::vector<std::string>{parameter} &&
               site.condition->op == policy::Op::exists && site.condition->value == false;
      });
}

}  // namespace

void check_default_allow(CheckContext& context) {
  const policy::Policy& policy = context.policy();
  if (policy.default_action != DefaultAction::allow) return;
  std::vector<std::string> unnamed;
  for (const ToolRisk& tool : context.tools()) {
    if (!policy.tools.contains(tool.name) && context.treatment(tool).callable) {
      unnamed.push_back(tool.name);
    }
  }
  const std::string opening = policy.default_declared
                                  ? "\"default\": \"allow\" lets through"
                                  : "the policy has no \"default\", which means allow: it lets "
                                    "through";
  const std::string today = unnamed.empty()
                                ? "none of this server's tools today"
                                : std::to_string(unnamed.size()) + " of this server's " +
                                      std::to_string(context.tools().size()) +
                                      " tools: " + name_list(unnamed);
  context.report(
      context.pointers().default_action(), "",
      opening + " every tool it does not name (" + today +
          "), every tool the server adds later, and name variants (case, Unicode, whitespace) of "
          "the tools it denies when the upstream folds names",
      context.fix("set \"default\": \"deny\" and give each tool the agent needs its own entry "
                  "(`gatecrash suggest` writes a starting point)",
                  "set default: deny and list each tool the agent needs under tools (an entry "
                  "with no rules allows it)"));
}

void check_destructive_unguarded(CheckContext& context) {
  report_unguarded(context, ToolClass::destructive);
}

void check_execute_unguarded(CheckContext& context) {
  report_unguarded(context, ToolClass::execute);
}

void check_write_unlimited(CheckContext& context) {
  for (const ToolRisk& tool : context.tools()) {
    if (tool.tool_class != ToolClass::write) continue;
    const ToolTreatment treatment = context.treatment(tool);
    if (!treatment.callable || treatment.needs_approval || !treatment.caps().empty()) continue;
    context.report(
        context.allowance(tool.name), tool.name,
        class_phrase(tool) + " and has no limit: nothing bounds how many changes an agent makes",
        context.fix(
            "add \"limits\": [{\"counter\": " + quote(tool.name) +
                ", \"window\": \"minute\", \"max\": 30, \"scope\": \"grant\"}] to its entry",
            "add a rule {name: " + tool.name + " rate, rate_limit: 30/minute} to " + tool.name));
  }
}

void check_hidden_but_allowed(CheckContext& context) {
  const policy::Policy& policy = context.policy();
  if (policy.default_action != DefaultAction::allow) return;
  if (policy.wildcard && policy.wildcard->action == ToolAction::deny) return;
  for (const std::string& name : context.pointers().hide_entries()) {
    if (name == "*" || context.find_tool(name) == nullptr) continue;
    const auto entry = policy.tools.find(name);
    if (entry != policy.tools.end() && entry->second.action == ToolAction::deny) continue;
    context.report(
        context.pointers().hide(name), name,
        name +
            " is hidden, and nothing else refuses it (default allow, no deny entry): a gateway "
            "that only filters tools/list still forwards a call to it by name",
        context.fix("also deny it: " + quote(name) +
                        ": {\"action\": \"deny\"} (it stays hidden, and is refused by every "
                        "gateway)",
                    "also deny it: " + name + ": {rules: [{name: hidden, action: deny}]}"));
  }
}

void check_unknown_tool(CheckContext& context) {
  const policy::Policy& policy = context.policy();
  const bool default_allow = policy.default_action == DefaultAction::allow;
  auto did_you_mean = [&](const std::string& name) {
    const std::string nearest = nearest_tool(context, name);
    return nearest.empty() ? std::string() : "; did you mean " + quote(nearest) + "?";
  };
  auto rename_fix = [&](const std::string& name) {
    const std::string nearest = nearest_tool(context, name);
    return nearest.empty() ? "correct the name to one the server lists, or remove the entry"
                           : "rename it to " + quote(nearest);
  };
  for (const auto& [name, rules] : policy.tools) {
    if (context.find_tool(name) != nullptr) continue;
    const bool restricting = rules.action != ToolAction::allow;
    Finding& finding = context.report(
        context.pointers().tool(name), "",
        "the entry " + quote(name) + " (" + action_phrase(rules) +
            ") names a tool this server does not expose" + did_you_mean(name) +
            (restricting && default_allow
                 ? ": the restriction applies to nothing, while the tool it meant falls to "
                   "default allow"
                 : ": it applies to nothing"),
        rename_fix(name));
    if (restricting && default_allow) {
      finding.severity = Severity::high;
    } else if (!restricting && rules.limits.empty() && rules.conditions.empty()) {
      finding.severity = Severity::low;
    }
  }
  for (const std::string& name : context.pointers().hide_entries()) {
    if (name == "*" || context.find_tool(name) != nullptr) continue;
    Finding& finding = context.report(context.pointers().hide(name), "",
                                      "the hide entry " + quote(name) +
                                          " names a tool this server does not expose" +
                                          did_you_mean(name) + ": the tool it meant stays listed",
                                      rename_fix(name));
    if (!default_allow) finding.severity = Severity::low;
  }
}

void check_secret_argument(CheckContext& context) {
  std::map<std::string, std::vector<std::string>> unguarded;  // parameter -> tools taking it
  for (const ToolRisk& tool : context.tools()) {
    const ToolTreatment treatment = context.treatment(tool);
    if (!treatment.callable) continue;
    for (const std::string& parameter : tool.secret_parameters) {
      if (!guards_secret(treatment, parameter)) unguarded[parameter].push_back(tool.name);
    }
  }
  const std::string pointer =
      context.policy().wildcard ? context.pointers().tool(kWildcardKey) : "/tools";
  for (const auto& [parameter, tools] : unguarded) {
    context.report(
        pointer, tools.size() == 1 ? tools.front() : "",
        quote(parameter) + " holds a credential, and " + std::to_string(tools.size()) +
            " callable tool(s) accept it as an argument (" + name_list(tools) +
            "): it passes through the model's context, the gateway and every log on the way, and "
            "an agent that holds it can send it on in any free-text argument",
        context.fix("refuse it in the \"*\" entry: \"args\": [{\"path\": \"args." + parameter +
                        "\", \"op\": \"exists\", \"value\": false, \"reason\": \"credentials come "
                        "from the server's configuration, not from tool arguments\"}], and give "
                        "the server its credential in its own configuration",
                    "refuse it under \"*\": rules: [{name: no credentials in arguments, "
                    "conditions: [{path: args." +
                        parameter +
                        ", op: exists, value: false}]}], and give the server its credential in "
                        "its own configuration"));
  }
}

}  // namespace gatecrash::audit
