// fuzz/policy_conditions_fuzzer.cc — argument conditions, loaded and decided, against a small reference.
//
// The input is a structured case, read byte by byte (missing bytes read as 0):
//   flags       bits 0-1 conditions - 1 (1-3, mod 3); bits 2-3 how many of the last ones belong to
//               "*" instead of tool t (mod conditions + 1); bit 4 every condition has a `reason`;
//               bit 5 the call's arguments are any value (otherwise an object); bit 6 tool t also
//               has a condition on its own counter, `state.session.calls`, after its others
//   condition   op (mod 11, in Op's order), depth (1-3, mod 3), a key per level (a, b, A, é), then
//               the value: a generated JSON value, except for `regex`, where a byte picks a pattern
//               (even) or a non-string value (odd)
//   state       with bit 6: the operator (lt, lte, gt, gte, eq, neq), the operand (0-2)
//   arguments   a generated JSON value
// A generated value is a kind byte: null, true, false, a small integer, an int64, uint64 or double
// from tables of exactness boundaries (2^53 + 1, 2^63, 2^64, -0.0, ...), a string of up to 5
// characters from an alphabet of confusables (k, K and the Kelvin sign, s and the long s, a
// newline, NUL, a 4-byte emoji, ...), or an array or object of up to 3 members, 3 levels deep;
// object keys include "a.b" and "". A pattern is optional ^, up to 4 atoms (a character of the
// alphabet, escaped where RE2 needs it, or `.`), optional $.
//
// The policy is native JSON, loaded by policy::load_policy_json as users load theirs: tool t with
// the conditions and a limit of 1 per session, "*" with the rest, default deny.
// Properties:
//   - the loader refuses the policy exactly when an operand does not suit its operator (in/not_in
//     a list, lt/lte/gt/gte a number, exists a boolean, regex a string), and then only with
//     policy.E110;
//   - each loaded condition holds (failed_condition) exactly when `Reference` below says so: its
//     own argument lookup, JSON equality, exact comparison of int64/uint64/double through __int128
//     (the library uses long double), and a matcher for the pattern language above (RE2's
//     PartialMatch: unanchored unless ^/$, `.` any character but a newline, $ only at the very end);
//   - a failure's message starts with the condition's path and never contains the argument's
//     string value (a secret) unless the path or the operand already does;
//   - decide(), called twice at one instant, refuses non-object arguments with rule "arguments";
//     otherwise the first failing condition in the documented order (tool t's, then "*"'s) decides:
//     an argument condition invalid_arguments, the state condition deny (it reads the counter as
//     the first call left it: 1 if that call was allowed, else 0), with its rule and its reason
//     (the policy's, else the message), charging nothing; with every condition holding it allows
//     under "tools.t" and charges 1, and a second allowed call is rate_limited by the limit.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "policy/conditions.h"
#include "policy/decide.h"
#include "policy/load.h"

using namespace gatecrash::policy;
using gatecrash::fuzzing::ByteReader;
using gatecrash::fuzzing::require;

