// policy/load_native.cc — the native JSON dialect (PolicyLayer-style, extended) into the model.
#include "policy/load_common.h"
#include "policy/load_translate.h"

namespace gatecrash::policy::detail {
namespace {

class NativeTranslator {
 public:
  explicit NativeTranslator(Diagnostics& diag) : diag_(diag) {}

  Policy translate(const Json& root) {
    return translate_document(
        root, Dialect::native,
        [this](const std::string& name, const Json& entry, const std::string& pointer) {
          return translate_tool(name, entry, pointer);
        },
        counters_, diag_);
  }

 private:
  ToolRules translate_tool(const std::string& name, const Json& entry, const std::string& pointer) {
    ToolRules rules;
    if (!expect_kind(entry, Kind::object, pointer, diag_)) return rules;
    check_keys(entry, pointer, {"action", "reason", "limits", "rate_limit", "args"}, diag_);
    const std::string rule_prefix = "tools." + name;
    if (const Json* action = member(entry, "action", pointer, diag_)) {
      rules.action = parse_choice<ToolAction>(*action, "action", pointer_append(pointer, "action"),
                                              {{"allow", ToolAction::allow},
                                               {"deny", ToolAction::deny},
                                               {"approve", ToolAction::approve}},
                                              diag_)
                         .value_or(ToolAction::deny);  // a typo never opens anything up
      if (rules.action != ToolAction::allow) rules.action_rule = rule_prefix + ".action";
    }
    rules.reason = string_member(entry, "reason", pointer, diag_).value_or("");

    std::vector<std::string> limit_pointers;
    if (const Json* limits = member(entry, "limits", pointer, diag_);
        limits != nullptr &&
        expect_kind(*limits, Kind::array, pointer_append(pointer, "limits"), diag_)) {
      for (std::size_t i = 0; i < limits->size(); ++i) {
        std::string limit_pointer = pointer_append(pointer_append(pointer, "limits"), i);
        auto limit = translate_limit((*limits)[i], limit_pointer);
        if (!limit) continue;
        limit->rule = rule_prefix + ".limits[" + std::to_string(i) + "]";
        counters_.define(*limit, limit_pointer, diag_);
        rules.limits.push_back(std::move(*limit));
        limit_pointers.push_back(limit_pointer);
      }
    }
    if (const Json* rate_limit = member(entry, "rate_limit", pointer, diag_)) {
      std::string limit_pointer = pointer_append(pointer, "rate_limit");
      if (auto limit = translate_rate_limit(name, *rate_limit, limit_pointer)) {
        limit->rule = rule_prefix + ".rate_limit";
        counters_.define(*limit, limit_pointer, diag_);
        rules.limits.push_back(std::move(*limit));
        limit_pointers.push_back(limit_pointer);
      }
    }
    check_counters_unique(rules, limit_pointers, diag_);

    if (const Json* args = member(entry, "args", pointer, diag_);
        args != nullptr &&
        expect_kind(*args, Kind::array, pointer_append(pointer, "args"), diag_)) {
      for (std::size_t i = 0; i < args->size(); ++i) {
        std::string condition_pointer = pointer_append(pointer_append(pointer, "args"), i);
        auto condition =
            parse_condition((*args)[i], Dialect::native, condition_pointer, regexes_, diag_);
        if (!condition) continue;
        condition->rule = rule_prefix + ".args[" + std::to_string(i) + "]";
        if (const auto* state = std::get_if<StatePath>(&condition->path)) {
          counters_.reference(*state, pointer_append(condition_pointer, "path"));
        }
        rules.conditions.push_back(std::move(*condition));
      }
    }
    return rules;
  }

  std::optional<Limit> translate_limit(const Json& object, const std::string& pointer) {
    if (!expect_kind(object, Kind::object, pointer, diag_)) return std::nullopt;
    check_keys(object, pointer,
               {"counter", "window", "max", "scope", "window_mode", "increment", "increment_from",
                "reason"},
               diag_);
    const std::size_t errors_before = diag_.size();
    Limit limit;
    if (auto counter = string_member(object, "counter", pointer, diag_, true)) {
      if (counter->empty()) {
        diag_.add(error_id::kEmptyName, pointer_append(pointer, "counter"),
                  "name must not be empty");
      }
      limit.counter = *counter;
    }
    read_window_and_max(object, pointer, limit);
    if (const Json* scope = member(object, "scope", pointer, diag_)) {
      limit.scope =
          parse_choice<Scope>(
              *scope, "scope", pointer_append(pointer, "scope"),
              {{"grant", Scope::grant}, {"session", Scope::session}, {"global", Scope::global}},
              diag_)
              .value_or(Scope::grant);
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
    limit.reason = string_member(object, "reason", pointer, diag_).value_or("");
    if (diag_.size() != errors_before) return std::nullopt;
    return limit;
  }

  // `rate_limit: {max, window[, window_mode]}`: one limit on counter `<tool>`, scope session.
  std::optional<Limit> translate_rate_limit(const std::string& tool, const Json& object,
                                            const std::string& pointer) {
    if (!expect_kind(object, Kind::object, pointer, diag_)) return std::nullopt;
    check_keys(object, pointer, {"max", "window", "window_mode"}, diag_);
    const std::size_t errors_before = diag_.size();
    Limit limit;
    limit.counter = tool;
    limit.scope = Scope::session;
    read_window_and_max(object, pointer, limit);
    if (diag_.size() != errors_before) return std::nullopt;
    return limit;
  }

  void read_window_and_max(const Json& object, const std::string& pointer, Limit& limit) {
    if (const Json* window = member(object, "window", pointer, diag_, true)) {
      limit.window.length =
          parse_window(*window, Dialect::native, pointer_append(pointer, "window"), diag_)
              .value_or(std::chrono::seconds(60));
    }
    if (const Json* mode = member(object, "window_mode", pointer, diag_)) {
      limit.window.mode =
          parse_choice<WindowMode>(*mode, "window_mode", pointer_append(pointer, "window_mode"),
                                   {{"sliding", WindowMode::sliding}, {"fixed", WindowMode::fixed}},
                                   diag_)
              .value_or(WindowMode::sliding);
    }
    if (const Json* max = member(object, "max", pointer, diag_, true)) {
      limit.max = parse_max(*max, pointer_append(pointer, "max"), diag_).value_or(0);
    }
  }

  Diagnostics& diag_;
  CounterBook counters_;
  RegexBook regexes_;
};

}  // namespace

Policy translate_native(const Json& root, Diagnostics& diag) {
  return NativeTranslator(diag).translate(root);
}

}  // namespace gatecrash::policy::detail
