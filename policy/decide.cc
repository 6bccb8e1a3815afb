// policy/decide.cc — the evaluation order, argument and state conditions, and atomic charging.
#include "policy/decide.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>

#include "policy/conditions.h"

namespace gatecrash::policy {
namespace {

// `text` as a JSON string, for messages. Printable ASCII other than `"` and `\` stands for itself,
// which covers real tool and counter names without building a JSON value; anything else goes
// through nlohmann::json, which escapes control characters and replaces invalid UTF-8.
std::string json_quoted(std::string_view text) {
  const bool verbatim = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!verbatim) return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted += '"';
  quoted += text;
  quoted += '"';
  return quoted;
}

// The parts joined, with one allocation: a message is built on every refused call.
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

// The policy's own reason when it gave one, else the generated message (only then built).
template <typename Generate>
std::string reason_or(const std::string& reason, Generate generate) {
  return reason.empty() ? generate() : reason;
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

// What a null `arguments` counts as. Built once: decide() is on every call's path.
const Json& empty_arguments() {
  static const Json kEmpty = Json::object();
  return kEmpty;
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
// tool limit and a "*" limit) charge it twice, and must fit together. The limits themselves are
// those of the call's entries for which `charges()` holds, `first` the earliest of them.
struct ChargeGroup {
  CounterKeyView key;  // views the limit's counter and the call's identity or session
  Window window;
  std::int64_t max = 0;
  std::int64_t amount = 0;
  const Limit* first = nullptr;
  bool charges(const Limit& limit) const {
    return limit.counter == key.counter && limit.scope == key.scope;
  }
};

class Evaluation {
 public:
  Evaluation(const Policy& policy, const Call& call, Counters& counters, TimePoint now)
      : policy_(policy), call_(call), counters_(counters), now_(now) {}

  Decision run() {
    if (is_hidden(policy_, call_.tool)) {
      return refusal(Verdict::unknown_tool, kRuleHide, concat("unknown tool ", quoted_tool()));
    }
    auto entry = policy_.tools.find(call_.tool);
    const bool listed = entry != policy_.tools.end();
    if (!listed && policy_.default_action == DefaultAction::deny) {
      return refusal(Verdict::deny, kRuleDefault,
                     concat("tool ", quoted_tool(), " is not permitted by policy"));
    }
    if (listed) applicable_[applicable_count_++] = &entry->second;
    if (policy_.wildcard) applicable_[applicable_count_++] = &*policy_.wildcard;

    const ToolRules* approval = nullptr;
    for (const ToolRules* rules : applicable()) {
      if (rules->action == ToolAction::deny) {
        return refusal(Verdict::deny, rules->action_rule, reason_or(rules->reason, [&] {
                         return concat("tool ", quoted_tool(), " is denied");
                       }));
      }
      if (rules->action == ToolAction::approve && approval == nullptr && !call_.approved) {
        approval = rules;
      }
    }
    if (call_.arguments.is_null()) {
      arguments_ = &empty_arguments();
    } else if (call_.arguments.is_object()) {
      arguments_ = &call_.arguments;
    } else {
      return refusal(Verdict::invalid_arguments, kRuleArguments, "arguments must be an object");
    }
    for (const ToolRules* rules : applicable()) {
      for (const Condition& condition : rules->conditions) {
        if (auto failure = check(condition)) return std::move(*failure);
      }
    }
    if (auto refused = reserve()) return std::move(*refused);
    if (approval != nullptr) {
      return refusal(Verdict::approval_required, approval->action_rule,
                     reason_or(approval->reason, [&] {
                       return concat("tool ", quoted_tool(), " requires approval");
                     }));
    }
    return commit(listed ? concat("tools.", call_.tool) : std::string(kRuleDefault));
  }

 private:
  // The entries that apply, in order: the tool's own (when listed), then "*".
  std::span<const ToolRules* const> applicable() const {
    return {applicable_.data(), applicable_count_};
  }
  std::string quoted_tool() const { return json_quoted(call_.tool); }

  std::optional<Decision> check(const Condition& condition) {
    if (const auto* state = std::get_if<StatePath>(&condition.path)) {
      auto spec = policy_.counters.find(state->counter);
      if (spec == policy_.counters.end()) {  // the loader refuses this; fail closed regardless
        return refusal(Verdict::deny, condition.rule,
                       concat("unknown counter ", json_quoted(state->counter)));
      }
      const CounterKeyView key(state->counter, spec->second.scope,
                               scope_key(spec->second.scope, call_));
      const Json value = counters_.current(key, spec->second.window, now_);
      if (auto failure = failed_condition(condition, &value)) {
        return refusal(Verdict::deny, condition.rule,
                       reason_or(condition.reason, [&] { return std::move(*failure); }));
      }
      return std::nullopt;
    }
    const Json* actual = find_argument(*arguments_, std::get<ArgsPath>(condition.path));
    if (auto failure = failed_condition(condition, actual)) {
      return refusal(Verdict::invalid_arguments, condition.rule,
                     reason_or(condition.reason, [&] { return std::move(*failure); }));
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
    make_room_for_groups(limit_count());
    for (const ToolRules* rules : applicable()) {
      for (const Limit& limit : rules->limits) {
        std::int64_t amount = 0;
        if (auto refused = amount_of(limit, amount)) return refused;
        ChargeGroup& group = group_for(limit);
        if (amount > group.max - group.amount) {  // more than max in one call, never admissible
          return never_fits(limit, group.amount + amount);
        }
        group.amount += amount;
      }
    }
    // The refusal names the group that must wait longest (the first of equals); its message is
    // built once that group is known.
    const Limit* binding = nullptr;
    std::chrono::nanoseconds longest_wait{-1};
    for (const ChargeGroup& group : groups()) {
      Admission admission = counters_.check(group.key, group.window, group.max, group.amount, now_);
      if (admission.never) return never_fits(*group.first, group.amount);
      if (admission.fits || admission.retry_after <= longest_wait) continue;
      longest_wait = admission.retry_after;
      binding = group.first;
    }
    if (binding == nullptr) return std::nullopt;
    const Limit& limit = *binding;
    Decision refused = refusal(
        Verdict::rate_limited, limit.rule, reason_or(limit.reason, [&] {
          return concat("rate limit reached: counter ", json_quoted(limit.counter), " allows ",
                        std::to_string(limit.max), " per ", window_name(limit.window.length), " (",
                        to_string(limit.window.mode), ", scope ", to_string(limit.scope), ")");
        }));
    refused.retry_after = round_up_to_ms(longest_wait);
    return refused;
  }

  Decision never_fits(const Limit& limit, std::int64_t amount) {
    return refusal(Verdict::deny, limit.rule, reason_or(limit.reason, [&] {
                     return concat("call needs ", std::to_string(amount), " units but counter ",
                                   json_quoted(limit.counter), " allows at most ",
                                   std::to_string(limit.max), " per ",
                                   window_name(limit.window.length));
                   }));
  }

  std::size_t limit_count() const {
    std::size_t count = 0;
    for (const ToolRules* rules : applicable()) count += rules->limits.size();
    return count;
  }

  // At most one group per limit: the groups live inline for the few limits nearly every call has,
  // and on the heap beyond that. Called once, before the first group_for().
  void make_room_for_groups(std::size_t limits) {
    if (limits <= inline_groups_.size()) {
      group_storage_ = inline_groups_;
    } else {
      heap_groups_.resize(limits);
      group_storage_ = heap_groups_;
    }
  }
  std::span<const ChargeGroup> groups() const { return group_storage_.first(group_count_); }

  ChargeGroup& group_for(const Limit& limit) {
    for (ChargeGroup& group : group_storage_.first(group_count_)) {
      if (group.charges(limit)) return group;
    }
    ChargeGroup& added = group_storage_[group_count_++];
    added = ChargeGroup{CounterKeyView(limit.counter, limit.scope, scope_key(limit.scope, call_)),
                        limit.window, limit.max, 0, &limit};
    return added;
  }

  // Charges every group; the decision lists each group's limits in the entries' order.
  Decision commit(std::string rule) {
    Decision decision;
    decision.verdict = Verdict::allow;
    decision.rule = std::move(rule);
    decision.charges.reserve(limit_count());
    for (const ChargeGroup& group : groups()) {
      const std::int64_t value = counters_.charge(group.key, group.window, group.amount, now_);
      for (const ToolRules* rules : applicable()) {
        for (const Limit& limit : rules->limits) {
          if (!group.charges(limit)) continue;
          decision.charges.push_back(Charge{limit.rule, limit.counter, limit.scope,
                                            std::string(group.key.scope_key), group.amount, value,
                                            limit.max});
        }
      }
    }
    return decision;
  }

  const Policy& policy_;
  const Call& call_;
  Counters& counters_;
  TimePoint now_;
  std::array<const ToolRules*, 2> applicable_{};  // see applicable()
  std::size_t applicable_count_ = 0;
  std::array<ChargeGroup, 4> inline_groups_;
  std::vector<ChargeGroup> heap_groups_;
  std::span<ChargeGroup> group_storage_;  // one of the two above, see make_room_for_groups()
  std::size_t group_count_ = 0;
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