namespace {

constexpr std::size_t kMaxConditions = 3;
constexpr int kMaxDepth = 3;

// Characters of generated strings and patterns, each one code point: letters and their Unicode
// look-alikes (Kelvin sign K, long s), regex metacharacters, a newline and NUL, 2-, 3- and 4-byte
// UTF-8.
constexpr std::string_view kAlphabet[] = {"a", "b", "A", "k", "K", "s", "@", ".", "\n", " ",
                                          "\xC3\xA9",          // é
                                          "\xE2\x84\xAA",      // U+212A KELVIN SIGN
                                          "\xC5\xBF",          // U+017F LATIN SMALL LETTER LONG S
                                          "\xF0\x9F\x98\x80",  // U+1F600
                                          std::string_view("\0", 1)};
constexpr std::size_t kAlphabetSize = std::size(kAlphabet);
// The same characters as RE2 pattern text: literal, but for `.`, a newline and NUL.
constexpr std::string_view kPatternAtoms[kAlphabetSize] = {
    "a", "b", "A", "k", "K", "s", "@", "\\.", "\\n", " ", "\xC3\xA9", "\xE2\x84\xAA", "\xC5\xBF",
    "\xF0\x9F\x98\x80", "\\x00"};
constexpr std::size_t kAny = kAlphabetSize;  // the atom `.`

constexpr std::string_view kPathKeys[] = {"a", "b", "A", "\xC3\xA9"};
constexpr std::string_view kObjectKeys[] = {"a", "b", "A", "\xC3\xA9", "a.b", ""};

constexpr std::int64_t kInts[] = {0,
                                  -1,
                                  1,
                                  std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max(),
                                  9007199254740993,  // 2^53 + 1: no double holds it
                                  -9007199254740993,
                                  9007199254740992};
constexpr std::uint64_t kUnsigned[] = {0,
                                       1,
                                       9223372036854775808u,  // 2^63
                                       std::numeric_limits<std::uint64_t>::max(),
                                       9007199254740993u,
                                       18446744073709549568u};  // the largest double below 2^64
constexpr double kDoubles[] = {0.0,  -0.0, 0.5, -0.5, 1.0, 1.5, 9007199254740992.0,
                               9223372036854775808.0,   // 2^63
                               18446744073709551616.0,  // 2^64
                               -9223372036854775808.0, 18446744073709549568.0, 1e300, -1e300,
                               5e-324};

// ---- The case ----

struct Pattern {
  bool start = false;  // ^
  bool end = false;    // $
  std::vector<std::size_t> atoms;  // kAlphabet indexes, or kAny
};

struct CaseCondition {
  Op op = Op::eq;
  std::vector<std::string> keys;
  Json value;                      // the operand as written in the policy
  std::optional<Pattern> pattern;  // for regex with a pattern operand
};

struct Case {
  std::vector<CaseCondition> conditions;
  std::optional<CaseCondition> state;  // on state.session.calls, after tool t's other conditions
  std::size_t on_wildcard = 0;  // the last this many conditions are "*"'s
  bool reasons = false;
  Json arguments;
};

template <typename T, std::size_t N>
const T& pick(const T (&table)[N], std::uint8_t byte) {
  return table[byte % N];
}

// Out of line and instrumented: which shapes it builds is what the fuzzer should explore.
[[gnu::noinline]] Json generate(ByteReader& in, int depth) {
  const std::uint8_t kind = in.byte() % 10;
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return true;
    case 2:
      return false;
    case 3:
      return static_cast<std::int64_t>(static_cast<std::int8_t>(in.byte()));
    case 4:
      return pick(kInts, in.byte());
    case 5:
      return pick(kUnsigned, in.byte());
    case 6:
      return pick(kDoubles, in.byte());
    case 7: {
      std::string text;
      const std::size_t length = in.byte() % 6;
      for (std::size_t i = 0; i < length; ++i) text += pick(kAlphabet, in.byte());
      return text;
    }
    case 8: {
      if (depth >= kMaxDepth) return nullptr;
      Json array = Json::array();
      const std::size_t length = in.byte() % 4;
      for (std::size_t i = 0; i < length; ++i) array.push_back(generate(in, depth + 1));
      return array;
    }
    default: {
      if (depth >= kMaxDepth) return nullptr;
      Json object = Json::object();
      const std::size_t length = in.byte() % 4;
      for (std::size_t i = 0; i < length; ++i) {
        const std::string key(pick(kObjectKeys, in.byte()));
        object[key] = generate(in, depth + 1);
      }
      return object;
    }
  }
}

[[gnu::noinline]] Pattern read_pattern(ByteReader& in) {
  const std::uint8_t shape = in.byte();
  Pattern pattern;
  pattern.start = (shape & 1) != 0;
  pattern.end = (shape & 2) != 0;
  const std::size_t atoms = (shape >> 2) % 5;
  for (std::size_t i = 0; i < atoms; ++i) pattern.atoms.push_back(in.byte() % (kAlphabetSize + 1));
  return pattern;
}

