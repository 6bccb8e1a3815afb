// policy/load_intercept.cc — the Intercept-style YAML dialect (PolicyLayer's proxy) into the model.
//
// Intercept counters are global and namespaced by tool: a `state: {counter: n}` block under tool
// `t` is the model counter "t.n" ("_global.n" under "*"), read by conditions as `state.t.n`. The
// cap Intercept derives from a rule's own `lt`/`lte` condition on that counter becomes the limit's
// max (lte N -> N, lt N -> N-1) and leaves the condition list; `rate_limit: N/w` becomes a limit
// on "t._rate_w". Windows are calendar-aligned (fixed), as Intercept implements them.
#include <charconv>

#include "policy/load_common.h"
#include "policy/load_translate.h"

namespace gatecrash::policy::detail {
namespace {

std::string counter_namespace(const std::string& tool) { return tool == "*" ? "_global" : tool; }

class InterceptTranslator {
 public:
  explicit InterceptTranslator(Diagnostics& diag) : diag_(diag) {}

  Policy translate(const Json& root) {
    return translate_document(
        root, Dialect::intercept,
        [this](const std::string& name, const Json& entry, const std::string& pointer) {
          return translate_tool(name, entry, pointer);
        },
        counters_, diag_);
  }

 private:
  ToolRules translate_tool(const std::string& name, const Json& entry, const std::string& pointer) {
    ToolRules rules;
    if (entry.is_null()) return rules;  // `read_file:` with nothing after it
    if (!expect_kind(entry, Kind::object, pointer, diag_)) return rules;
    check_keys(entry, pointer, {"rules"}, diag_);
    const Json* rule_list = member(entry, "rules", pointer, diag_);
    if (rule_list == nullptr || rule_list->is_null()) return rules;
    std::string list_pointer = pointer_append(pointer, "rules");
    if (!expect_kind(*rule_list, Kind::array, list_pointer, diag_)) return rules;
    std::vector<std::string> limit_pointers;
    for (std::size_t i = 0; i < rule_list->size(); ++i) {
      translate_rule(name, i, (*rule_list)[i], pointer_append(list_pointer, i), rules,
                     limit_pointers);
    }
    check_counters_unique(rules, limit_pointers, diag_);
    return rules;
  }

  void translate_rule(const std::string& tool, std::size_t index, const Json& rule,
                      const std::string& pointer, ToolRules& rules,
                      std::vector<std::string>& limit_pointers) {
    if (!expect_kind(rule, Kind::object, pointer, diag_)) return;
    check_keys(rule, pointer, {"name", "action", "rate_limit", "conditions", "on_deny", "state"},
               diag_);
    const Json* name_value = member(rule, "name", pointer, diag_);
    std::string name;
    if (name_value != nullptr &&
        expect_kind(*name_value, Kind::string, pointer_append(pointer, "name"), diag_)) {
      name = name_value->get<std::string>();
    }
    if (name_value == nullptr || (name_value->is_string() && name.empty())) {
      diag_.add(error_id::kRuleWithoutName, pointer, "rule must have a name");
    }
    const std::string rule_id = "tools." + tool + ".rules[" + std::to_string(index) + "]:" + name;
    const std::string reason = string_member(rule, "on_deny", pointer, diag_).value_or("");
    bool deny = false;
    if (const Json* action = member(rule, "action", pointer, diag_)) {
      auto choice = parse_choice<bool>(*action, "action", pointer_append(pointer, "action"),
                                       {{"evaluate", false}, {"deny", true}}, diag_);
      if (!choice) return;  // what the rule means is unknown; checking further only adds noise
      deny = *choice;
    }
    const Json* conditions = member(rule, "conditions", pointer, diag_);
    const Json* state = member(rule, "state", pointer, diag_);
    const bool has_conditions = conditions != nullptr && !conditions->is_null();

    if (const Json* rate_limit = member(rule, "rate_limit", pointer, diag_)) {
      if (has_conditions || state != nullptr) {
        diag_.add(error_id::kRateLimitWithConditions, pointer,
                  "rate_limit cannot be combined with conditions or state");
      }
      if (deny) {
        diag_.add(error_id::kRateLimitWithDeny, pointer,
                  "rate_limit cannot be used with action \"deny\"");
      }
      std::string limit_pointer = pointer_append(pointer, "rate_limit");
      if (auto limit = parse_rate_limit(tool, *rate_limit, limit_pointer)) {
        limit->rule = rule_id;
        limit->reason = reason;
        add_limit(std::move(*limit), limit_pointer, rules, limit_pointers);
      }
      return;
    }
    if (deny) {
      if (has_conditions) {
        diag_.add(error_id::kDenyWithConditions, pointer, "deny rules must not have conditions");
      }
      if (rules.action != ToolAction::deny) {
        rules.action = ToolAction::deny;
        rules.action_rule = rule_id;
        rules.reason = reason;
      }
      return;
    }
    if (!has_conditions) {
      diag_.add(error_id::kEvaluateWithoutConditions, pointer,
                "evaluate rules must have at least one condition");
      return;
    }
    std::string conditions_pointer = pointer_append(pointer, "conditions");
    if (!expect_kind(*conditions, Kind::array, conditions_pointer, diag_)) return;
    std::vector<std::pair<Condition, std::string>> parsed;
    for (std::size_t i = 0; i < conditions->size(); ++i) {
      std::string condition_pointer = pointer_append(conditions_pointer, i);
      auto condition =
          parse_condition((*conditions)[i], Dialect::intercept, condition_pointer, regexes_,
                          diag_);
      if (!condition) continue;
      condition->rule = rule_id;
      condition->reason = reason;
      parsed.emplace_back(std::move(*condition), condition_pointer);
    }
    if (state != nullptr) {
      std::string state_pointer = pointer_append(pointer, "state");
      if (auto limit = parse_state(tool, *state, state_pointer, parsed, pointer)) {
        limit->rule = rule_id;
        limit->reason = reason;
        add_limit(std::move(*limit), state_pointer, rules, limit_pointers);
      }
    }
    for (auto& [condition, condition_pointer] : parsed) {
      if (const auto* path = std::get_if<StatePath>(&condition.path)) {
        counters_.reference(*path, pointer_append(condition_pointer, "path"));
      }
      rules.conditions.push_back(std::move(condition));
    }
  }

