// mcp/strict_json.cc — a SAX handler over nlohmann/json that builds the DOM and enforces limits.
#include "mcp/strict_json.h"

#include <optional>
#include <vector>

namespace gatecrash::mcp {
namespace {

// nlohmann's DOM parser silently keeps the last of duplicate keys and has no depth bound, so we
// build the DOM ourselves from its SAX events and stop at the first violation.
class StrictDomBuilder final : public nlohmann::json_sax<Json> {
 public:
  explicit StrictDomBuilder(const Limits& limits) : limits_(limits) {}

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return put(Json(v)); }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t&) override { return fail(JsonErrorKind::syntax, "binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(Json::object()); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    Json& object = *stack_.back();
    if (object.contains(k)) {
      return fail(JsonErrorKind::duplicate_key, "duplicate key \"" + k + "\"");
    }
    pending_key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (!error_) {
      std::string what = ex.what();
      // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 1, column 5:
      // syntax error ..."; keep the part after the last ": " that describes the problem.
      if (auto pos = what.find("syntax error"); pos != std::string::npos) what = what.substr(pos);
      error_ = JsonError{JsonErrorKind::syntax, position > 0 ? position - 1 : 0, what};
    }
    return false;
  }

  // nlohmann does not tell a handler where it is, so duplicate-key and depth errors carry
  // offset 0; syntax errors carry the parser's position.
  std::variant<Json, JsonError> take() {
    if (error_) return *error_;
    return std::move(root_);
  }

 private:
  bool put(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return true;
    }
    Json& parent = *stack_.back();
    if (parent.is_object()) {
      parent.emplace(std::move(pending_key_), std::move(value));
    } else {
      parent.push_back(std::move(value));
    }
    return true;
  }

  bool open(Json container) {
    if (stack_.size() + 1 > limits_.max_nesting_depth) {
      return fail(JsonErrorKind::too_deep,
                  "nesting deeper than " + std::to_string(limits_.max_nesting_depth) + " levels");
    }
    Json* slot = nullptr;
    if (stack_.empty()) {
      root_ = std::move(container);
      slot = &root_;
    } else {
      Json& parent = *stack_.back();
      if (parent.is_object()) {
        auto [it, inserted] = parent.emplace(std::move(pending_key_), std::move(container));
        slot = &it.value();
      } else {
        parent.push_back(std::move(container));
        slot = &parent.back();
      }
    }
    stack_.push_back(slot);
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  bool fail(JsonErrorKind kind, std::string message) {
    error_ = JsonError{kind, 0, std::move(message)};
    return false;
  }

  const Limits& limits_;
  Json root_;
  std::vector<Json*> stack_;
  std::string pending_key_;
  std::optional<JsonError> error_;
};

}  // namespace

std::variant<Json, JsonError> parse_strict_json(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_message_bytes) {
    return JsonError{JsonErrorKind::too_large, limits.max_message_bytes,
                     "message of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_message_bytes)};
  }
  // nlohmann skips a leading UTF-8 byte order mark; RFC 8259 forbids sending one, and a parser
  // that skips it while another chokes is a differential (attacks.md M6), so it is refused.
  if (text.starts_with("\xEF\xBB\xBF")) {
    return JsonError{JsonErrorKind::syntax, 0, "at byte 0: a byte order mark is not allowed before JSON"};
  }
  StrictDomBuilder builder(limits);
  const bool ok = Json::sax_parse(text.begin(), text.end(), &builder,
                                  nlohmann::detail::input_format_t::json, /*strict=*/true);
  auto outcome = builder.take();
  if (!ok && std::holds_alternative<Json>(outcome)) {
    return JsonError{JsonErrorKind::syntax, 0, "syntax error"};
  }
  if (auto* error = std::get_if<JsonError>(&outcome); error && error->kind == JsonErrorKind::syntax) {
    error->message = "at byte " + std::to_string(error->byte_offset) + ": " + error->message;
  }
  return outcome;
}

std::string to_line(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace gatecrash::mcp