NOT_UNDER_TEST std::string pattern_text(const Pattern& pattern) {
  std::string text = pattern.start ? "^" : "";
  for (const std::size_t atom : pattern.atoms) {
    text += atom == kAny ? std::string_view(".") : kPatternAtoms[atom];
  }
  if (pattern.end) text += "$";
  return text;
}

[[gnu::noinline]] Case read_case(ByteReader& in) {
  Case c;
  const std::uint8_t flags = in.byte();
  const std::size_t count = 1 + (flags & 3) % kMaxConditions;
  c.on_wildcard = ((flags >> 2) & 3) % (count + 1);
  c.reasons = (flags & 0x10) != 0;
  for (std::size_t i = 0; i < count; ++i) {
    CaseCondition condition;
    condition.op = static_cast<Op>(in.byte() % 11);
    const std::size_t depth = 1 + in.byte() % 3;
    for (std::size_t level = 0; level < depth; ++level) {
      condition.keys.emplace_back(pick(kPathKeys, in.byte()));
    }
    if (condition.op == Op::regex && in.byte() % 2 == 0) {
      condition.pattern = read_pattern(in);
      condition.value = pattern_text(*condition.pattern);
    } else {
      condition.value = generate(in, 1);
      if (condition.op == Op::regex && condition.value.is_string()) condition.value = nullptr;
    }
    c.conditions.push_back(std::move(condition));
  }
  if ((flags & 0x40) != 0) {
    static constexpr Op kStateOps[] = {Op::lt, Op::lte, Op::gt, Op::gte, Op::eq, Op::neq};
    CaseCondition state;
    state.op = pick(kStateOps, in.byte());
    state.value = in.byte() % 3;
    c.state = std::move(state);
  }
  if ((flags & 0x20) != 0) {
    c.arguments = generate(in, 0);
  } else {
    Json arguments = generate(in, 0);
    c.arguments = arguments.is_object() ? std::move(arguments) : Json::object();
  }
  return c;
}

// ---- The policy, as a user would write it ----

NOT_UNDER_TEST std::string path_of(const CaseCondition& condition) {
  std::string path = "args";
  for (const auto& key : condition.keys) path += "." + key;
  return path;
}

constexpr std::string_view kStatePath = "state.session.calls";

NOT_UNDER_TEST std::string policy_text(const Case& c) {
  Json tool = {{"limits", Json::array({{{"counter", "calls"}, {"window", "minute"}, {"max", 1},
                                        {"scope", "session"}}})}};
  Json wildcard = Json::object();
  const std::size_t own = c.conditions.size() - c.on_wildcard;
  for (std::size_t i = 0; i < c.conditions.size(); ++i) {
    const CaseCondition& condition = c.conditions[i];
    Json written = {{"path", path_of(condition)}, {"op", to_string(condition.op)},
                    {"value", condition.value}};
    if (c.reasons) written["reason"] = "policy reason " + std::to_string(i);
    (i < own ? tool : wildcard)["args"].push_back(std::move(written));
  }
  if (c.state) {
    Json written = {{"path", kStatePath}, {"op", to_string(c.state->op)}, {"value", c.state->value}};
    if (c.reasons) written["reason"] = "policy reason state";
    tool["args"].push_back(std::move(written));
  }
  Json policy = {{"version", "1"}, {"default", "deny"}, {"tools", {{"t", std::move(tool)}}}};
  if (c.on_wildcard > 0) policy["tools"]["*"] = std::move(wildcard);
  return policy.dump(-1, ' ', false, Json::error_handler_t::strict);
}

// ---- The reference ----

// Holds every int64 and uint64 exactly. (__extension__: -Wpedantic refuses the type otherwise.)
__extension__ typedef __int128 Wide;

class Reference {
 public:
  // Whether the operand suits the operator (what the loader must accept).
  NOT_UNDER_TEST static bool usable(const CaseCondition& condition) {
    switch (condition.op) {
      case Op::in:
      case Op::not_in:
        return condition.value.is_array();
      case Op::lt:
      case Op::lte:
      case Op::gt:
      case Op::gte:
        return condition.value.is_number();
      case Op::exists:
        return condition.value.is_boolean();
      case Op::regex:
        return condition.value.is_string();
      default:
        return true;
    }
  }

