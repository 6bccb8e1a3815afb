// audit/checks_arguments.cc — checks of what argument conditions really constrain: regex anchors,
// paths the tool does not have, and wide tools nothing constrains.
#include <algorithm>
#include <cctype>
#include <optional>

#include "audit/checks.h"

namespace gatecrash::audit {
namespace {

using Json = nlohmann::json;

// How a regex is anchored under RE2's partial match (policy.md: anchor with ^...$).
struct Anchoring {
  std::string flags;       // leading flag groups such as "(?i)", kept in a suggested fix
  std::string core;        // the pattern without flags and without the anchors it has
  bool multiline = false;  // (?m): ^ and $ then match at line ends, so only \A and \z anchor
  bool start = false;
  bool end = false;
  bool alternation = false;  // a top-level `|`: each anchor then binds one alternative only
  bool anchored() const { return start && end && !alternation; }
};

bool escaped_at(std::string_view text, std::size_t index) {
  std::size_t backslashes = 0;
  while (index > backslashes && text[index - backslashes - 1] == '\\') ++backslashes;
  return backslashes % 2 == 1;
}

bool has_top_level_alternation(std::string_view pattern) {
  int depth = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      // A class ends at the first unescaped `]` that is not its first member.
      std::size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && (pattern[j] != ']' || escaped_at(pattern, j))) ++j;
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

Anchoring anchoring_of(std::string_view pattern) {
  Anchoring result;
  std::string_view rest = pattern;
  while (rest.starts_with("(?")) {
    const auto close = rest.find(')');
    if (close == std::string_view::npos) break;
    const std::string_view flags = rest.substr(2, close - 2);
    const bool only_flags = !flags.empty() && std::all_of(flags.begin(), flags.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) || c == '-';
    });
    if (!only_flags) break;
    const auto on = flags.substr(0, flags.find('-'));
    if (on.find('m') != std::string_view::npos) result.multiline = true;
    result.flags += std::string(rest.substr(0, close + 1));
    rest.remove_prefix(close + 1);
  }
  result.alternation = has_top_level_alternation(rest);
  if (rest.starts_with("\\A")) {
    result.start = true;
    rest.remove_prefix(2);
  } else if (rest.starts_with("^")) {
    result.start = !result.multiline;
    rest.remove_prefix(1);
  }
  if (rest.size() >= 2 && rest.ends_with("\\z") && !escaped_at(rest, rest.size() - 2)) {
    result.end = true;
    rest.remove_suffix(2);
  } else if (rest.ends_with("$") && !escaped_at(rest, rest.size() - 1)) {
    result.end = !result.multiline;
    rest.remove_suffix(1);
  }
  result.core = std::string(rest);
  return result;
}

std::string anchored_pattern(const Anchoring& anchoring) {
  const std::string core = anchoring.alternation ? "(?:" + anchoring.core + ")" : anchoring.core;
  return anchoring.multiline ? anchoring.flags + "\\A" + core + "\\z"
                             : anchoring.flags + "^" + core + "$";
}

std::string what_slips_through(const Anchoring& anchoring) {
  if (anchoring.alternation) {
    return "its top-level | leaves each anchor on one alternative only, so a value that merely "
           "contains a match of another alternative passes";
  }
  if (anchoring.multiline) return "under (?m), ^ and $ match at any line break";
  if (!anchoring.start && !anchoring.end) return "a value that merely contains a match passes";
  return anchoring.start ? "anything may follow a match" : "anything may precede a match";
}

// The argument a path names that the input schema does not declare, with the names it declares
// at that level. nullopt when declared, or when a level has no "properties" to tell by.
struct MissingArgument {
  std::size_t index = 0;  // into the path's keys
  std::vector<std::string> declared;
};

