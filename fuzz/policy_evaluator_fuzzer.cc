// fuzz/policy_evaluator_fuzzer.cc — policy::decide and policy::Counters against a small reference.
//
// The input is a structured case, read byte by byte (missing bytes read as 0):
//   flags        bit 0 default deny; bits 1-2 tools - 1 (mod 3); bit 3 wildcard entry; bits 4-5
//                hide: none, "d", tool (bits 6-7) if it is denied, "*" if every tool is denied
//   counters     3 x 3 bytes: scope + 3 * fixed (grant/session/global, sliding/fixed),
//                window - 1 in seconds (mod 120), max - 1 (mod 5)
//   rules        a byte per tool a, b, c, then one for "*" if present: bits 0-2 action (6 approve,
//                7 deny, else allow), bits 3-5 which counters it limits, bits 6-7 increment 1,1,2,0
//   start        2 bytes, big-endian: milliseconds after a whole minute
//   steps        up to 32; a byte < 0xC0 is a call: bits 0-1 tool a-d (d is never listed), bit 2
//                identity, bits 3-4 session (mod 3), bit 5 approved; a byte >= 0xC0 advances time
//                by kind (bits 0-2) and an argument byte: 1 ns, arg ms, arg s, arg x 10 ms, to the
//                next fixed-window boundary of counter arg % 3, 1 ns before it, one window length
//                of that counter, or 1 ns less.
// Properties:
//   - every verdict (and retry_after) agrees with `Reference` below, a few dozen lines that know
//     only the documented order: hidden -> unlisted under default deny -> deny -> limits ->
//     approve;
//   - independently, from the charges decide() reports: no counter key ever admits more than its
//     max in any window of its semantics (sliding: any interval of length L; fixed: each calendar
//     bucket [k*L, (k+1)*L)), and each charge's value is what that window holds.
//
// Speed: a case makes up to 32 decide() calls, so the code around them is kept cheap and out of
// coverage. Only the case decoding (read_case, read_rules, advance) is instrumented, because its
// branches tell the fuzzer which case shapes it has reached. The calls are built once per process;
// the reference and the ledger keep each counter key's history in fixed arrays (nothing on the
// heap, and no check scans another key's entries).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/counters.h"
#include "policy/decide.h"
#include "fuzz/fuzz_support.h"

using namespace gatecrash::policy;
using std::chrono::nanoseconds;