  NOT_UNDER_TEST static const Json* lookup(const Json& arguments, const CaseCondition& condition) {
    const Json* at = &arguments;
    for (const auto& key : condition.keys) {
      if (!at->is_object()) return nullptr;
      const auto& members = at->get_ref<const Json::object_t&>();
      auto found = members.find(key);
      if (found == members.end()) return nullptr;
      at = &found->second;
    }
    return at;
  }

  NOT_UNDER_TEST static bool holds(const CaseCondition& condition, const Json* actual) {
    const Json& operand = condition.value;
    if (condition.op == Op::exists) {
      const bool present = actual != nullptr && !actual->is_null();
      return present == operand.get<bool>();
    }
    if (actual == nullptr) return false;
    switch (condition.op) {
      case Op::eq:
        return equal(*actual, operand);
      case Op::neq:
        return !equal(*actual, operand);
      case Op::in:
        return has_element(operand, *actual);
      case Op::not_in:
        return !has_element(operand, *actual);
      case Op::lt:
        return actual->is_number() && compare(*actual, operand) < 0;
      case Op::lte:
        return actual->is_number() && compare(*actual, operand) <= 0;
      case Op::gt:
        return actual->is_number() && compare(*actual, operand) > 0;
      case Op::gte:
        return actual->is_number() && compare(*actual, operand) >= 0;
      case Op::regex:
        return actual->is_string() && matches(*condition.pattern, actual->get_ref<const std::string&>());
      case Op::contains:
        if (actual->is_string()) {
          return operand.is_string() &&
                 actual->get_ref<const std::string&>().find(operand.get_ref<const std::string&>()) !=
                     std::string::npos;
        }
        return actual->is_array() && has_element(*actual, operand);
      case Op::exists:
        break;
    }
    return false;
  }

 private:
  // -1, 0 or 1; a and b are numbers. Every int64 and uint64 fits in __int128; a double d in
  // (-2^64, 2^64) lies in [t, t+1) or (t-1, t] for its truncation t, an exact integer, so comparing
  // with t and then with d - t (exact) orders n and d exactly.
  NOT_UNDER_TEST static int compare(const Json& a, const Json& b) {
    if (a.is_number_float() && b.is_number_float()) {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.is_number_float()) return -compare_integer_double(integer(b), a.get<double>());
    if (b.is_number_float()) return compare_integer_double(integer(a), b.get<double>());
    const Wide x = integer(a);
    const Wide y = integer(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  NOT_UNDER_TEST static Wide integer(const Json& n) {
    return n.is_number_unsigned() ? static_cast<Wide>(n.get<std::uint64_t>())
                                  : static_cast<Wide>(n.get<std::int64_t>());
  }
  NOT_UNDER_TEST static int compare_integer_double(Wide n, double d) {
    if (d >= 18446744073709551616.0) return -1;   // above every uint64
    if (d < -9223372036854775808.0) return 1;     // below every int64
    const double truncated = std::trunc(d);
    const Wide t = truncated >= 0 ? static_cast<Wide>(static_cast<std::uint64_t>(truncated))
                                      : static_cast<Wide>(static_cast<std::int64_t>(truncated));
    if (n != t) return n < t ? -1 : 1;
    const double fraction = d - truncated;
    return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0);
  }

  NOT_UNDER_TEST static bool equal(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number()) return compare(a, b) == 0;
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equal(a[i], b[i])) return false;
      }
      return true;
    }
    if (a.is_object()) {
      const auto& left = a.get_ref<const Json::object_t&>();
      const auto& right = b.get_ref<const Json::object_t&>();
      if (left.size() != right.size()) return false;
      for (const auto& [key, value] : left) {
        auto other = right.find(key);
        if (other == right.end() || !equal(value, other->second)) return false;
      }
      return true;
    }
    if (a.is_string()) return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    if (a.is_boolean()) return a.get<bool>() == b.get<bool>();
    return a.is_null();
  }

  NOT_UNDER_TEST static bool has_element(const Json& list, const Json& value) {
    for (const Json& element : list) {
      if (equal(element, value)) return true;
    }
    return false;
  }

  // The code points of valid UTF-8 (every generated string is).
  NOT_UNDER_TEST static std::vector<char32_t> code_points(std::string_view text) {
    std::vector<char32_t> points;
    for (std::size_t i = 0; i < text.size();) {
      const auto lead = static_cast<unsigned char>(text[i]);
      const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      char32_t point = length == 1 ? lead : lead & (0x7F >> length);
      for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
        point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
      points.push_back(point);
      i += length;
    }
    return points;
  }

  // RE2::PartialMatch for the pattern language: a match may start anywhere unless ^, may end
  // anywhere unless $ (then only at the end of the text: RE2's $ is \z, not before a final
  // newline); `.` is one code point other than a newline; literals match their code point only
  // (case-sensitive, no folding of K to the Kelvin sign or s to the long s).
  NOT_UNDER_TEST static bool matches(const Pattern& pattern, std::string_view text) {
    const std::vector<char32_t> points = code_points(text);
    std::vector<char32_t> atoms;
    for (const std::size_t atom : pattern.atoms) {
      atoms.push_back(atom == kAny ? char32_t{0xFFFFFFFF} : code_points(kAlphabet[atom]).front());
    }
    const std::size_t last_start = pattern.start ? 0 : points.size();
    for (std::size_t start = 0; start <= last_start; ++start) {
      std::size_t at = start;
      bool matched = true;
      for (const char32_t atom : atoms) {
        if (at >= points.size() || (atom == 0xFFFFFFFF ? points[at] == U'\n' : points[at] != atom)) {
          matched = false;
          break;
        }
        ++at;
      }
      if (matched && (!pattern.end || at == points.size())) return true;
    }
    return false;
  }
};

