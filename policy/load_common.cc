// policy/load_common.cc — the shared checks behind both dialect translators.
#include "policy/load_common.h"

#include <re2/re2.h>

#include "policy/limits.h"

namespace gatecrash::policy::detail {

std::string_view type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::boolean:
      return "boolean";
    default:
      return "null";
  }
}

std::string render(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string join_choices(std::initializer_list<std::string_view> choices) {
  std::string out;
  std::size_t index = 0;
  for (auto choice : choices) {
    if (index > 0) out += index + 1 == choices.size() ? " or " : ", ";
    out += choice;
    ++index;
  }
  return out;
}

namespace {

bool is_kind(const Json& value, Kind kind) {
  switch (kind) {
    case Kind::object:
      return value.is_object();
    case Kind::array:
      return value.is_array();
    case Kind::string:
      return value.is_string();
    case Kind::boolean:
      return value.is_boolean();
    case Kind::integer:
      return value.is_number_integer();
    case Kind::number:
      return value.is_number();
  }
  return false;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::object:
      return "object";
    case Kind::array:
      return "array";
    case Kind::string:
      return "string";
    case Kind::boolean:
      return "boolean";
    case Kind::integer:
      return "integer";
    case Kind::number:
      return "number";
  }
  return "?";
}

// A non-negative integer that fits in int64, or nullopt (floats, even integral ones, are refused:
// the policy says what it means, nothing is truncated).
std::optional<std::int64_t> non_negative_integer(const Json& value) {
  if (value.is_number_unsigned()) {
    auto n = value.get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(n);
  }
  if (value.is_number_integer()) {
    auto n = value.get<std::int64_t>();
    if (n < 0) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

constexpr std::int64_t kMaxWindowSeconds = 366LL * 86400;

}  // namespace

bool expect_kind(const Json& value, Kind kind, const std::string& pointer, Diagnostics& diag) {
  if (is_kind(value, kind)) return true;
  diag.add(error_id::kWrongType, pointer,
           "expected " + std::string(kind_name(kind)) + ", got " + std::string(type_name(value)));
  return false;
}

void check_keys(const Json& object, const std::string& pointer,
                std::initializer_list<std::string_view> allowed, Diagnostics& diag) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (auto name : allowed) known = known || name == key;
    if (!known) {
      diag.add(error_id::kUnknownKey, pointer_append(pointer, key),
               "unknown key " + render(Json(key)) + " (expected " + join_choices(allowed) + ")");
    }
  }
}

const Json* member(const Json& object, std::string_view key, const std::string& pointer,
                   Diagnostics& diag, bool required) {
  auto it = object.find(std::string(key));
  if (it != object.end()) return &*it;
  if (required) {
    diag.add(error_id::kMissingKey, pointer, "missing required key " + render(Json(key)));
  }
  return nullptr;
}

std::optional<std::string> string_member(const Json& object, std::string_view key,
                                         const std::string& pointer, Diagnostics& diag,
                                         bool required) {
  const Json* value = member(object, key, pointer, diag, required);
  if (value == nullptr) return std::nullopt;
  if (!expect_kind(*value, Kind::string, pointer_append(pointer, key), diag)) return std::nullopt;
  return value->get<std::string>();
}

std::optional<std::chrono::seconds> parse_window(const Json& value, Dialect dialect,
                                                 const std::string& pointer, Diagnostics& diag) {
  if (value.is_string()) {
    const auto& name = value.get_ref<const std::string&>();
    if (name == "minute") return std::chrono::seconds(60);
    if (name == "hour") return std::chrono::seconds(3600);
    if (name == "day") return std::chrono::seconds(86400);
    if (name == "second" && dialect == Dialect::native) return std::chrono::seconds(1);
  } else if (dialect == Dialect::native && value.is_number_integer()) {
    auto seconds = non_negative_integer(value);
    if (seconds && *seconds > 0 && *seconds <= kMaxWindowSeconds) {
      return std::chrono::seconds(*seconds);
    }
  }
  diag.add(error_id::kUnknownWindow, pointer,
           "unknown window " + render(value) +
               (dialect == Dialect::native ? " (expected second, minute, hour, day or seconds)"
                                           : " (expected minute, hour or day)"));
  return std::nullopt;
}