namespace {

// The harness around decide() is not code under test (NOT_UNDER_TEST, fuzz_support.h). Where
// they can, its functions use plain arrays and integers: in this sanitizer build small library
// helpers (std::array::operator[], std::string_view::compare, ...) are not inlined and stay
// instrumented, so each call to one adds back what the attribute left out.
using gatecrash::fuzzing::ByteReader;
using gatecrash::fuzzing::require;

constexpr int kCounterCount = 3;
constexpr std::size_t kMaxSteps = 32;
constexpr std::size_t kMaxListed = 3;  // tools a-c; d is never listed
constexpr std::size_t kToolCount = 4;
constexpr std::size_t kIdentityCount = 2;
constexpr std::size_t kSessionCount = 3;
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::string_view kToolNames[kToolCount] = {"a", "b", "c", "d"};
constexpr std::string_view kIdentities[kIdentityCount] = {"alice", "bob"};
constexpr std::string_view kSessions[kSessionCount] = {"s1", "s2", "s3"};
constexpr std::string_view kCounterNames[kCounterCount] = {"c0", "c1", "c2"};

// ---- The case, as plain data both evaluators read ----

struct CaseCounter {
  Scope scope = Scope::grant;
  bool sliding = true;
  std::int64_t length_ns = kSecond;
  std::int64_t max = 1;
};

struct CaseRules {
  ToolAction action = ToolAction::allow;
  // Which counters it limits, in counter order; each at most once (the loader refuses a counter
  // twice in one tool).
  bool limits[kCounterCount] = {};
  std::int64_t increment = 1;
};

struct Case {
  bool default_deny = false;
  // What the policy hides: nothing, kToolNames[hidden_tool], or every tool ("*").
  enum class Hide { none, one, all } hide = Hide::none;
  std::size_t hidden_tool = 0;
  CaseCounter counters[kCounterCount];
  CaseRules tools[kMaxListed];  // tools[i] is kToolNames[i], for i < tool_count
  std::size_t tool_count = 1;
  bool has_wildcard = false;
  CaseRules wildcard;
};

CaseRules read_rules(std::uint8_t rule) {
  static constexpr std::int64_t kIncrements[] = {1, 1, 2, 0};
  CaseRules rules;
  rules.action = (rule & 7) == 7   ? ToolAction::deny
                 : (rule & 7) == 6 ? ToolAction::approve
                                   : ToolAction::allow;
  for (int k = 0; k < kCounterCount; ++k) rules.limits[k] = (rule & (8 << k)) != 0;
  rules.increment = kIncrements[rule >> 6];
  return rules;
}

// Out of line: called from the uninstrumented driver, inlined code would lose its coverage.
[[gnu::noinline]] Case read_case(ByteReader& in) {
  Case c;
  const std::uint8_t flags = in.byte();
  c.default_deny = flags & 1;
  for (CaseCounter& counter : c.counters) {
    const std::uint8_t kind = in.byte();
    counter.scope = static_cast<Scope>(kind % 3);
    counter.sliding = (kind / 3) % 2 == 0;
    counter.length_ns = (1 + in.byte() % 120) * kSecond;
    counter.max = 1 + in.byte() % 5;
  }
  c.tool_count = 1 + ((flags >> 1) & 3) % 3;
  for (std::size_t i = 0; i < c.tool_count; ++i) c.tools[i] = read_rules(in.byte());
  c.has_wildcard = (flags & 8) != 0;
  if (c.has_wildcard) c.wildcard = read_rules(in.byte());
  // Only hides the loader accepts: a hidden tool is unlisted or denied (policy.E202).
  const auto denied = [&](std::size_t i) { return c.tools[i].action == ToolAction::deny; };
  switch ((flags >> 4) & 3) {
    case 1:
      c.hide = Case::Hide::one;
      c.hidden_tool = 3;
      break;
    case 2:
      if (denied((flags >> 6) % c.tool_count)) {
        c.hide = Case::Hide::one;
        c.hidden_tool = (flags >> 6) % c.tool_count;
      }
      break;
    case 3: {
      bool all_denied = true;
      for (std::size_t i = 0; i < c.tool_count; ++i) all_denied = all_denied && denied(i);
      if (all_denied) c.hide = Case::Hide::all;
      break;
    }
    default:
      break;
  }
  return c;
}

NOT_UNDER_TEST ToolRules to_tool_rules(const Case& c, const CaseRules& rules,
                                       const std::string& prefix) {
  ToolRules out;
  out.action = rules.action;
  if (rules.action != ToolAction::allow) out.action_rule = prefix + ".action";
  for (int k = 0; k < kCounterCount; ++k) {
    if (!rules.limits[k]) continue;
    const CaseCounter& counter = c.counters[k];
    Limit limit;
    limit.rule = prefix + ".limits[" + std::to_string(out.limits.size()) + "]";
    limit.counter = kCounterNames[k];
    limit.scope = counter.scope;
    limit.window = Window{std::chrono::seconds(counter.length_ns / kSecond),
                          counter.sliding ? WindowMode::sliding : WindowMode::fixed};
    limit.max = counter.max;
    limit.increment = rules.increment;
    out.limits.push_back(std::move(limit));
  }
  return out;
}

// Every counter a limit charges, with what its limits agree on (as the loader records them).
NOT_UNDER_TEST void add_counters(Policy& policy, const ToolRules& rules) {
  for (const Limit& limit : rules.limits) {
    policy.counters[limit.counter] = CounterSpec{limit.scope, limit.window, limit.max};
  }
}

NOT_UNDER_TEST Policy to_policy(const Case& c) {
  Policy policy;
  policy.default_action = c.default_deny ? DefaultAction::deny : DefaultAction::allow;
  policy.default_declared = true;
  if (c.hide == Case::Hide::one) policy.hide.emplace(kToolNames[c.hidden_tool]);
  if (c.hide == Case::Hide::all) policy.hide.emplace("*");
  for (std::size_t i = 0; i < c.tool_count; ++i) {
    const std::string name(kToolNames[i]);
    policy.tools.emplace(name, to_tool_rules(c, c.tools[i], "tools." + name));
  }
  if (c.has_wildcard) policy.wildcard = to_tool_rules(c, c.wildcard, "tools.*");
  for (const auto& [name, rules] : policy.tools) add_counters(policy, rules);
  if (policy.wildcard) add_counters(policy, *policy.wildcard);
  return policy;
}

// ---- Time ----

// floor(t / length) * length; every time here is after the epoch, so division truncates down.
NOT_UNDER_TEST std::int64_t bucket_start(std::int64_t t, std::int64_t length) {
  return t / length * length;
}

// Out of line, like read_case, so that it stays instrumented.
[[gnu::noinline]] std::int64_t advance(ByteReader& in, std::uint8_t op, const Case& c,
                                       std::int64_t now) {
  const std::uint8_t arg = in.byte();
  const std::int64_t length = c.counters[arg % kCounterCount].length_ns;
  const std::int64_t next_bucket = bucket_start(now, length) + length;
  switch (op & 7) {
    case 0:
      return 1;
    case 1:
      return arg * std::int64_t{1'000'000};
    case 2:
      return arg * kSecond;
    case 3:
      return arg * std::int64_t{10'000'000};
    case 4:
      return next_bucket - now;
    case 5:
      return next_bucket - now - 1;  // >= 0: now < next_bucket
    case 6:
      return length;
    default:
      return length - 1;
  }
}

// ---- The calls ----

struct Step {
  std::size_t tool = 0;
  std::size_t identity = 0;
  std::size_t session = 0;
  bool approved = false;
};

// Every call a step can make, built on first use: a step only picks one.
class CallTable {
 public:
  NOT_UNDER_TEST CallTable() {
    for (std::size_t tool = 0; tool < kToolCount; ++tool) {
      for (std::size_t identity = 0; identity < kIdentityCount; ++identity) {
        for (std::size_t session = 0; session < kSessionCount; ++session) {
          for (const bool approved : {false, true}) {
            calls_[index(Step{tool, identity, session, approved})] =
                Call{std::string(kToolNames[tool]), nullptr, std::string(kIdentities[identity]),
                     std::string(kSessions[session]), approved};
          }
        }
      }
    }
  }
  NOT_UNDER_TEST const Call& operator[](const Step& step) const { return calls_[index(step)]; }

