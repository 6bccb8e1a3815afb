// policy/model.h — the one policy model both dialects load into, and what the evaluator reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace re2 {
class RE2;
}

namespace gatecrash::policy {

using Json = nlohmann::json;

// Wall-clock time as the caller sees it: nanoseconds since the Unix epoch (UTC). The evaluator
// never reads a clock; the caller passes `now`, so tests drive it with a fake clock.
using TimePoint = std::chrono::sys_time<std::chrono::nanoseconds>;

enum class Dialect { native, intercept };
enum class DefaultAction { allow, deny };
enum class ToolAction { allow, deny, approve };
// Who shares a counter: one identity across its sessions, one MCP session, or everyone.
enum class Scope { grant, session, global };
// sliding: any interval of the window's length holds at most `max`.
// fixed: calendar-aligned UTC windows [k*L, (k+1)*L) each hold at most `max`.
enum class WindowMode { sliding, fixed };
enum class Op { eq, neq, in, not_in, lt, lte, gt, gte, regex, contains, exists };

struct Window {
  std::chrono::seconds length{60};
  WindowMode mode = WindowMode::sliding;
  friend bool operator==(const Window&, const Window&) = default;
};

// A dotted path into the call's arguments: `args.a.b` is {"a", "b"}.
struct ArgsPath {
  std::vector<std::string> keys;
  friend bool operator==(const ArgsPath&, const ArgsPath&) = default;
};
// The current value of a counter for this call's scope key.
struct StatePath {
  Scope scope = Scope::global;
  std::string counter;
  friend bool operator==(const StatePath&, const StatePath&) = default;
};
using ConditionPath = std::variant<ArgsPath, StatePath>;

struct Condition {
  std::string rule;       // stable rule id, e.g. "tools.track_task.args[0]"
  std::string reason;     // the policy's own words for a refusal (may be empty)
  std::string path_text;  // the path as written, for messages
  ConditionPath path;
  Op op = Op::eq;
  Json value;
  std::shared_ptr<const re2::RE2> regex;  // compiled once at load, set when op is regex
};

// One cap on a counter. Every limit naming the same counter has the same scope, window and max
// (the loader refuses anything else), so a counter is fully described by any limit naming it.
struct Limit {
  std::string rule;    // stable rule id, e.g. "tools.track_task.limits[0]"
  std::string reason;  // the policy's own words for a refusal (may be empty)
  std::string counter;
  Scope scope = Scope::grant;
  Window window;
  std::int64_t max = 0;
  std::int64_t increment = 1;              // units charged per allowed call
  std::optional<ArgsPath> increment_from;  // or read the units from this argument
};

// What every limit naming one counter agrees on (the loader guarantees they agree).
struct CounterSpec {
  Scope scope = Scope::grant;
  Window window;
  std::int64_t max = 0;
  friend bool operator==(const CounterSpec&, const CounterSpec&) = default;
};

struct ToolRules {
  ToolAction action = ToolAction::allow;
  std::string action_rule;  // rule id that set a deny or approve action
  std::string reason;
  std::vector<Condition> conditions;  // all must pass (AND)
  std::vector<Limit> limits;          // all are charged together
};

// A loaded policy is immutable; share one between threads freely (RE2 matching is thread-safe).
struct Policy {
  Dialect dialect = Dialect::native;
  std::string source_name;  // file name or label given to the loader
  std::string version = "1";
  std::string description;
  DefaultAction default_action = DefaultAction::allow;
  bool default_declared = false;  // false when `default` was absent (allow), which audit flags
  std::set<std::string> hide;     // may hold "*": every tool hidden
  std::map<std::string, ToolRules> tools;       // byte-exact names; never holds the "*" entry
  std::optional<ToolRules> wildcard;            // the "*" entry, applied to every tool not refused
  std::map<std::string, CounterSpec> counters;  // every counter some limit charges, by name
};

// Rule ids that are not tied to a tool entry.
inline constexpr std::string_view kRuleDefault = "default";
inline constexpr std::string_view kRuleHide = "hide";

std::string_view to_string(Dialect);
std::string_view to_string(DefaultAction);
std::string_view to_string(ToolAction);
std::string_view to_string(Scope);
std::string_view to_string(WindowMode);
std::string_view to_string(Op);
// "second", "minute", "hour", "day", or "<n>s".
std::string window_name(std::chrono::seconds length);
// The condition path as `args.a.b` or `state.<scope>.<counter>`.
std::string path_text(const ConditionPath& path);

// True when the tool is hidden by the policy (by name or by "*").
bool is_hidden(const Policy& policy, std::string_view tool);
// Whether `tools/list` should show the tool: not hidden, not refused by default deny, and not
// denied outright by its own entry or the wildcard.
bool visible_in_listing(const Policy& policy, std::string_view tool);

// A canonical, dialect-neutral rendering of the model (sorted keys, every default spelled out),
// for `gatecrash audit`, logs and tests comparing what two files mean.
Json to_json(const Policy& policy);

}  // namespace gatecrash::policy