std::optional<std::int64_t> parse_max(const Json& value, const std::string& pointer,
                                      Diagnostics& diag) {
  if (!expect_kind(value, Kind::number, pointer, diag)) return std::nullopt;
  auto max = non_negative_integer(value);
  if (!max)
    diag.add(error_id::kBadMax, pointer, "max must be an integer >= 0, got " + render(value));
  return max;
}

std::optional<std::int64_t> parse_increment(const Json& value, const std::string& pointer,
                                            Diagnostics& diag) {
  auto increment = non_negative_integer(value);
  if (!increment) {
    diag.add(error_id::kBadIncrement, pointer,
             "increment must be an integer >= 0, got " + render(value));
  }
  return increment;
}

std::optional<ArgsPath> parse_args_path(std::string_view text) {
  constexpr std::string_view kPrefix = "args.";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  ArgsPath path;
  std::string_view rest = text.substr(kPrefix.size());
  while (true) {
    auto dot = rest.find('.');
    std::string_view key = rest.substr(0, dot);
    if (key.empty()) return std::nullopt;
    path.keys.emplace_back(key);
    if (dot == std::string_view::npos) return path;
    rest = rest.substr(dot + 1);
  }
}

std::optional<ArgsPath> parse_increment_from(const Json& value, const std::string& pointer,
                                             Diagnostics& diag) {
  if (!expect_kind(value, Kind::string, pointer, diag)) return std::nullopt;
  auto path = parse_args_path(value.get_ref<const std::string&>());
  if (!path) {
    diag.add(error_id::kBadPath, pointer,
             "invalid path " + render(value) + " (expected args.<name>[.<name>...])");
  }
  return path;
}

