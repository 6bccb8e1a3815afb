// policy/conditions.cc — the condition operators, with exact numeric comparison and RE2 matching.
#include "policy/conditions.h"

#include <re2/re2.h>

#include <compare>
#include <limits>

namespace gatecrash::policy {
namespace {

// long double holds every int64, uint64 and double exactly where it has a 64-bit mantissa, which
// makes mixed integer/float comparison exact. Refuse to build where it would round.
static_assert(std::numeric_limits<long double>::digits >= 64,
              "exact mixed-type number comparison needs a 64-bit long double mantissa");

std::partial_ordering compare_numbers(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (a_unsigned && b_unsigned) return a.get<std::uint64_t>() <=> b.get<std::uint64_t>();
    if (!a_unsigned && !b_unsigned) return a.get<std::int64_t>() <=> b.get<std::int64_t>();
    if (!a_unsigned) {
      auto s = a.get<std::int64_t>();
      if (s < 0) return std::partial_ordering::less;
      return static_cast<std::uint64_t>(s) <=> b.get<std::uint64_t>();
    }
    auto s = b.get<std::int64_t>();
    if (s < 0) return std::partial_ordering::greater;
    return a.get<std::uint64_t>() <=> static_cast<std::uint64_t>(s);
  }
  auto as_long_double = [](const Json& n) -> long double {
    if (n.is_number_unsigned()) return static_cast<long double>(n.get<std::uint64_t>());
    if (n.is_number_integer()) return static_cast<long double>(n.get<std::int64_t>());
    return static_cast<long double>(n.get<double>());
  };
  return as_long_double(a) <=> as_long_double(b);
}

std::string render(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string_view type_of(const Json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

bool contained_in(const Json& list, const Json& value) {
  for (const auto& element : list) {
    if (json_equal(element, value)) return true;
  }
  return false;
}

std::string_view comparison_symbol(Op op) {
  switch (op) {
    case Op::lt:
      return "<";
    case Op::lte:
      return "<=";
    case Op::gt:
      return ">";
    default:
      return ">=";
  }
}

bool comparison_holds(Op op, std::partial_ordering order) {
  switch (op) {
    case Op::lt:
      return order == std::partial_ordering::less;
    case Op::lte:
      return order == std::partial_ordering::less || order == std::partial_ordering::equivalent;
    case Op::gt:
      return order == std::partial_ordering::greater;
    default:
      return order == std::partial_ordering::greater || order == std::partial_ordering::equivalent;
  }
}

}  // namespace

bool json_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    return compare_numbers(a, b) == std::partial_ordering::equivalent;
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!json_equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      auto other = b.find(key);
      if (other == b.end() || !json_equal(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

const Json* find_argument(const Json& arguments, const ArgsPath& path) {
  const Json* current = &arguments;
  for (const auto& key : path.keys) {
    if (!current->is_object()) return nullptr;
    auto it = current->find(key);
    if (it == current->end()) return nullptr;
    current = &*it;
  }
  return current;
}

std::optional<std::string> failed_condition(const Condition& condition, const Json* actual) {
  const std::string& path = condition.path_text;
  const Json& expected = condition.value;
  const bool present = actual != nullptr && !actual->is_null();
  if (condition.op == Op::exists) {
    if (present == expected.get<bool>()) return std::nullopt;
    return path + (present ? " must be absent" : " is required");
  }
  if (actual == nullptr) return path + " is missing";
  switch (condition.op) {
    case Op::eq:
      if (json_equal(*actual, expected)) return std::nullopt;
      return path + " must equal " + render(expected);
    case Op::neq:
      if (!json_equal(*actual, expected)) return std::nullopt;
      return path + " must not equal " + render(expected);
    case Op::in:
      if (contained_in(expected, *actual)) return std::nullopt;
      return path + " must be one of " + render(expected);
    case Op::not_in:
      if (!contained_in(expected, *actual)) return std::nullopt;
      return path + " must not be one of " + render(expected);
    case Op::lt:
    case Op::lte:
    case Op::gt:
    case Op::gte:
      if (!actual->is_number()) {
        return path + " must be a number, got " + std::string(type_of(*actual));
      }
      if (comparison_holds(condition.op, compare_numbers(*actual, expected))) return std::nullopt;
      return path + " must be " + std::string(comparison_symbol(condition.op)) + " " +
             render(expected);
    case Op::regex:
      if (!actual->is_string()) {
        return path + " must be a string, got " + std::string(type_of(*actual));
      }
      if (condition.regex &&
          RE2::PartialMatch(actual->get_ref<const std::string&>(), *condition.regex)) {
        return std::nullopt;
      }
      return path + " must match " + render(expected);
    case Op::contains:
      if (actual->is_string()) {
        if (expected.is_string() &&
            actual->get_ref<const std::string&>().find(expected.get_ref<const std::string&>()) !=
                std::string::npos) {
          return std::nullopt;
        }
      } else if (actual->is_array()) {
        if (contained_in(*actual, expected)) return std::nullopt;
      } else {
        return path + " must be a string or a list, got " + std::string(type_of(*actual));
      }
      return path + " must contain " + render(expected);
    case Op::exists:
      break;
  }
  return path + " failed an unknown operator";  // unreachable: every Op is handled above
}

}  // namespace gatecrash::policy
