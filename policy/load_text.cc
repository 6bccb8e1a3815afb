// policy/load_text.cc — the loaders' edge: parse text, translate, and turn any failure into errors.
#include <set>

#include "mcp/strict_json.h"
#include "policy/limits.h"
#include "policy/load.h"
#include "policy/load_translate.h"

namespace gatecrash::policy {
namespace {

// parse_strict_json does not say where a duplicate key sits; this replays the SAX events only
// to name the JSON pointer of the first one.
class DuplicateKeyLocator final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& key) override {
    Frame& frame = stack_.back();
    if (!frame.keys.insert(key).second) {
      found_ = pointer_append(frame.pointer, key);
      return false;
    }
    frame.pending_key = key;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }
  std::string found() const { return found_; }

 private:
  struct Frame {
    bool is_object = false;
    std::string pointer;
    std::set<std::string> keys;
    std::string pending_key;
    std::size_t index = 0;
  };
  std::string child_pointer() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    return top.is_object ? pointer_append(top.pointer, top.pending_key)
                         : pointer_append(top.pointer, top.index);
  }
  bool value() {
    if (!stack_.empty() && !stack_.back().is_object) ++stack_.back().index;
    return true;
  }
  bool open(bool is_object) {
    stack_.push_back(Frame{is_object, child_pointer(), {}, {}, 0});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return value();
  }
  std::vector<Frame> stack_;
  std::string found_;
};

PolicyError json_syntax_error(std::string_view text, const mcp::JsonError& error) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < error.byte_offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string detail = error.message;
  if (auto pos = detail.find("syntax error"); pos != std::string::npos) {
    detail = detail.substr(pos + std::string_view("syntax error").size());
    if (detail.starts_with(" ")) detail.erase(0, 1);
  }
  return PolicyError{std::string(error_id::kSyntax), "",
                     "syntax error at line " + std::to_string(line) + ", column " +
                         std::to_string(column) + " (byte " + std::to_string(error.byte_offset) +
                         ")" + (detail.empty() ? "" : ": " + detail)};
}

std::variant<Json, PolicyError> parse_json(std::string_view text) {
  mcp::Limits limits;
  limits.max_message_bytes = kMaxPolicyBytes;
  limits.max_nesting_depth = kMaxPolicyDepth;
  auto parsed = mcp::parse_strict_json(text, limits);
  if (auto* value = std::get_if<Json>(&parsed)) return std::move(*value);
  const auto& error = std::get<mcp::JsonError>(parsed);
  switch (error.kind) {
    case mcp::JsonErrorKind::syntax:
      return json_syntax_error(text, error);
    case mcp::JsonErrorKind::duplicate_key: {
      DuplicateKeyLocator locator;
      Json::sax_parse(text.begin(), text.end(), &locator, nlohmann::detail::input_format_t::json,
                      true);
      return PolicyError{std::string(error_id::kDuplicateKey), locator.found(), error.message};
    }
    default:
      return PolicyError{std::string(error_id::kTooLarge), "", error.message};
  }
}

using Translator = Policy (*)(const Json&, Diagnostics&);

LoadResult load(std::string_view text, std::string source_name, bool yaml, Translator translate) {
  LoadResult result;
  result.source_name = std::move(source_name);
  try {
    if (text.size() > kMaxPolicyBytes) {
      result.errors.push_back(PolicyError{std::string(error_id::kTooLarge), "",
                                          "policy of " + std::to_string(text.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(kMaxPolicyBytes) + " bytes"});
      return result;
    }
    auto parsed = yaml ? detail::yaml_to_json(text) : parse_json(text);
    if (auto* error = std::get_if<PolicyError>(&parsed)) {
      result.errors.push_back(std::move(*error));
      return result;
    }
    Diagnostics diag;
    Policy policy = translate(std::get<Json>(parsed), diag);
    if (!diag.empty()) {
      result.errors = diag.take();
      return result;
    }
    policy.source_name = result.source_name;
    result.policy = std::move(policy);
  } catch (const std::exception& e) {
    // Not expected: every check above reports instead of throwing. Kept so a loader bug refuses
    // the policy with a message rather than escaping into the gateway.
    result.policy.reset();
    result.errors.push_back(PolicyError{std::string(error_id::kSyntax), "",
                                        std::string("could not load: ") + e.what()});
  }
  return result;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string out;
  for (const auto& error : errors) out += source_name + ": " + error.text() + "\n";
  return out;
}

LoadResult load_policy_json(std::string_view text, std::string source_name) {
  return load(text, std::move(source_name), false, &detail::translate_native);
}

LoadResult load_policy_yaml(std::string_view text, std::string source_name) {
  return load(text, std::move(source_name), true, &detail::translate_intercept);
}

}  // namespace gatecrash::policy
