// policy/conditions.h — one condition against one value: typed, exact, and failing closed.
#pragma once

#include <optional>
#include <string>

#include "policy/model.h"

namespace gatecrash::policy {

// nullopt when the condition holds; otherwise why not, in words that name the path and what the
// policy expects but never echo the argument's value (it may be a secret).
//
// `actual` is nullptr when the path is absent. Only `exists` can pass on an absent value. Types
// never convert: "5" is not 5, true is not 1; numbers compare exactly (int64, uint64 and double
// against each other without rounding). A type the operator cannot use is a failure, never a
// silent false-that-allows.
std::optional<std::string> failed_condition(const Condition& condition, const Json* actual);

// Exact equality: numbers by value across integer and float representations, everything else by
// type and value (arrays and objects element by element).
bool json_equal(const Json& a, const Json& b);

// Finds `args.a.b` in the arguments object; nullptr when a key is missing or a non-object is in
// the way.
const Json* find_argument(const Json& arguments, const ArgsPath& path);

}  // namespace gatecrash::policy
