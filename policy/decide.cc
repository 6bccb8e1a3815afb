// policy/decide.cc — the evaluation order, argument and state conditions, and atomic charging.
#include "policy/decide.h"

#include <optional>

#include "policy/conditions.h"

namespace gatecrash::policy {
namespace {

std::string json_quoted(std::string_view text) {
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

const std::string& scope_key(Scope scope, const Call& call) {
  static const std::string kEveryone;
  switch (scope) {
    case Scope::grant:
      return call.identity;
    case Scope::session:
      return call.session;
    case Scope::global:
      break;
  }
  return kEveryone;
}

Decision refusal(Verdict verdict, std::string_view rule, std::string reason) {
  Decision decision;
  decision.verdict = verdict;
  decision.rule = std::string(rule);
  decision.reason = std::move(reason);
  return decision;
}

std::chrono::milliseconds round_up_to_ms(std::chrono::nanoseconds duration) {
  return std::chrono::ceil<std::chrono::milliseconds>(duration);
}

// All the limits of one call on one counter key, summed: two limits on the same counter (say a
// tool limit and a "*" limit) charge it twice, and must fit together.
struct ChargeGroup {
  CounterKey key;
  Window window;
  std::int64_t max = 0;
  std::int64_t amount = 0;
  std::vector<const Limit*> limits;
};

class Evaluation {
 public:
  Evaluation(const Policy& policy, const Call& call, Counters& counters, TimePoint now)
      : policy_(policy), call_(call), counters_(counters), now_(now) {}

  Decision run() {
    if (is_hidden(policy_, call_.tool)) {
      return refusal(Verdict::unknown_tool, kRuleHide, "unknown tool " + json_quoted(call_.tool));
    }
    auto entry = policy_.tools.find(call_.tool);
    const bool listed = entry != policy_.tools.end();
    if (!listed && policy_.default_action == DefaultAction::deny) {
      return refusal(Verdict::deny, kRuleDefault,
                     "tool " + json_quoted(call_.tool) + " is not permitted by policy");
    }
    if (listed) applicable_.push_back(&entry->second);
    if (policy_.wildcard) applicable_.push_back(&*policy_.wildcard);

    const ToolRules* approval = nullptr;
    for (const ToolRules* rules : applicable_) {
      if (rules->action == ToolAction::deny) {
        return refusal(
            Verdict::deny, rules->action_rule,
            or_generated(rules->reason, "tool " + json_quoted(call_.tool) + " is denied"));
      }
      if (rules->action == ToolAction::approve && approval == nullptr && !call_.approved) {
        approval = rules;
      }
    }
    if (call_.arguments.is_null()) {
      arguments_ = &empty_arguments_;
    } else if (call_.arguments.is_object()) {
      arguments_ = &call_.arguments;
    } else {
      return refusal(Verdict::invalid_arguments, kRuleArguments, "arguments must be an object");
    }
    for (const ToolRules* rules : applicable_) {
      for (const Condition& condition : rules->conditions) {
        if (auto failure = check(condition)) return *failure;
      }
    }
    if (auto refused = reserve()) return *refused;
    if (approval != nullptr) {
      return refusal(
          Verdict::approval_required, approval->action_rule,
          or_generated(approval->reason, "tool " + json_quoted(call_.tool) + " requires approval"));
    }
    return commit(listed ? "tools." + call_.tool : std::string(kRuleDefault));
  }

 private:
  static std::string or_generated(const std::string& reason, std::string generated) {
    return reason.empty() ? generated : reason;
  }

  std::optional<Decision> check(const Condition& condition) {
    if (const auto* state = std::get_if<StatePath>(&condition.path)) {
      auto spec = policy_.counters.find(state->counter);
      if (spec == policy_.counters.end()) {  // the loader refuses this; fail closed regardless
        return refusal(Verdict::deny, condition.rule,
                       "unknown counter " + json_quoted(state->counter));
      }
      CounterKey key{state->counter, spec->second.scope, scope_key(spec->second.scope, call_)};
      const Json value = counters_.current(key, spec->second.window, now_);
      if (auto failure = failed_condition(condition, &value)) {
        return refusal(Verdict::deny, condition.rule, or_generated(condition.reason, *failure));
      }
      return std::nullopt;
    }
    const Json* actual = find_argument(*arguments_, std::get<ArgsPath>(condition.path));
    if (auto failure = failed_condition(condition, actual)) {
      return refusal(Verdict::invalid_arguments, condition.rule,
                     or_generated(condition.reason, *failure));
    }
    return std::nullopt;
  }

  // Units a limit charges for this call, or a refusal when increment_from cannot be used.
  std::optional<Decision> amount_of(const Limit& limit, std::int64_t& amount) {
    if (!limit.increment_from) {
      amount = limit.increment;
      return std::nullopt;
    }
    std::string path = "args";
    for (const auto& key : limit.increment_from->keys) path += "." + key;
    const Json* value = find_argument(*arguments_, *limit.increment_from);
    if (value == nullptr) {
      return refusal(Verdict::invalid_arguments, limit.rule,
                     path + " is missing (the limit's increment_from)");
    }
    if (value->is_number_unsigned() && value->get<std::uint64_t>() <= INT64_MAX) {
      amount = static_cast<std::int64_t>(value->get<std::uint64_t>());
      return std::nullopt;
    }
    if (value->is_number_integer() && !value->is_number_unsigned() &&
        value->get<std::int64_t>() >= 0) {
      amount = value->get<std::int64_t>();
      return std::nullopt;
    }
    return refusal(Verdict::invalid_arguments, limit.rule,
                   path + " must be an integer >= 0 (the limit's increment_from)");
  }

  // Checks every applicable limit; on success the groups are ready to charge.
  std::optional<Decision> reserve() {
    for (const ToolRules* rules : applicable_) {
      for (const Limit& limit : rules->limits) {
        std::int64_t amount = 0;
        if (auto refused = amount_of(limit, amount)) return refused;
        ChargeGroup& group = group_for(limit);
        if (amount > group.max - group.amount) {  // more than max in one call, never admissible
          return never_fits(limit, group.amount + amount);
        }
        group.amount += amount;
        group.limits.push_back(&limit);
      }
    }
    std::optional<Decision> binding;
    std::chrono::nanoseconds longest_wait{-1};
    for (const ChargeGroup& group : groups_) {
      Admission admission = counters_.check(group.key, group.window, group.max, group.amount, now_);
      if (admission.never) return never_fits(*group.limits.front(), group.amount);
      if (admission.fits || admission.retry_after <= longest_wait) continue;
      longest_wait = admission.retry_after;
      const Limit& limit = *group.limits.front();
      binding = refusal(
          Verdict::rate_limited, limit.rule,
          or_generated(limit.reason, "rate limit reached: counter " + json_quoted(limit.counter) +
                                         " allows " + std::to_string(limit.max) + " per " +
                                         window_name(limit.window.length) + " (" +
                                         std::string(to_string(limit.window.mode)) + ", scope " +
                                         std::string(to_string(limit.scope)) + ")"));
      binding->retry_after = round_up_to_ms(admission.retry_after);
    }
    return binding;
  }

  Decision never_fits(const Limit& limit, std::int64_t amount) {
    return refusal(
        Verdict::deny, limit.rule,
        or_generated(limit.reason, "call needs " + std::to_string(amount) + " units but counter " +
                                       json_quoted(limit.counter) + " allows at most " +
                                       std::to_string(limit.max) + " per " +
                                       window_name(limit.window.length)));
  }

  ChargeGroup& group_for(const Limit& limit) {
    CounterKey key{limit.counter, limit.scope, scope_key(limit.scope, call_)};
    for (ChargeGroup& group : groups_) {
      if (group.key.counter == key.counter && group.key.scope == key.scope) return group;
    }
    groups_.push_back(ChargeGroup{std::move(key), limit.window, limit.max, 0, {}});
    return groups_.back();
  }

  Decision commit(std::string rule) {
    Decision decision;
    decision.verdict = Verdict::allow;
    decision.rule = std::move(rule);
    for (const ChargeGroup& group : groups_) {
      const std::int64_t value = counters_.charge(group.key, group.window, group.amount, now_);
      for (const Limit* limit : group.limits) {
        decision.charges.push_back(Charge{limit->rule, limit->counter, limit->scope,
                                          group.key.scope_key, group.amount, value, limit->max});
      }
    }
    return decision;
  }

  const Policy& policy_;
  const Call& call_;
  Counters& counters_;
  TimePoint now_;
  std::vector<const ToolRules*> applicable_;
  std::vector<ChargeGroup> groups_;
  const Json empty_arguments_ = Json::object();
  const Json* arguments_ = nullptr;
};

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::allow:
      return "allow";
    case Verdict::deny:
      return "deny";
    case Verdict::rate_limited:
      return "rate_limited";
    case Verdict::approval_required:
      return "approval_required";
    case Verdict::invalid_arguments:
      return "invalid_arguments";
    case Verdict::unknown_tool:
      return "unknown_tool";
  }
  return "deny";
}

Decision decide(const Policy& policy, const Call& call, Counters& counters,
                TimePoint now) noexcept {
  try {
    return Evaluation(policy, call, counters, now).run();
  } catch (...) {
    return refusal(Verdict::deny, kRuleEvaluator, "internal policy error");
  }
}

}  // namespace gatecrash::policy
