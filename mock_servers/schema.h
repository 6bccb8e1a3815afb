// mock_servers/schema.h — validates tool arguments against the JSON Schema subset the catalogs use.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gatecrash::mock {

// Deepest schema/value nesting validate_arguments follows before it gives up with an error.
inline constexpr int kMaxSchemaDepth = 64;

// Returns std::nullopt when `value` satisfies `schema`, otherwise one message that names the first
// offending field by JSON pointer, e.g. "/request/location: required property missing" or
// "/forced: expected boolean, got string" ("(root)" for the value itself).
//
// Keywords: type (a name or an array of names), properties, required, enum, const,
// additionalProperties (false or a schema), minimum, maximum, minLength, maxLength (counted in
// Unicode code points), items (one schema for every element), anyOf; boolean schemas true/false.
// Other keywords are ignored. "integer" accepts only numbers written without a fraction or
// exponent: nlohmann parses 3.0 as a float, and a float is never an integer here, even when its
// value is integral (stricter than JSON Schema 2020-12, on purpose: the mock reports exactly what
// the caller sent). Never throws.
std::optional<std::string> validate_arguments(const nlohmann::json& schema,
                                              const nlohmann::json& value);

}  // namespace gatecrash::mock
