// policy/yaml_json.cc — one YAML document to JSON, refusing duplicate keys and alias blow-ups.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <sstream>

#include "policy/limits.h"
#include "policy/load_translate.h"

namespace gatecrash::policy::detail {
namespace {

bool any_of(std::string_view text, std::initializer_list<std::string_view> choices) {
  for (auto choice : choices) {
    if (text == choice) return true;
  }
  return false;
}

bool is_digit(char c, int base) {
  if (base == 8) return c >= '0' && c <= '7';
  if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  return c >= '0' && c <= '9';
}

// Consumes one or more digits of `base` from the front of `text`; false if there are none.
bool eat_digits(std::string_view& text, int base = 10) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n], base)) ++n;
  text.remove_prefix(n);
  return n > 0;
}

bool eat(std::string_view& text, std::string_view chars) {
  if (text.empty() || chars.find(text.front()) == std::string_view::npos) return false;
  text.remove_prefix(1);
  return true;
}

// [-+]?[0-9]+
bool is_decimal(std::string_view text) {
  eat(text, "-+");
  return eat_digits(text) && text.empty();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_float(std::string_view text) {
  eat(text, "-+");
  if (eat(text, ".")) {
    if (!eat_digits(text)) return false;
  } else {
    if (!eat_digits(text)) return false;
    if (eat(text, ".")) eat_digits(text);
  }
  if (eat(text, "eE")) {
    eat(text, "-+");
    if (!eat_digits(text)) return false;
  }
  return text.empty();
}

// 0o[0-7]+ or 0x[0-9a-fA-F]+, as an unsigned integer.
std::optional<std::uint64_t> based_integer(std::string_view text) {
  int base = text.starts_with("0o") ? 8 : text.starts_with("0x") ? 16 : 0;
  if (base == 0) return std::nullopt;
  std::string_view digits = text.substr(2);
  std::string_view rest = digits;
  if (!eat_digits(rest, base) || !rest.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

// A plain (unquoted, untagged) scalar under the YAML 1.2 core schema. `.inf` and `.nan` stay
// strings: no policy value means them, and a string is refused wherever a number is expected.
Json resolve_plain(const std::string& text) {
  if (any_of(text, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (any_of(text, {"true", "True", "TRUE"})) return true;
  if (any_of(text, {"false", "False", "FALSE"})) return false;
  const char* end = text.data() + text.size();
  const char* digits = text[0] == '+' ? text.data() + 1 : text.data();  // from_chars takes no '+'
  if (is_decimal(text)) {
    std::int64_t signed_value = 0;
    if (std::from_chars(digits, end, signed_value).ec == std::errc()) return signed_value;
    std::uint64_t unsigned_value = 0;
    if (std::from_chars(digits, end, unsigned_value).ec == std::errc()) return unsigned_value;
  }
  if (auto based = based_integer(text)) return *based;
  if (is_float(text)) {
    double value = 0;
    if (std::from_chars(digits, end, value).ec == std::errc()) return value;
  }
  return text;
}

class YamlConverter {
 public:
  // Throws nothing of its own; records the first problem and unwinds.
  Json convert(const YAML::Node& node, const std::string& pointer, std::size_t depth) {
    if (error_) return nullptr;
    if (++nodes_ > kMaxYamlNodes) {
      fail(error_id::kTooLarge, pointer,
           "document expands to more than " + std::to_string(kMaxYamlNodes) + " nodes");
      return nullptr;
    }
    if (depth > kMaxPolicyDepth) {
      fail(error_id::kTooLarge, pointer,
           "nesting deeper than " + std::to_string(kMaxPolicyDepth) + " levels");
      return nullptr;
    }
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return convert_map(node, pointer, depth);
      case YAML::NodeType::Sequence: {
        Json array = Json::array();
        for (const auto& element : node) {
          array.push_back(convert(element, pointer_append(pointer, array.size()), depth + 1));
        }
        return array;
      }
      case YAML::NodeType::Scalar:
        return convert_scalar(node, pointer);
      default:
        return nullptr;
    }
  }

  std::optional<PolicyError> error() const { return error_; }

 private:
  Json convert_map(const YAML::Node& node, const std::string& pointer, std::size_t depth) {
    Json object = Json::object();
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        fail(error_id::kWrongType, pointer,
             "expected string key, got " + std::string(entry.first.IsMap() ? "map" : "sequence"));
        return nullptr;
      }
      const std::string& key = entry.first.Scalar();
      std::string child = pointer_append(pointer, key);
      if (!count_bytes(key.size(), child)) return nullptr;
      if (object.contains(key)) {
        fail(error_id::kDuplicateKey, child, "duplicate key " + Json(key).dump());
        return nullptr;
      }
      object[key] = convert(entry.second, child, depth + 1);
    }
    return object;
  }

  Json convert_scalar(const YAML::Node& node, const std::string& pointer) {
    if (!count_bytes(node.Scalar().size(), pointer)) return nullptr;
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
    if (tag == "?" || tag.empty() || tag.starts_with("tag:yaml.org,2002:")) {
      return resolve_plain(node.Scalar());
    }
    fail(error_id::kWrongType, pointer, "unsupported YAML tag " + Json(tag).dump());
    return nullptr;
  }

  // Adds to the expanded text; false (and the error) once it passes kMaxYamlExpandedBytes.
  bool count_bytes(std::size_t size, const std::string& pointer) {
    bytes_ += size;
    if (bytes_ <= kMaxYamlExpandedBytes) return true;
    fail(error_id::kTooLarge, pointer,
         "document expands to more than " + std::to_string(kMaxYamlExpandedBytes) + " bytes of keys and scalars");
    return false;
  }

  void fail(std::string_view id, std::string pointer, std::string message) {
    if (!error_) error_ = PolicyError{std::string(id), std::move(pointer), std::move(message)};
  }

  std::size_t nodes_ = 0;
  std::size_t bytes_ = 0;
  std::optional<PolicyError> error_;
};

// Counts documents and builds nothing. YAML::LoadAll (yaml-cpp 0.7.0) never stops on some
// malformed streams — `"a",` yields empty documents without end until memory runs out (found by
// fuzz/policy_loader_fuzzer; yaml-cpp PRs #1318/#1319) — so documents are counted with a bound
// first, and only a single document is loaded.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// More documents than this is reported as "more than" (a policy has exactly one).
constexpr std::size_t kMaxCountedDocuments = 16;

}  // namespace

std::variant<Json, PolicyError> yaml_to_json(std::string_view text) {
  const std::string source(text);
  std::size_t documents = 0;
  YAML::Node document;
  try {
    std::istringstream in(source);
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (documents <= kMaxCountedDocuments && parser.HandleNextDocument(counter)) ++documents;
    if (documents == 1) document = YAML::Load(source);
  } catch (const YAML::Exception& e) {
    return PolicyError{std::string(error_id::kSyntax), "",
                       "syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  if (documents > kMaxCountedDocuments) {
    return PolicyError{std::string(error_id::kSyntax), "",
                       "expected one YAML document, found more than " + std::to_string(kMaxCountedDocuments)};
  }
  if (documents > 1) {
    return PolicyError{std::string(error_id::kSyntax), "",
                       "expected one YAML document, found " + std::to_string(documents)};
  }
  if (documents == 0) return Json(nullptr);
  YamlConverter converter;
  Json root = converter.convert(document, "", 0);
  if (auto error = converter.error()) return *error;
  return root;
}

}  // namespace gatecrash::policy::detail