namespace {

std::optional<StatePath> parse_state_path(std::string_view text, Dialect dialect) {
  constexpr std::string_view kPrefix = "state.";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = text.substr(kPrefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return std::nullopt;
  std::string_view scope = rest.substr(0, dot);
  std::string_view counter = rest.substr(dot + 1);
  if (dialect == Dialect::intercept) return StatePath{Scope::global, std::string(rest)};
  if (scope == "grant") return StatePath{Scope::grant, std::string(counter)};
  if (scope == "session") return StatePath{Scope::session, std::string(counter)};
  if (scope == "global") return StatePath{Scope::global, std::string(counter)};
  return std::nullopt;
}

// E110 unless `value` suits `op`; compiles the regex (E108).
bool check_operand(Condition& condition, const std::string& pointer, RegexBook& regexes,
                   Diagnostics& diag) {
  const Json& value = condition.value;
  auto require = [&](bool ok, std::string_view kind) {
    if (!ok) {
      diag.add(error_id::kBadOperand, pointer,
               "operator " + render(Json(to_string(condition.op))) + " requires " +
                   std::string(kind) + " value, got " + std::string(type_name(value)));
    }
    return ok;
  };
  switch (condition.op) {
    case Op::in:
    case Op::not_in:
      return require(value.is_array(), "a list");
    case Op::lt:
    case Op::lte:
    case Op::gt:
    case Op::gte:
      return require(value.is_number(), "a numeric");
    case Op::exists:
      return require(value.is_boolean(), "a boolean");
    case Op::regex: {
      if (!require(value.is_string(), "a string")) return false;
      auto regex = regexes.compile(value.get_ref<const std::string&>());
      if (!regex->ok()) {
        diag.add(error_id::kBadRegex, pointer,
                 "invalid regex " + render(value) + ": " + regex->error());
        return false;
      }
      condition.regex = std::move(regex);
      return true;
    }
    default:
      return true;
  }
}

}  // namespace

std::shared_ptr<const RE2> RegexBook::compile(const std::string& pattern) {
  if (auto found = compiled_.find(pattern); found != compiled_.end()) return found->second;
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(pattern, options);
  compiled_.emplace(pattern, regex);
  return regex;
}

std::optional<Condition> parse_condition(const Json& object, Dialect dialect,
                                         const std::string& pointer, RegexBook& regexes,
                                         Diagnostics& diag) {
  if (!expect_kind(object, Kind::object, pointer, diag)) return std::nullopt;
  if (dialect == Dialect::native) {
    check_keys(object, pointer, {"path", "op", "value", "reason"}, diag);
  } else {
    check_keys(object, pointer, {"path", "op", "value"}, diag);
  }
  const std::size_t errors_before = diag.size();
  Condition condition;
  if (auto path = string_member(object, "path", pointer, diag, true)) {
    condition.path_text = *path;
    if (auto args = parse_args_path(*path)) {
      condition.path = std::move(*args);
    } else if (auto state = parse_state_path(*path, dialect)) {
      condition.path = std::move(*state);
    } else {
      diag.add(error_id::kBadPath, pointer_append(pointer, "path"),
               "invalid path " + render(Json(*path)) +
                   (dialect == Dialect::native
                        ? " (expected args.<name>[.<name>...] or state.<scope>.<counter>)"
                        : " (expected args.<name>[.<name>...] or state.<tool>.<counter>)"));
    }
  }
  std::optional<Op> op;
  if (const Json* op_value = member(object, "op", pointer, diag, true)) {
    op = parse_choice<Op>(*op_value, "op", pointer_append(pointer, "op"),
                          {{"eq", Op::eq},
                           {"neq", Op::neq},
                           {"in", Op::in},
                           {"not_in", Op::not_in},
                           {"lt", Op::lt},
                           {"lte", Op::lte},
                           {"gt", Op::gt},
                           {"gte", Op::gte},
                           {"regex", Op::regex},
                           {"contains", Op::contains},
                           {"exists", Op::exists}},
                          diag);
  }
  const Json* value = member(object, "value", pointer, diag, true);
  if (op && value) {
    condition.op = *op;
    condition.value = *value;
    check_operand(condition, pointer_append(pointer, "value"), regexes, diag);
  }
  if (dialect == Dialect::native) {
    condition.reason = string_member(object, "reason", pointer, diag).value_or("");
  }
  if (diag.size() != errors_before) return std::nullopt;
  return condition;
}

void CounterBook::define(const Limit& limit, const std::string& pointer, Diagnostics& diag) {
  if (limit.window.mode == WindowMode::sliding && limit.max > kMaxSlidingWindowMax) {
    diag.add(error_id::kSlidingMaxTooLarge, pointer_append(pointer, "max"),
             "max " + std::to_string(limit.max) + " is too large for a sliding window (at most " +
                 std::to_string(kMaxSlidingWindowMax) + "); use window_mode \"fixed\"");
  }
  auto [it, inserted] = defined_.emplace(limit.counter, Definition{limit, pointer});
  if (inserted) return;
  const Limit& first = it->second.limit;
  if (first.scope != limit.scope || first.window != limit.window || first.max != limit.max) {
    diag.add(error_id::kCounterRedefined, pointer,
             "counter " + render(Json(limit.counter)) +
                 " redefined with different parameters (first defined at " + it->second.pointer +
                 ")");
  }
}

void CounterBook::reference(const StatePath& path, std::string pointer) {
  references_.emplace_back(path, std::move(pointer));
}

void CounterBook::check_references(Dialect dialect, Diagnostics& diag) const {
  for (const auto& [path, pointer] : references_) {
    auto it = defined_.find(path.counter);
    if (it == defined_.end()) {
      if (refused_.contains(path.counter)) continue;
      diag.add(error_id::kUnknownCounter, pointer,
               "unknown counter " + render(Json(path.counter)) + " (no limit defines it)");
    } else if (dialect == Dialect::native && it->second.limit.scope != path.scope) {
      diag.add(error_id::kCounterScopeMismatch, pointer,
               "counter " + render(Json(path.counter)) + " has scope " +
                   std::string(to_string(it->second.limit.scope)) + ", not " +
                   std::string(to_string(path.scope)));
    }
  }
}

std::map<std::string, CounterSpec> CounterBook::specs() const {
  std::map<std::string, CounterSpec> specs;
  for (const auto& [name, definition] : defined_) {
    const Limit& limit = definition.limit;
    specs.emplace(name, CounterSpec{limit.scope, limit.window, limit.max});
  }
  return specs;
}

void check_counters_unique(const ToolRules& rules, const std::vector<std::string>& pointers,
                           Diagnostics& diag) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rules.limits.size(); ++i) {
    auto [it, inserted] = seen.emplace(rules.limits[i].counter, i);
    if (!inserted) {
      diag.add(error_id::kCounterTwiceInTool, pointers[i],
               "counter " + render(Json(rules.limits[i].counter)) +
                   " is already charged by this tool at " + pointers[it->second]);
    }
  }
}