std::optional<MissingArgument> find_missing(const Json& schema,
                                            const std::vector<std::string>& keys) {
  const Json* node = &schema;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!node->is_object()) return std::nullopt;
    auto properties = node->find("properties");
    if (properties == node->end() || !properties->is_object()) return std::nullopt;
    auto found = properties->find(keys[i]);
    if (found == properties->end()) {
      MissingArgument missing{i, {}};
      for (const auto& [name, definition] : properties->items()) missing.declared.push_back(name);
      return missing;
    }
    node = &*found;
  }
  return std::nullopt;
}

std::string args_text(const std::vector<std::string>& keys) {
  std::string text = "args";
  for (const auto& key : keys) text += "." + key;
  return text;
}

// "; did you mean args.project_name?" and the fix, for a path with one undeclared key.
struct PathRepair {
  std::string hint;
  std::string fix;
};

PathRepair repair(const std::vector<std::string>& keys, const MissingArgument& missing,
                  std::string_view what) {
  const std::string nearest = nearest_name(keys[missing.index], missing.declared);
  if (nearest.empty()) {
    return {"", "point " + std::string(what) + " at an argument the tool declares (" +
                    name_list(missing.declared) + "), or remove it"};
  }
  std::vector<std::string> corrected = keys;
  corrected[missing.index] = nearest;
  return {"; did you mean " + args_text(corrected) + "?",
          "change the path to " + args_text(corrected)};
}

bool guards_absence(const policy::Condition& condition) {
  return condition.op == policy::Op::exists && condition.value == false;
}

// Conditions and increment_from paths of one entry that `tool` does not declare.
void report_missing_arguments(CheckContext& context, const std::string& key,
                              const policy::ToolRules& rules, const ToolRisk& tool) {
  for (const auto& condition : rules.conditions) {
    const auto* path = std::get_if<policy::ArgsPath>(&condition.path);
    if (path == nullptr) continue;
    const auto missing = find_missing(tool.input_schema, path->keys);
    if (!missing) continue;
    const PathRepair fix = repair(path->keys, *missing, "the condition");
    context.report(
        context.pointers().condition(key, condition, "path"), tool.name,
        "the condition on " + condition.path_text + " (" +
            std::string(policy::to_string(condition.op)) + ") of " + tool.name +
            " names an argument its inputSchema does not declare (" +
            quote(path->keys[missing->index]) + ")" + fix.hint +
            (guards_absence(condition)
                 ? ": the condition always holds, so it guards nothing"
                 : ": it fails on every call that does not add that argument, so the tool is "
                   "refused, and the argument it meant goes unchecked"),
        fix.fix);
  }
  for (const auto& limit : rules.limits) {
    if (!limit.increment_from) continue;
    const auto missing = find_missing(tool.input_schema, limit.increment_from->keys);
    if (!missing) continue;
    const PathRepair fix = repair(limit.increment_from->keys, *missing, "increment_from");
    context.report(context.pointers().limit(key, limit, "increment_from"), tool.name,
                   "counter " + quote(limit.counter) + " takes its units from " +
                       args_text(limit.increment_from->keys) + ", which " + tool.name +
                       "'s inputSchema does not declare" + fix.hint +
                       ": every call without it is refused (invalid_arguments)",
                   fix.fix);
  }
}

// Wildcard conditions apply to every tool; one is a mistake when no callable tool declares its
// argument.
void report_missing_wildcard_arguments(CheckContext& context) {
  const auto& wildcard = context.policy().wildcard;
  if (!wildcard) return;
  std::vector<const ToolRisk*> callable;
  for (const ToolRisk& tool : context.tools()) {
    if (context.treatment(tool).callable) callable.push_back(&tool);
  }
  if (callable.empty()) return;
  for (const auto& condition : wildcard->conditions) {
    const auto* path = std::get_if<policy::ArgsPath>(&condition.path);
    if (path == nullptr) continue;
    const bool nobody_declares =
        std::all_of(callable.begin(), callable.end(), [&](const ToolRisk* tool) {
          return find_missing(tool->input_schema, path->keys).has_value();
        });
    if (!nobody_declares) continue;
    context.report(
        context.pointers().condition(kWildcardKey, condition, "path"), "",
        "the wildcard condition on " + condition.path_text + " (" +
            std::string(policy::to_string(condition.op)) +
            ") names an argument no callable tool declares" +
            (guards_absence(condition) ? ": it always holds, so it guards nothing"
                                       : ": it fails on every call, so every tool is refused"),
        "point the path at an argument the tools declare, or remove the condition");
  }
}