  void add_limit(Limit limit, const std::string& pointer, ToolRules& rules,
                 std::vector<std::string>& limit_pointers) {
    counters_.define(limit, pointer, diag_);
    rules.limits.push_back(std::move(limit));
    limit_pointers.push_back(pointer);
  }

  // "N/minute|hour|day" with N a positive integer.
  std::optional<Limit> parse_rate_limit(const std::string& tool, const Json& value,
                                        const std::string& pointer) {
    if (!expect_kind(value, Kind::string, pointer, diag_)) return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    auto slash = text.find('/');
    std::int64_t count = 0;
    std::optional<std::chrono::seconds> length;
    if (slash != std::string::npos && slash > 0) {
      auto [end, ec] = std::from_chars(text.data(), text.data() + slash, count);
      std::string window = text.substr(slash + 1);
      if (ec == std::errc() && end == text.data() + slash && count > 0) {
        Diagnostics ignored;
        length = parse_window(Json(window), Dialect::intercept, pointer, ignored);
      }
    }
    if (!length) {
      diag_.add(error_id::kBadRateLimit, pointer,
                "rate_limit must be \"N/minute\", \"N/hour\" or \"N/day\" with N a positive "
                "integer, got " +
                    render(value));
      return std::nullopt;
    }
    Limit limit;
    limit.counter = counter_namespace(tool) + "._rate_" + text.substr(slash + 1);
    limit.scope = Scope::global;
    limit.window = Window{*length, WindowMode::fixed};
    limit.max = count;
    return limit;
  }

  // `state: {counter, window, increment | increment_from}` plus the cap taken from the rule's
  // first lt/lte condition on that counter (removed from `conditions`).
  std::optional<Limit> parse_state(const std::string& tool, const Json& object,
                                   const std::string& pointer,
                                   std::vector<std::pair<Condition, std::string>>& conditions,
                                   const std::string& rule_pointer) {
    if (!expect_kind(object, Kind::object, pointer, diag_)) return std::nullopt;
    check_keys(object, pointer, {"counter", "window", "increment", "increment_from"}, diag_);
    const std::size_t errors_before = diag_.size();
    Limit limit;
    limit.scope = Scope::global;
    limit.window.mode = WindowMode::fixed;
    auto counter = string_member(object, "counter", pointer, diag_, true);
    if (counter && counter->empty()) {
      diag_.add(error_id::kEmptyName, pointer_append(pointer, "counter"), "name must not be empty");
    }
    if (const Json* window = member(object, "window", pointer, diag_, true)) {
      limit.window.length =
          parse_window(*window, Dialect::intercept, pointer_append(pointer, "window"), diag_)
              .value_or(std::chrono::seconds(60));
    }
    const Json* increment = member(object, "increment", pointer, diag_);
    const Json* increment_from = member(object, "increment_from", pointer, diag_);
    if (increment != nullptr && increment_from != nullptr) {
      diag_.add(error_id::kIncrementConflict, pointer,
                "increment and increment_from are mutually exclusive");
    } else if (increment != nullptr) {
      limit.increment =
          parse_increment(*increment, pointer_append(pointer, "increment"), diag_).value_or(1);
    } else if (increment_from != nullptr) {
      limit.increment_from =
          parse_increment_from(*increment_from, pointer_append(pointer, "increment_from"), diag_);
    }
    if (!counter || counter->empty()) return std::nullopt;
    limit.counter = counter_namespace(tool) + "." + *counter;
    if (diag_.size() != errors_before) {
      counters_.declare_refused(limit.counter);
      return std::nullopt;
    }

    for (auto it = conditions.begin(); it != conditions.end(); ++it) {
      const auto* path = std::get_if<StatePath>(&it->first.path);
      if (path == nullptr || path->counter != limit.counter) continue;
      if (it->first.op != Op::lt && it->first.op != Op::lte) continue;
      std::string value_pointer = pointer_append(it->second, "value");
      auto cap = parse_max(it->first.value, value_pointer, diag_);
      if (!cap) {
        counters_.declare_refused(limit.counter);
        return std::nullopt;
      }
      if (it->first.op == Op::lt) {
        if (*cap == 0) {
          diag_.add(error_id::kBadMax, value_pointer, "max must be an integer >= 0, got -1");
          counters_.declare_refused(limit.counter);
          return std::nullopt;
        }
        --*cap;
      }
      limit.max = *cap;
      conditions.erase(it);
      return limit;
    }
    counters_.declare_refused(limit.counter);
    diag_.add(error_id::kCounterWithoutCap, rule_pointer,
              "state counter " + render(Json(*counter)) + " has no cap: add a condition on state." +
                  limit.counter + " with op lt or lte");
    return std::nullopt;
  }

  Diagnostics& diag_;
  CounterBook counters_;
  RegexBook regexes_;
};

}  // namespace

Policy translate_intercept(const Json& root, Diagnostics& diag) {
  return InterceptTranslator(diag).translate(root);
}

}  // namespace gatecrash::policy::detail