// ---- The checks ----

// One condition in decide()'s order: tool t's argument conditions, its state condition, then "*"'s.
struct Ordered {
  const CaseCondition* written;
  const Condition* loaded;
  std::string reason;  // the policy's reason, when it gave one
};

NOT_UNDER_TEST std::vector<Ordered> in_decide_order(const Case& c, const Policy& policy) {
  const std::size_t own = c.conditions.size() - c.on_wildcard;
  const std::vector<Condition>& tool = policy.tools.at("t").conditions;
  require(tool.size() == own + (c.state ? 1 : 0));
  require(c.on_wildcard == 0 ? !policy.wildcard.has_value()
                             : policy.wildcard->conditions.size() == c.on_wildcard);
  std::vector<Ordered> order;
  const auto reason = [&](const std::string& which) {
    return c.reasons ? "policy reason " + which : std::string();
  };
  for (std::size_t i = 0; i < own; ++i) {
    require(tool[i].rule == "tools.t.args[" + std::to_string(i) + "]");
    order.push_back({&c.conditions[i], &tool[i], reason(std::to_string(i))});
  }
  if (c.state) {
    require(tool[own].rule == "tools.t.args[" + std::to_string(own) + "]");
    require(std::holds_alternative<StatePath>(tool[own].path));
    order.push_back({&*c.state, &tool[own], reason("state")});
  }
  for (std::size_t j = 0; j < c.on_wildcard; ++j) {
    const Condition& loaded = policy.wildcard->conditions[j];
    require(loaded.rule == "tools.*.args[" + std::to_string(j) + "]");
    order.push_back({&c.conditions[own + j], &loaded, reason(std::to_string(own + j))});
  }
  return order;
}

// The message of a failed condition names its path and keeps a string argument to itself.
NOT_UNDER_TEST void check_message(const std::string& message, const std::string& path,
                                  const Json& operand, const Json* actual) {
  require(message.starts_with(path + " "));
  if (actual == nullptr || !actual->is_string()) return;
  const std::string& secret = actual->get_ref<const std::string&>();
  // Four bytes from the alphabet cannot spell a word of a message; shorter ones might.
  if (secret.size() < 4) return;
  const std::string written = operand.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (path.find(secret) != std::string::npos || written.find(secret) != std::string::npos) return;
  require(message.find(secret) == std::string::npos);
}

