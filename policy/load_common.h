// policy/load_common.h — checks both dialect translators share: types, keys, windows, conditions.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/errors.h"
#include "policy/model.h"

namespace gatecrash::policy::detail {

// "object", "array", "string", "integer", "number", "boolean" or "null".
std::string_view type_name(const Json& value);
// A JSON rendering for messages: strings quoted, everything else compact.
std::string render(const Json& value);
// "a", "a or b", "a, b or c".
std::string join_choices(std::initializer_list<std::string_view> choices);

enum class Kind { object, array, string, boolean, integer, number };

// True when `value` is of `kind`; otherwise reports E101 at `pointer` and returns false.
// "integer" accepts only numbers written without fraction or exponent.
bool expect_kind(const Json& value, Kind kind, const std::string& pointer, Diagnostics& diag);
// Reports E100 for every key of `object` that is not in `allowed`.
void check_keys(const Json& object, const std::string& pointer,
                std::initializer_list<std::string_view> allowed, Diagnostics& diag);
// The member `key` of `object`, or nullptr; reports E102 when `required` and absent.
const Json* member(const Json& object, std::string_view key, const std::string& pointer,
                   Diagnostics& diag, bool required = false);
// A string member (E101 on another type), or nullopt when absent or wrong.
std::optional<std::string> string_member(const Json& object, std::string_view key,
                                         const std::string& pointer, Diagnostics& diag,
                                         bool required = false);

// One of `choices` (E101 unless a string, E106 unless listed).
template <typename Enum>
std::optional<Enum> parse_choice(const Json& value, std::string_view label,
                                 const std::string& pointer,
                                 std::initializer_list<std::pair<std::string_view, Enum>> choices,
                                 Diagnostics& diag);

// `window`: native takes second, minute, hour, day or a positive integer of seconds; Intercept
// takes minute, hour or day (E104 otherwise).
std::optional<std::chrono::seconds> parse_window(const Json& value, Dialect dialect,
                                                 const std::string& pointer, Diagnostics& diag);
// `max`: an integer >= 0 (E101, E105).
std::optional<std::int64_t> parse_max(const Json& value, const std::string& pointer,
                                      Diagnostics& diag);
// `increment`: an integer >= 0 (E107).
std::optional<std::int64_t> parse_increment(const Json& value, const std::string& pointer,
                                            Diagnostics& diag);
// `args.a.b` (no empty segment), or nullopt.
std::optional<ArgsPath> parse_args_path(std::string_view text);
// `increment_from`: a string `args...` path (E101, E109).
std::optional<ArgsPath> parse_increment_from(const Json& value, const std::string& pointer,
                                             Diagnostics& diag);

// The regex operands of one policy, compiled once per pattern: conditions that share a pattern
// share its RE2. Compiling is what a policy's load costs most: `(?s)^.{1,1000}$` is an
// 8,001-instruction program that takes about 4 ms, and a stdio gateway loads its policy once per
// session. Per load, not per process, so that policy/ keeps no global state.
class RegexBook {
 public:
  // The pattern compiled with the loader's options; check ok() for whether it is valid.
  std::shared_ptr<const re2::RE2> compile(const std::string& pattern);

 private:
  std::map<std::string, std::shared_ptr<const re2::RE2>, std::less<>> compiled_;
};

// A condition object {path, op, value} (plus `reason` in the native dialect). The `rule` and
// `reason` fields are left for the caller. State paths are `state.<grant|session|global>.<counter>`
// in native and `state.<tool>.<counter>` (a global counter named "<tool>.<counter>") in Intercept.
std::optional<Condition> parse_condition(const Json& object, Dialect dialect,
                                         const std::string& pointer, RegexBook& regexes,
                                         Diagnostics& diag);

// Every counter defined and referenced in one policy, for the checks that span tools.
class CounterBook {
 public:
  // Records `limit` as defined at `pointer`; E200 when the counter exists with another scope,
  // window or max, E119 when a sliding max is over kMaxSlidingWindowMax.
  void define(const Limit& limit, const std::string& pointer, Diagnostics& diag);
  // Marks a counter whose definition was refused, so references to it add no second error.
  void declare_refused(const std::string& name) { refused_.insert(name); }
  // Records a `state.` condition to check once every counter is known.
  void reference(const StatePath& path, std::string pointer);
  // E204 for references to counters no limit defines, E205 for scope mismatches (native).
  void check_references(Dialect dialect, Diagnostics& diag) const;
  // Every counter defined, for Policy::counters.
  std::map<std::string, CounterSpec> specs() const;

 private:
  struct Definition {
    Limit limit;
    std::string pointer;
  };
  std::map<std::string, Definition> defined_;
  std::set<std::string> refused_;
  std::vector<std::pair<StatePath, std::string>> references_;
};

// E201 when one tool entry charges the same counter twice; `pointers[i]` locates limits[i].
void check_counters_unique(const ToolRules& rules, const std::vector<std::string>& pointers,
                           Diagnostics& diag);
// `hide`: an array of non-empty, distinct strings (E101, E117, E203).
std::set<std::string> parse_hide(const Json& value, const std::string& pointer, Diagnostics& diag);
// E202 for each hidden tool whose entry does not deny it.
void check_hidden_not_allowed(const Json& hide_value, const Policy& policy, Diagnostics& diag);

// The document members both dialects share (version, description, default, hide, tools), with
// each `tools` entry handed to `translate_tool(name, entry, pointer)`; `counters` is the book the
// dialect's tool translator defined its limits in. The dialects differ only per tool.
using ToolTranslator = std::function<ToolRules(const std::string& name, const Json& entry,
                                               const std::string& pointer)>;
Policy translate_document(const Json& root, Dialect dialect, const ToolTranslator& translate_tool,
                          CounterBook& counters, Diagnostics& diag);

// `version`: the string "1" (E101, E103). Intercept also takes a bare YAML 1.
std::optional<std::string> parse_version(const Json& value, Dialect dialect, Diagnostics& diag);

template <typename Enum>
std::optional<Enum> parse_choice(const Json& value, std::string_view label,
                                 const std::string& pointer,
                                 std::initializer_list<std::pair<std::string_view, Enum>> choices,
                                 Diagnostics& diag) {
  if (!expect_kind(value, Kind::string, pointer, diag)) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  std::string expected;
  std::size_t index = 0;
  for (const auto& [name, result] : choices) {
    if (name == text) return result;
    if (index > 0) expected += index + 1 == choices.size() ? " or " : ", ";
    expected += name;
    ++index;
  }
  diag.add(error_id::kUnknownValue, pointer,
           "unknown " + std::string(label) + " " + render(value) + " (expected " + expected + ")");
  return std::nullopt;
}

}  // namespace gatecrash::policy::detail