// A string parameter to show in an example condition: the first one that is not a credential.
std::string example_parameter(const ToolRisk& tool) {
  auto properties = tool.input_schema.find("properties");
  for (const auto& name : tool.parameters) {
    const bool secret = std::find(tool.secret_parameters.begin(), tool.secret_parameters.end(),
                                  name) != tool.secret_parameters.end();
    if (secret) continue;
    const Json& definition = properties->at(name);
    if (definition.is_object() && definition.value("type", Json()) == "string") return name;
  }
  return tool.parameters.front();
}

}  // namespace

void check_unanchored_regex(CheckContext& context) {
  auto inspect = [&](const std::string& key, const policy::ToolRules& rules) {
    for (const auto& condition : rules.conditions) {
      if (condition.op != policy::Op::regex || !condition.value.is_string()) continue;
      const Anchoring anchoring = anchoring_of(condition.value.get<std::string>());
      if (anchoring.anchored()) continue;
      context.report(context.pointers().condition(key, condition, "value"),
                     key == kWildcardKey || context.find_tool(key) == nullptr ? "" : key,
                     "the regex " + quote(condition.value.get<std::string>()) + " on " +
                         condition.path_text +
                         " is not anchored at both ends, and RE2 looks for "
                         "a match anywhere in the value: " +
                         what_slips_through(anchoring),
                     "anchor it: " + quote(anchored_pattern(anchoring)));
    }
  };
  for (const auto& [key, rules] : context.policy().tools) inspect(key, rules);
  if (context.policy().wildcard) inspect(std::string(kWildcardKey), *context.policy().wildcard);
}

void check_condition_on_missing_argument(CheckContext& context) {
  for (const auto& [key, rules] : context.policy().tools) {
    if (const ToolRisk* tool = context.find_tool(key)) {
      report_missing_arguments(context, key, rules, *tool);
    }
  }
  report_missing_wildcard_arguments(context);
}

void check_many_parameters_unconstrained(CheckContext& context) {
  for (const ToolRisk& tool : context.tools()) {
    if (tool.parameters.size() <= kHighParameterCount) continue;
    const ToolTreatment treatment = context.treatment(tool);
    if (!treatment.callable) continue;
    // `exists: false` only keeps an argument out; it constrains none of the others.
    const bool constrained = std::any_of(
        treatment.conditions.begin(), treatment.conditions.end(), [](const ConditionSite& site) {
          return std::holds_alternative<policy::ArgsPath>(site.condition->path) &&
                 !guards_absence(*site.condition);
        });
    if (constrained) continue;
    const std::string example = example_parameter(tool);
    context.report(
        context.allowance(tool.name), tool.name,
        tool.name + " takes " + std::to_string(tool.parameters.size()) +
            " parameters and no condition constrains any of them: free-text fields can carry "
            "anything, including data read elsewhere, to the upstream",
        context.fix("add \"args\" conditions for the fields that matter: lengths and shapes with "
                    "anchored regexes, numbers with lte/gte, choices with in; e.g. {\"path\": "
                    "\"args." +
                        example + "\", \"op\": \"regex\", \"value\": \"^.{0,200}$\"}",
                    "add a rule with conditions for the fields that matter, e.g. {name: " +
                        example + " shape, conditions: [{path: args." + example +
                        ", op: regex, value: \"^.{0,200}$\"}]}"));
  }
}

}  // namespace gatecrash::audit