struct Expected {
  Verdict verdict = Verdict::allow;
  std::string rule;
  std::string reason;  // empty: not checked (allow, the limit's refusal)
};

// What decide() must answer when the call's counter holds `calls`, up to the limit.
NOT_UNDER_TEST Expected expected_refusal(const std::vector<Ordered>& order, const Json& arguments,
                                         std::int64_t calls) {
  for (const Ordered& entry : order) {
    const bool on_state = std::holds_alternative<StatePath>(entry.loaded->path);
    const Json counter_value(calls);
    const Json* actual = on_state ? &counter_value : Reference::lookup(arguments, *entry.written);
    if (Reference::holds(*entry.written, actual)) continue;
    const std::optional<std::string> failure = failed_condition(*entry.loaded, actual);
    require(failure.has_value());
    return {on_state ? Verdict::deny : Verdict::invalid_arguments, entry.loaded->rule,
            entry.reason.empty() ? *failure : entry.reason};
  }
  return {Verdict::allow, "tools.t", ""};
}

}  // namespace

extern "C" NOT_UNDER_TEST int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  const Case c = read_case(in);

  LoadResult loaded = load_policy_json(policy_text(c), "policy_conditions_fuzzer");
  bool usable = true;
  for (const CaseCondition& condition : c.conditions) usable = usable && Reference::usable(condition);
  require(loaded.ok() == usable);
  if (!loaded.ok()) {
    require(!loaded.errors.empty());
    for (const PolicyError& error : loaded.errors) require(error.id == error_id::kBadOperand);
    return 0;
  }
  const Policy& policy = *loaded.policy;
  const std::vector<Ordered> order = in_decide_order(c, policy);

  // Each argument condition on its own. decide() reads null arguments as {}.
  const Json arguments = c.arguments.is_null() ? Json::object() : c.arguments;
  for (const Ordered& entry : order) {
    if (std::holds_alternative<StatePath>(entry.loaded->path)) continue;  // decided below
    const Condition& condition = *entry.loaded;
    require(condition.path_text == path_of(*entry.written));
    const Json* actual = Reference::lookup(arguments, *entry.written);
    require(actual == (arguments.is_object() ? find_argument(arguments, std::get<ArgsPath>(condition.path))
                                             : nullptr));
    const std::optional<std::string> failure = failed_condition(condition, actual);
    require(failure.has_value() != Reference::holds(*entry.written, actual));
    if (failure) check_message(*failure, condition.path_text, entry.written->value, actual);
  }

  // The whole call, twice at one instant.
  Counters counters;
  const TimePoint now{std::chrono::seconds(1'800'000'000)};
  const Call call{"t", c.arguments, "alice", "s1", false};
  const Decision first = decide(policy, call, counters, now);
  const Decision second = decide(policy, call, counters, now);
  if (!arguments.is_object()) {
    require(first.verdict == Verdict::invalid_arguments && first.rule == kRuleArguments);
    require(second.verdict == first.verdict && second.rule == first.rule);
    require(first.charges.empty() && second.charges.empty());
    return 0;
  }
  const Expected expected_first = expected_refusal(order, arguments, 0);
  require(first.verdict == expected_first.verdict && first.rule == expected_first.rule);
  if (!first.allowed()) {
    require(first.reason == expected_first.reason && first.charges.empty());
  } else {
    require(first.charges.size() == 1 && first.charges[0].amount == 1 && first.charges[0].value == 1);
  }
  const Expected expected_second = expected_refusal(order, arguments, first.allowed() ? 1 : 0);
  require(second.charges.empty());
  if (expected_second.verdict == Verdict::allow) {
    // Every condition holds at 0 and at 1: the first call was allowed, and the limit refuses this one.
    require(first.allowed());
    require(second.verdict == Verdict::rate_limited && second.rule == "tools.t.limits[0]");
  } else {
    require(second.verdict == expected_second.verdict && second.rule == expected_second.rule &&
            second.reason == expected_second.reason);
  }
  return 0;
}