 private:
  NOT_UNDER_TEST static std::size_t index(const Step& step) {
    return ((step.tool * kIdentityCount + step.identity) * kSessionCount + step.session) * 2 +
           (step.approved ? 1 : 0);
  }

  Call calls_[kToolCount * kIdentityCount * kSessionCount * 2];
};

// ---- Charge histories, kept by both checks below ----

// A counter key as an index: the identity for grant, the session for session, 0 for global.
constexpr std::size_t kMaxKeys = 3;
NOT_UNDER_TEST std::size_t key_index(Scope scope, const Step& call) {
  switch (scope) {
    case Scope::grant:
      return call.identity;
    case Scope::session:
      return call.session;
    case Scope::global:
      break;
  }
  return 0;
}

// What one counter key was charged, oldest first (time only moves forward): at most one entry
// per step. Kept per key, so that a check reads only the entries it sums.
struct History {
  struct Entry {
    std::int64_t at;
    std::int64_t amount;
  };
  Entry entries[kMaxSteps];
  std::size_t count = 0;
};

// ---- The reference evaluator ----

struct Outcome {
  Outcome(Verdict v) : verdict(v) {}  // NOLINT: implicit, verdicts are returned as outcomes
  Verdict verdict;
  nanoseconds retry_after{0};
};

class Reference {
 public:
  explicit Reference(const Case& c) : case_(c) {}

