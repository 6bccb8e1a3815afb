// policy/decide.h — the evaluator: one tools/call against a policy and its counters -> a Decision.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/counters.h"
#include "policy/model.h"

namespace gatecrash::policy {

enum class Verdict {
  allow,
  deny,               // the policy refuses the tool, or evaluation failed (fails closed)
  rate_limited,       // a limit is full; retry_after says when it would admit the call
  approval_required,  // allowed only once a person accepts; nothing charged yet
  invalid_arguments,  // an argument condition failed, or arguments are unusable
  unknown_tool,       // hidden: the gateway answers exactly as for a tool that does not exist
};
// "allow", "deny", "rate_limited", "approval_required", "invalid_arguments", "unknown_tool":
// the `kind` values of contracts.md §5.
std::string_view to_string(Verdict verdict);

struct Call {
  std::string tool;      // byte-exact, as received
  Json arguments;        // the tools/call `arguments`; null counts as {}, anything else not an
                         // object is refused
  std::string identity;  // the grant-scope key
  std::string session;   // the session-scope key
  // Set when a person accepted this call after approval_required: decide() then charges and
  // allows it (if it still fits). The approval itself is the gateway's business.
  bool approved = false;
};

// One limit charged by an allowed call.
struct Charge {
  std::string rule;
  std::string counter;
  Scope scope = Scope::global;
  std::string scope_key;
  std::int64_t amount = 0;  // units this call added (after summing limits on the same counter)
  std::int64_t value = 0;   // the counter's value once charged
  std::int64_t max = 0;
};

struct Decision {
  Verdict verdict = Verdict::deny;
  std::string rule;    // the rule id that decided, e.g. "tools.track_task.limits[0]", "default"
  std::string reason;  // the policy's own reason, or a generated one naming the rule's check
  std::chrono::milliseconds retry_after{0};  // rate_limited only; rounded up
  std::vector<Charge> charges;               // allow only: every limit charged
  bool allowed() const { return verdict == Verdict::allow; }
};

// Rule ids decide() uses besides those in the policy.
inline constexpr std::string_view kRuleArguments = "arguments";  // arguments not an object
inline constexpr std::string_view kRuleEvaluator = "evaluator";  // internal failure

// Decides one call at `now`, in the order of docs/policy.md: hidden -> unlisted under default
// deny -> tool action, then "*" action -> argument conditions (tool, then "*") -> limits (tool,
// then "*"). On allow, every applicable limit is charged at once; if any is full, none is
// (rate_limited, retry_after = the time until all of them would admit the call). There is no
// refund. Never throws; anything unexpected denies. Reads no clock.
Decision decide(const Policy& policy, const Call& call, Counters& counters, TimePoint now) noexcept;

}  // namespace gatecrash::policy
