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
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "policy/counters.h"
#include "policy/decide.h"

using namespace gatecrash::policy;
using std::chrono::nanoseconds;

namespace {

// The reference and the ledger below are checks, not code under test: left out of coverage, their
// loops would only add features (and comparison callbacks) that steer nothing.
#if defined(__clang__)
#define NOT_UNDER_TEST __attribute__((no_sanitize("coverage")))
#else
#define NOT_UNDER_TEST
#endif

void require(bool condition) {
  if (!condition) std::abort();
}

class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  bool empty() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

constexpr int kCounterCount = 3;
constexpr std::size_t kMaxSteps = 32;
constexpr std::int64_t kSecond = 1'000'000'000;
const std::string kToolNames[] = {"a", "b", "c", "d"};  // at most a-c are listed; d never is
const std::string kIdentities[] = {"alice", "bob"};
const std::string kSessions[] = {"s1", "s2", "s3"};
const std::string kCounterNames[] = {"c0", "c1", "c2"};
const std::string kEveryone;

// ---- The case, as plain data both evaluators read ----

struct CaseCounter {
  Scope scope = Scope::grant;
  bool sliding = true;
  std::int64_t length_ns = kSecond;
  std::int64_t max = 1;
};

struct CaseRules {
  ToolAction action = ToolAction::allow;
  std::vector<int> counters;  // each limited once (the loader refuses a counter twice in a tool)
  std::int64_t increment = 1;
};

struct Case {
  bool default_deny = false;
  std::string hide;  // "", a tool name, or "*"
  CaseCounter counters[kCounterCount];
  std::vector<CaseRules> tools;  // tools[i] is kToolNames[i]
  std::optional<CaseRules> wildcard;
};

CaseRules read_rules(std::uint8_t rule) {
  static constexpr std::int64_t kIncrements[] = {1, 1, 2, 0};
  CaseRules rules;
  rules.action = (rule & 7) == 7   ? ToolAction::deny
                 : (rule & 7) == 6 ? ToolAction::approve
                                   : ToolAction::allow;
  for (int k = 0; k < kCounterCount; ++k) {
    if (rule & (8 << k)) rules.counters.push_back(k);
  }
  rules.increment = kIncrements[rule >> 6];
  return rules;
}

Case read_case(ByteReader& in) {
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
  const std::size_t tool_count = 1 + ((flags >> 1) & 3) % 3;
  for (std::size_t i = 0; i < tool_count; ++i) c.tools.push_back(read_rules(in.byte()));
  if (flags & 8) c.wildcard = read_rules(in.byte());
  // Only hides the loader accepts: a hidden tool is unlisted or denied (policy.E202).
  const auto denied = [&](std::size_t i) { return c.tools[i].action == ToolAction::deny; };
  switch ((flags >> 4) & 3) {
    case 1:
      c.hide = kToolNames[3];
      break;
    case 2:
      if (denied((flags >> 6) % tool_count)) c.hide = kToolNames[(flags >> 6) % tool_count];
      break;
    case 3: {
      bool all_denied = true;
      for (std::size_t i = 0; i < tool_count; ++i) all_denied = all_denied && denied(i);
      if (all_denied) c.hide = "*";
      break;
    }
    default:
      break;
  }
  return c;
}

ToolRules to_tool_rules(const Case& c, const CaseRules& rules, const std::string& prefix) {
  ToolRules out;
  out.action = rules.action;
  if (rules.action != ToolAction::allow) out.action_rule = prefix + ".action";
  for (std::size_t j = 0; j < rules.counters.size(); ++j) {
    const CaseCounter& counter = c.counters[rules.counters[j]];
    Limit limit;
    limit.rule = prefix + ".limits[" + std::to_string(j) + "]";
    limit.counter = kCounterNames[rules.counters[j]];
    limit.scope = counter.scope;
    limit.window = Window{std::chrono::seconds(counter.length_ns / kSecond),
                          counter.sliding ? WindowMode::sliding : WindowMode::fixed};
    limit.max = counter.max;
    limit.increment = rules.increment;
    out.limits.push_back(std::move(limit));
  }
  return out;
}

Policy to_policy(const Case& c) {
  Policy policy;
  policy.default_action = c.default_deny ? DefaultAction::deny : DefaultAction::allow;
  policy.default_declared = true;
  if (!c.hide.empty()) policy.hide.insert(c.hide);
  for (std::size_t i = 0; i < c.tools.size(); ++i) {
    policy.tools.emplace(kToolNames[i], to_tool_rules(c, c.tools[i], "tools." + kToolNames[i]));
  }
  if (c.wildcard) policy.wildcard = to_tool_rules(c, *c.wildcard, "tools.*");
  const auto add_counters = [&](const ToolRules& rules) {
    for (const Limit& limit : rules.limits) {
      policy.counters[limit.counter] = CounterSpec{limit.scope, limit.window, limit.max};
    }
  };
  for (const auto& [name, rules] : policy.tools) add_counters(rules);
  if (policy.wildcard) add_counters(*policy.wildcard);
  return policy;
}

// ---- Time ----

// floor(t / length) * length; every time here is after the epoch, so division truncates down.
NOT_UNDER_TEST std::int64_t bucket_start(std::int64_t t, std::int64_t length) {
  return t / length * length;
}

std::int64_t advance(ByteReader& in, std::uint8_t op, const Case& c, std::int64_t now) {
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

// ---- The reference evaluator ----

struct Step {
  std::size_t tool = 0;
  std::size_t identity = 0;
  std::size_t session = 0;
  bool approved = false;
};

struct Outcome {
  Outcome(Verdict v) : verdict(v) {}  // NOLINT: implicit, verdicts are returned as outcomes
  Verdict verdict;
  nanoseconds retry_after{0};
};

class Reference {
 public:
  explicit Reference(const Case& c) : case_(c) {}

  NOT_UNDER_TEST Outcome decide(const Step& call, std::int64_t now) {
    const std::string& tool = kToolNames[call.tool];
    if (case_.hide == "*" || case_.hide == tool) return Verdict::unknown_tool;
    std::vector<const CaseRules*> applicable;
    if (call.tool < case_.tools.size())
      applicable.push_back(&case_.tools[call.tool]);
    else if (case_.default_deny)
      return Verdict::deny;
    if (case_.wildcard) applicable.push_back(&*case_.wildcard);
    bool needs_approval = false;
    std::int64_t need[kCounterCount] = {};
    bool limited[kCounterCount] = {};
    for (const CaseRules* rules : applicable) {
      if (rules->action == ToolAction::deny) return Verdict::deny;
      needs_approval = needs_approval || (rules->action == ToolAction::approve && !call.approved);
      for (int k : rules->counters) {
        need[k] += rules->increment;
        limited[k] = true;
      }
    }
    for (int k = 0; k < kCounterCount; ++k) {
      if (limited[k] && need[k] > case_.counters[k].max) return Verdict::deny;  // can never fit
    }
    Outcome outcome(Verdict::allow);
    for (int k = 0; k < kCounterCount; ++k) {
      if (!limited[k]) continue;
      const std::int64_t excess = held(k, key_of(k, call), now) + need[k] - case_.counters[k].max;
      if (excess <= 0) continue;
      outcome.verdict = Verdict::rate_limited;
      outcome.retry_after = std::max(outcome.retry_after, wait(k, key_of(k, call), now, excess));
    }
    if (outcome.verdict == Verdict::allow && needs_approval)
      outcome.verdict = Verdict::approval_required;
    if (outcome.verdict != Verdict::allow) return outcome;
    for (int k = 0; k < kCounterCount; ++k) {
      if (limited[k] && need[k] > 0) admitted_.push_back({k, key_of(k, call), now, need[k]});
    }
    return outcome;
  }

 private:
  struct Admitted {
    int counter;
    int key;
    std::int64_t at;
    std::int64_t amount;
  };

  // The scope key as an index: identity for grant, session for session, 0 for global.
  NOT_UNDER_TEST int key_of(int k, const Step& call) const {
    switch (case_.counters[k].scope) {
      case Scope::grant:
        return static_cast<int>(call.identity);
      case Scope::session:
        return static_cast<int>(call.session);
      case Scope::global:
        break;
    }
    return 0;
  }
  NOT_UNDER_TEST bool live(const Admitted& a, std::int64_t now) const {
    const CaseCounter& counter = case_.counters[a.counter];
    return counter.sliding
               ? now - a.at < counter.length_ns
               : bucket_start(a.at, counter.length_ns) == bucket_start(now, counter.length_ns);
  }
  NOT_UNDER_TEST std::int64_t held(int k, int key, std::int64_t now) const {
    std::int64_t total = 0;
    for (const Admitted& a : admitted_) {
      if (a.counter == k && a.key == key && live(a, now)) total += a.amount;
    }
    return total;
  }
  // How long until `excess` units have left the window (nothing else being charged meanwhile).
  NOT_UNDER_TEST nanoseconds wait(int k, int key, std::int64_t now, std::int64_t excess) const {
    const CaseCounter& counter = case_.counters[k];
    if (!counter.sliding)
      return nanoseconds(bucket_start(now, counter.length_ns) + counter.length_ns - now);
    std::int64_t freed = 0;
    for (const Admitted& a : admitted_) {  // oldest first
      if (a.counter != k || a.key != key || !live(a, now)) continue;
      freed += a.amount;
      if (freed >= excess) return nanoseconds(a.at + counter.length_ns - now);
    }
    return nanoseconds(0);
  }

  const Case& case_;
  std::vector<Admitted> admitted_;
};

// ---- The window bound, from decide()'s own charges ----

class ChargeLedger {
 public:
  explicit ChargeLedger(const Case& c) : case_(c) {}

  NOT_UNDER_TEST void record(const Decision& decision, const Step& call, std::int64_t now) {
    std::vector<std::string> seen;  // limits sharing a counter report one group charge each
    for (const Charge& charge : decision.charges) {
      const int k = charge.counter.back() - '0';
      const CaseCounter& counter = case_.counters[k];
      require(charge.max == counter.max && charge.scope == counter.scope);
      if (std::find(seen.begin(), seen.end(), charge.counter) != seen.end()) continue;
      seen.push_back(charge.counter);
      const std::string* key = interned(charge.scope_key);
      require(key == expected_key(counter.scope, call));
      if (charge.amount > 0) entries_.push_back({k, key, now, charge.amount});
      const std::int64_t total = in_window(k, key, now);
      require(total <= counter.max);
      require(charge.value == total);
    }
  }

 private:
  struct Entry {
    int counter;
    const std::string* key;  // one of kIdentities, kSessions or kEveryone
    std::int64_t at;
    std::int64_t amount;
  };
  NOT_UNDER_TEST static const std::string* expected_key(Scope scope, const Step& call) {
    switch (scope) {
      case Scope::grant:
        return &kIdentities[call.identity];
      case Scope::session:
        return &kSessions[call.session];
      case Scope::global:
        break;
    }
    return &kEveryone;
  }
  NOT_UNDER_TEST static const std::string* interned(const std::string& key) {
    for (const auto& name : kIdentities) {
      if (name == key) return &name;
    }
    for (const auto& name : kSessions) {
      if (name == key) return &name;
    }
    return key.empty() ? &kEveryone : nullptr;
  }
  // Time only moves forward, so checking the window that ends at each charge covers every
  // interval of length L (sliding) and every bucket (fixed).
  NOT_UNDER_TEST std::int64_t in_window(int k, const std::string* key, std::int64_t now) const {
    const CaseCounter& counter = case_.counters[k];
    std::int64_t total = 0;
    for (const Entry& e : entries_) {
      if (e.counter != k || e.key != key) continue;
      const bool inside = counter.sliding ? e.at > now - counter.length_ns
                                          : e.at >= bucket_start(now, counter.length_ns);
      if (inside) total += e.amount;
    }
    return total;
  }

  const Case& case_;
  std::vector<Entry> entries_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
    const Call real{kToolNames[call.tool], nullptr, kIdentities[call.identity],
                    kSessions[call.session], call.approved};
    const Decision decision = decide(policy, real, counters, TimePoint(nanoseconds(now)));
    const Outcome expected = reference.decide(call, now);
    require(decision.verdict == expected.verdict);
    require(!decision.rule.empty());
    if (decision.verdict == Verdict::rate_limited) {
      require(decision.retry_after ==
              std::chrono::ceil<std::chrono::milliseconds>(expected.retry_after));
      require(decision.retry_after > std::chrono::milliseconds(0));
    }
    if (decision.allowed()) {
      require(decision.rule ==
              (call.tool < c.tools.size() ? "tools." + kToolNames[call.tool] : "default"));
      ledger.record(decision, call, now);
    } else {
      require(decision.charges.empty());
    }
  }
  return 0;
}
