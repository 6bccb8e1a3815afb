// mock_servers/schema.cc — the JSON Schema subset validator behind every mock tool call.
#include "mock_servers/schema.h"

#include <string_view>
#include <vector>

namespace gatecrash::mock {
namespace {

using nlohmann::json;

std::string type_of(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

bool has_type(const json& value, std::string_view type) {
  if (type == "number") return value.is_number();
  if (type == "integer") return value.is_number_integer();  // a float is never an integer
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "null") return value.is_null();
  return false;
}

// Exact for every int64, uint64 and double on x86-64 (64-bit long double mantissa).
long double numeric_value(const json& number) {
  if (number.is_number_unsigned()) return static_cast<long double>(number.get<std::uint64_t>());
  if (number.is_number_integer()) return static_cast<long double>(number.get<std::int64_t>());
  return static_cast<long double>(number.get<double>());
}

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char byte : text) count += (byte & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

std::string show(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// JSON pointer token escaping (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string pointer_token(std::string_view key) {
  std::string token;
  for (char c : key) {
    if (c == '~')
      token += "~0";
    else if (c == '/')
      token += "~1";
    else
      token += c;
  }
  return token;
}

class Validator {
 public:
  std::optional<std::string> check(const json& schema, const json& value, int depth) {
    if (depth > kMaxSchemaDepth)
      return fail("nesting deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
    if (schema.is_boolean()) {
      return schema.get<bool>() ? std::nullopt : fail("no value is allowed here");
    }
    if (!schema.is_object()) return std::nullopt;  // not a schema we understand: accept
    if (auto error = check_type(schema, value)) return error;
    if (auto error = check_values(schema, value)) return error;
    if (auto error = check_bounds(schema, value)) return error;
    if (value.is_object()) {
      if (auto error = check_object(schema, value, depth)) return error;
    }
    if (value.is_array()) {
      if (auto error = check_items(schema, value, depth)) return error;
    }
    return check_any_of(schema, value, depth);
  }

 private:
  std::optional<std::string> fail(const std::string& message) const {
    return (path_.empty() ? std::string("(root)") : path_) + ": " + message;
  }

  std::optional<std::string> check_type(const json& schema, const json& value) const {
    auto type = schema.find("type");
    if (type == schema.end()) return std::nullopt;
    std::vector<std::string> allowed;
    if (type->is_string()) allowed.push_back(type->get<std::string>());
    if (type->is_array()) {
      for (const json& name : *type) {
        if (name.is_string()) allowed.push_back(name.get<std::string>());
      }
    }
    if (allowed.empty()) return std::nullopt;
    for (const std::string& name : allowed) {
      if (has_type(value, name)) return std::nullopt;
    }
    std::string expected;
    for (const std::string& name : allowed) expected += (expected.empty() ? "" : " or ") + name;
    return fail("expected " + expected + ", got " + type_of(value));
  }

  std::optional<std::string> check_values(const json& schema, const json& value) const {
    if (auto constant = schema.find("const"); constant != schema.end() && *constant != value) {
      return fail("must equal " + show(*constant));
    }
    auto choices = schema.find("enum");
    if (choices == schema.end() || !choices->is_array()) return std::nullopt;
    for (const json& choice : *choices) {
      if (choice == value) return std::nullopt;
    }
    std::string listed;
    for (const json& choice : *choices) listed += (listed.empty() ? "" : ", ") + show(choice);
    return fail("must be one of " + listed);
  }

  std::optional<std::string> check_bounds(const json& schema, const json& value) const {
    if (value.is_number()) {
      auto minimum = schema.find("minimum");
      if (minimum != schema.end() && minimum->is_number() &&
          numeric_value(value) < numeric_value(*minimum)) {
        return fail("must be >= " + show(*minimum));
      }
      auto maximum = schema.find("maximum");
      if (maximum != schema.end() && maximum->is_number() &&
          numeric_value(value) > numeric_value(*maximum)) {
        return fail("must be <= " + show(*maximum));
      }
    }
    if (value.is_string()) {
      std::size_t length = code_points(value.get_ref<const std::string&>());
      auto min_length = schema.find("minLength");
      if (min_length != schema.end() && min_length->is_number() &&
          static_cast<long double>(length) < numeric_value(*min_length)) {
        return fail("must be at least " + show(*min_length) + " characters long");
      }
      auto max_length = schema.find("maxLength");
      if (max_length != schema.end() && max_length->is_number() &&
          static_cast<long double>(length) > numeric_value(*max_length)) {
        return fail("must be at most " + show(*max_length) + " characters long");
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> check_object(const json& schema, const json& value, int depth) {
    auto required = schema.find("required");
    if (required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          return descend(name.get<std::string>(),
                         [&] { return fail("required property missing"); });
        }
      }
    }
    auto properties = schema.find("properties");
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, member] : value.items()) {
      const json* member_schema = nullptr;
      bool undeclared = true;
      if (properties != schema.end() && properties->is_object()) {
        auto declared = properties->find(key);
        if (declared != properties->end()) {
          member_schema = &*declared;
          undeclared = false;
        }
      }
      if (undeclared && additional != schema.end()) member_schema = &*additional;
      if (member_schema == nullptr) continue;
      // Structured bindings cannot be captured by lambdas under clang 14 (the fuzz build).
      const json& member_value = member;
      auto error = descend(key, [&] {
        if (undeclared && *member_schema == false) return fail("unexpected property");
        return check(*member_schema, member_value, depth + 1);
      });
      if (error) return error;
    }
    return std::nullopt;
  }

  std::optional<std::string> check_items(const json& schema, const json& value, int depth) {
    auto items = schema.find("items");
    if (items == schema.end()) return std::nullopt;
    for (std::size_t index = 0; index < value.size(); ++index) {
      auto error =
          descend(std::to_string(index), [&] { return check(*items, value[index], depth + 1); });
      if (error) return error;
    }
    return std::nullopt;
  }

  std::optional<std::string> check_any_of(const json& schema, const json& value, int depth) {
    auto alternatives = schema.find("anyOf");
    if (alternatives == schema.end() || !alternatives->is_array()) return std::nullopt;
    std::optional<std::string> first_error;
    for (const json& alternative : *alternatives) {
      auto error = check(alternative, value, depth + 1);
      if (!error) return std::nullopt;
      if (!first_error) first_error = error;
    }
    return fail("matches none of the allowed alternatives (first: " +
                first_error.value_or("no alternatives") + ")");
  }

  template <class Check>
  std::optional<std::string> descend(const std::string& key, Check&& check_member) {
    std::size_t saved = path_.size();
    path_ += "/" + pointer_token(key);
    std::optional<std::string> error = check_member();
    path_.resize(saved);
    return error;
  }

  std::string path_;
};

}  // namespace

std::optional<std::string> validate_arguments(const json& schema, const json& value) {
  return Validator().check(schema, value, 0);
}

}  // namespace gatecrash::mock