  NOT_UNDER_TEST Outcome decide(const Step& call, std::int64_t now) {
    if (case_.hide == Case::Hide::all ||
        (case_.hide == Case::Hide::one && case_.hidden_tool == call.tool))
      return Verdict::unknown_tool;
    const CaseRules* applicable[2] = {};
    std::size_t applicable_count = 0;
    if (call.tool < case_.tool_count)
      applicable[applicable_count++] = &case_.tools[call.tool];
    else if (case_.default_deny)
      return Verdict::deny;
    if (case_.has_wildcard) applicable[applicable_count++] = &case_.wildcard;
    bool needs_approval = false;
    std::int64_t need[kCounterCount] = {};
    bool limited[kCounterCount] = {};
    for (std::size_t i = 0; i < applicable_count; ++i) {
      const CaseRules& rules = *applicable[i];
      if (rules.action == ToolAction::deny) return Verdict::deny;
      needs_approval = needs_approval || (rules.action == ToolAction::approve && !call.approved);
      for (int k = 0; k < kCounterCount; ++k) {
        if (!rules.limits[k]) continue;
        need[k] += rules.increment;
        limited[k] = true;
      }
    }
    for (int k = 0; k < kCounterCount; ++k) {
      if (limited[k] && need[k] > case_.counters[k].max) return Verdict::deny;  // can never fit
    }
    Outcome outcome(Verdict::allow);
    for (int k = 0; k < kCounterCount; ++k) {
      if (!limited[k]) continue;
      const History& history = admitted(k, call);
      const std::int64_t excess = held(k, history, now) + need[k] - case_.counters[k].max;
      if (excess <= 0) continue;
      outcome.verdict = Verdict::rate_limited;
      const nanoseconds until = wait(k, history, now, excess);
      if (until > outcome.retry_after) outcome.retry_after = until;
    }
    if (outcome.verdict == Verdict::allow && needs_approval)
      outcome.verdict = Verdict::approval_required;
    if (outcome.verdict != Verdict::allow) return outcome;
    for (int k = 0; k < kCounterCount; ++k) {
      if (!limited[k] || need[k] == 0) continue;
      History& history = admitted(k, call);
      history.entries[history.count++] = {now, need[k]};
    }
    return outcome;
  }

 private:
  NOT_UNDER_TEST History& admitted(int k, const Step& call) {
    return admitted_[k][key_index(case_.counters[k].scope, call)];
  }
  NOT_UNDER_TEST bool live(int k, std::int64_t at, std::int64_t now) const {
    const CaseCounter& counter = case_.counters[k];
    return counter.sliding
               ? now - at < counter.length_ns
               : bucket_start(at, counter.length_ns) == bucket_start(now, counter.length_ns);
  }
  NOT_UNDER_TEST std::int64_t held(int k, const History& history, std::int64_t now) const {
    std::int64_t total = 0;
    for (std::size_t i = 0; i < history.count; ++i) {
      if (live(k, history.entries[i].at, now)) total += history.entries[i].amount;
    }
    return total;
  }
  // How long until `excess` units have left the window (nothing else being charged meanwhile).
  NOT_UNDER_TEST nanoseconds wait(int k, const History& history, std::int64_t now,
                                  std::int64_t excess) const {
    const CaseCounter& counter = case_.counters[k];
    if (!counter.sliding)
      return nanoseconds(bucket_start(now, counter.length_ns) + counter.length_ns - now);
    std::int64_t freed = 0;
    for (std::size_t i = 0; i < history.count; ++i) {  // oldest first
      const History::Entry& a = history.entries[i];
      if (!live(k, a.at, now)) continue;
      freed += a.amount;
      if (freed >= excess) return nanoseconds(a.at + counter.length_ns - now);
    }
    return nanoseconds(0);
  }

  const Case& case_;
  History admitted_[kCounterCount][kMaxKeys];
};

// ---- The window bound, from decide()'s own charges ----

class ChargeLedger {
 public:
  explicit ChargeLedger(const Case& c) : case_(c) {}