std::set<std::string> parse_hide(const Json& value, const std::string& pointer, Diagnostics& diag) {
  std::set<std::string> hide;
  if (value.is_null()) return hide;  // YAML `hide:` with nothing after it
  if (!expect_kind(value, Kind::array, pointer, diag)) return hide;
  for (std::size_t i = 0; i < value.size(); ++i) {
    std::string entry_pointer = pointer_append(pointer, i);
    if (!expect_kind(value[i], Kind::string, entry_pointer, diag)) continue;
    const auto& name = value[i].get_ref<const std::string&>();
    if (name.empty()) {
      diag.add(error_id::kEmptyName, entry_pointer, "name must not be empty");
    } else if (!hide.insert(name).second) {
      diag.add(error_id::kDuplicateHide, entry_pointer, "duplicate hide entry " + render(value[i]));
    }
  }
  return hide;
}

void check_hidden_not_allowed(const Json& hide_value, const Policy& policy, Diagnostics& diag) {
  if (!hide_value.is_array()) return;
  for (std::size_t i = 0; i < hide_value.size(); ++i) {
    if (!hide_value[i].is_string()) continue;
    const auto& name = hide_value[i].get_ref<const std::string&>();
    for (const auto& [tool, rules] : policy.tools) {
      if ((name == "*" || name == tool) && rules.action != ToolAction::deny) {
        diag.add(error_id::kHiddenButAllowed, pointer_append("/hide", i),
                 "tool " + render(Json(tool)) + " is hidden but also allowed at " +
                     pointer_append("/tools", tool));
      }
    }
  }
}

std::optional<std::string> parse_version(const Json& value, Dialect dialect, Diagnostics& diag) {
  if (value.is_string() && value.get_ref<const std::string&>() == "1") return "1";
  if (dialect == Dialect::intercept && value.is_number_integer() &&
      value.get<std::int64_t>() == 1) {
    return "1";
  }
  if (value.is_string() || value.is_number()) {
    diag.add(error_id::kVersion, "/version", "version must be \"1\", got " + render(value));
  } else {
    expect_kind(value, Kind::string, "/version", diag);
  }
  return std::nullopt;
}

Policy translate_document(const Json& root, Dialect dialect, const ToolTranslator& translate_tool,
                        CounterBook& counters, Diagnostics& diag) {
  Policy policy;
  policy.dialect = dialect;
  if (!expect_kind(root, Kind::object, "", diag)) return policy;
  check_keys(root, "", {"version", "description", "default", "hide", "tools"}, diag);
  if (const Json* version = member(root, "version", "", diag, true)) {
    policy.version = parse_version(*version, dialect, diag).value_or("1");
  }
  policy.description = string_member(root, "description", "", diag).value_or("");
  if (const Json* default_value = member(root, "default", "", diag)) {
    policy.default_declared = true;
    policy.default_action =
        parse_choice<DefaultAction>(
            *default_value, "default", "/default",
            {{"allow", DefaultAction::allow}, {"deny", DefaultAction::deny}}, diag)
            .value_or(DefaultAction::allow);
  }
  const Json* hide = member(root, "hide", "", diag);
  if (hide != nullptr) policy.hide = parse_hide(*hide, "/hide", diag);
  if (const Json* tools = member(root, "tools", "", diag, true);
      tools != nullptr && expect_kind(*tools, Kind::object, "/tools", diag)) {
    for (const auto& [name, entry] : tools->items()) {
      std::string pointer = pointer_append("/tools", name);
      if (name.empty()) {
        diag.add(error_id::kEmptyName, pointer, "name must not be empty");
        continue;
      }
      ToolRules rules = translate_tool(name, entry, pointer);
      if (name == "*") {
        policy.wildcard = std::move(rules);
      } else {
        policy.tools.emplace(name, std::move(rules));
      }
    }
  }
  if (hide != nullptr) check_hidden_not_allowed(*hide, policy, diag);
  counters.check_references(dialect, diag);
  policy.counters = counters.specs();
  return policy;
}

}  // namespace gatecrash::policy::detail
