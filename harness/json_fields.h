// harness/json_fields.h — reading fields of JSON the harness did not write (gateway answers,
// ledger lines) without trusting their types.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

// nlohmann's value() throws when a field exists with another type; a gateway under test may send
// anything, and a wrong type is evidence for an oracle, never a reason for the run to fail.
inline std::string string_field(const nlohmann::json& object, const char* key, std::string fallback = "") {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

inline bool bool_field(const nlohmann::json& object, const char* key, bool fallback = false) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

inline std::int64_t int_field(const nlohmann::json& object, const char* key, std::int64_t fallback = 0) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

// The member itself (any type), or null.
inline nlohmann::json any_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() ? *it : nlohmann::json();
}

}  // namespace gatecrash::harness