  NOT_UNDER_TEST void record(const Decision& decision, const Step& call, std::int64_t now) {
    bool seen[kCounterCount] = {};  // limits sharing a counter report one group charge each
    for (const Charge& charge : decision.charges) {
      const int k = charge.counter.empty() ? -1 : charge.counter.back() - '0';
      require(k >= 0 && k < kCounterCount && charge.counter == kCounterNames[k]);
      const CaseCounter& counter = case_.counters[k];
      require(charge.max == counter.max && charge.scope == counter.scope);
      if (seen[k]) continue;
      seen[k] = true;
      require(charge.scope_key == key_name(counter.scope, call));
      History& history = charged_[k][key_index(counter.scope, call)];
      if (charge.amount > 0) history.entries[history.count++] = {now, charge.amount};
      const std::int64_t total = in_window(k, history, now);
      require(total <= counter.max);
      require(charge.value == total);
    }
  }

 private:
  // The scope key decide() must report: the call's identity, its session, or "" (global).
  NOT_UNDER_TEST static std::string_view key_name(Scope scope, const Step& call) {
    switch (scope) {
      case Scope::grant:
        return kIdentities[call.identity];
      case Scope::session:
        return kSessions[call.session];
      case Scope::global:
        break;
    }
    return "";
  }
  // Time only moves forward, so checking the window that ends at each charge covers every
  // interval of length L (sliding) and every bucket (fixed).
  NOT_UNDER_TEST std::int64_t in_window(int k, const History& history, std::int64_t now) const {
    const CaseCounter& counter = case_.counters[k];
    std::int64_t total = 0;
    for (std::size_t i = 0; i < history.count; ++i) {
      const History::Entry& e = history.entries[i];
      const bool inside = counter.sliding ? e.at > now - counter.length_ns
                                          : e.at >= bucket_start(now, counter.length_ns);
      if (inside) total += e.amount;
    }
    return total;
  }

  const Case& case_;
  History charged_[kCounterCount][kMaxKeys];
};

// The rule an allowed call names: its own entry, or the default.
NOT_UNDER_TEST std::string_view allowing_rule(const Case& c, const Step& call) {
  static constexpr std::string_view kToolRules[kMaxListed] = {"tools.a", "tools.b", "tools.c"};
  return call.tool < c.tool_count ? kToolRules[call.tool] : "default";
}

}  // namespace

extern "C" NOT_UNDER_TEST int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const CallTable calls;
  ByteReader in(data, size);
  const Case c = read_case(in);
  const Policy policy = to_policy(c);
  std::int64_t now = std::int64_t{1'800'000'000} * kSecond;
  const std::int64_t offset_high = in.byte();  // two statements: operand order is unspecified
  now += (offset_high * 256 + in.byte()) * std::int64_t{1'000'000};

  Counters counters;
  Reference reference(c);
  ChargeLedger ledger(c);
  for (std::size_t step = 0; step < kMaxSteps && !in.empty(); ++step) {
    const std::uint8_t op = in.byte();
    if (op >= 0xC0) {
      now += advance(in, op, c, now);
      continue;
    }
    const Step call{static_cast<std::size_t>(op & 3), static_cast<std::size_t>((op >> 2) & 1),
                    static_cast<std::size_t>(((op >> 3) & 3) % 3), ((op >> 5) & 1) != 0};
    const Decision decision = decide(policy, calls[call], counters, TimePoint(nanoseconds(now)));
    const Outcome expected = reference.decide(call, now);
    require(decision.verdict == expected.verdict);
    require(!decision.rule.empty());
    if (decision.verdict == Verdict::rate_limited) {
      require(decision.retry_after ==
              std::chrono::ceil<std::chrono::milliseconds>(expected.retry_after));
      require(decision.retry_after > std::chrono::milliseconds(0));
    }
    if (decision.allowed()) {
      require(decision.rule == allowing_rule(c, call));
      ledger.record(decision, call, now);
    } else {
      require(decision.charges.empty());
    }
  }
  return 0;
}
