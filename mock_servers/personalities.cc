// mock_servers/personalities.cc — lenient key reading, tool-name lookup and argument coercion of the mock's parser personalities.
#include "mock_servers/personalities.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace gatecrash::mock {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ascii_lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

// Go's encoding/json matches a key to a struct field exactly or case-insensitively, and a later
// key overwrites an earlier one. Only the struct-shaped objects are folded (the envelope and the
// tools/call params); `arguments` is a map in such servers and keeps its keys as sent.
ordered_json fold_keys(const ordered_json& object, const std::array<std::string_view, 6>& fields) {
  ordered_json folded = ordered_json::object();
  for (const auto& [key, value] : object.items()) {
    const std::string lowered = ascii_lowered(key);
    const auto field = std::find(fields.begin(), fields.end(), lowered);
    folded[field != fields.end() && !field->empty() ? std::string(*field) : key] = value;
  }
  return folded;
}

constexpr std::array<std::string_view, 6> kEnvelopeFields = {"jsonrpc", "id", "method", "params", "result", "error"};
constexpr std::array<std::string_view, 6> kCallParamsFields = {"name", "arguments", "_meta", "", "", ""};

void fold_message(ordered_json& message) {
  if (!message.is_object()) return;
  message = fold_keys(message, kEnvelopeFields);
  auto params = message.find("params");
  if (params != message.end() && params->is_object() && message.value("method", "") == "tools/call") {
    *params = fold_keys(*params, kCallParamsFields);
  }
}

// False only when folding cannot change `text`: no quoted token in it is a case variant of a
// folded field (an exact "method" is no variant), and no \u escape could spell one. Conservative,
// cheap, and it spares the common message two more parses and a dump.
bool may_hold_case_variant(std::string_view text) {
  if (text.find("\\u") != std::string_view::npos) return true;
  for (std::size_t quote = text.find('"'); quote != std::string_view::npos; quote = text.find('"', quote + 1)) {
    const std::string_view rest = text.substr(quote + 1);
    for (const auto* fields : {&kEnvelopeFields, &kCallParamsFields}) {
      for (const std::string_view field : *fields) {
        if (field.empty() || rest.size() <= field.size() || rest[field.size()] != '"') continue;
        const std::string_view token = rest.substr(0, field.size());
        const bool same_letters = std::equal(token.begin(), token.end(), field.begin(), [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
        });
        if (same_letters && token != field) return true;
      }
    }
  }
  return false;
}

bool is_duplicate_key_failure(const std::variant<mcp::Frame, mcp::DecodeError>& decoded) {
  if (const auto* failure = std::get_if<mcp::DecodeError>(&decoded)) return failure->kind == "duplicate_key";
  return false;
}

// The members of `object` ordered by where each key last occurs in `keys` (every key as met in
// the document, repeats included). ordered_json overwrites a repeated key's value in place, at
// its first position; a last-wins reader must see it where it last occurred, or a case variant
// between the two would wrongly come later ({"name":"a","Name":"b","name":"c"} reads "c" in Go).
ordered_json by_last_occurrence(const ordered_json& object, const std::vector<std::string>& keys) {
  std::vector<std::string> order;
  for (auto key = keys.rbegin(); key != keys.rend(); ++key) {
    if (std::find(order.begin(), order.end(), *key) == order.end()) order.push_back(*key);
  }
  ordered_json reordered = ordered_json::object();
  for (auto key = order.rbegin(); key != order.rend(); ++key) {
    if (auto member = object.find(*key); member != object.end()) reordered[*key] = *member;
  }
  return reordered;
}

// Parses `text` keeping the first or the last of repeated keys; nullopt when it is not JSON a
// lenient parser reads either, or nests deeper than the strict codec allows.
std::optional<ordered_json> parse_lenient(std::string_view text, DuplicateKeys duplicates,
                                          std::size_t max_depth) {
  std::vector<std::set<std::string>> seen;   // keys met so far, per object nesting depth
  std::vector<std::vector<std::string>> met;  // the same in document order, repeats included
  std::size_t deepest = 0;
  const bool keep_first = duplicates == DuplicateKeys::first;
  auto on_event = [&](int depth, ordered_json::parse_event_t event, ordered_json& parsed) {
    const auto level = static_cast<std::size_t>(depth);
    deepest = std::max(deepest, level);
    if (event == ordered_json::parse_event_t::object_start) {
      seen.resize(std::max(seen.size(), level + 2));
      met.resize(seen.size());
      seen[level + 1].clear();
      met[level + 1].clear();
    } else if (event == ordered_json::parse_event_t::key) {
      seen.resize(std::max(seen.size(), level + 1));
      met.resize(seen.size());
      const std::string key = parsed.get<std::string>();
      met[level].push_back(key);
      const bool first_time = seen[level].insert(key).second;
      return first_time || !keep_first;  // false drops the repeated member
    } else if (event == ordered_json::parse_event_t::object_end && !keep_first &&
               level + 1 < met.size() && met[level + 1].size() > parsed.size()) {
      parsed = by_last_occurrence(parsed, met[level + 1]);  // it had repeats
    }
    return true;
  };
  ordered_json value = ordered_json::parse(text.begin(), text.end(), on_event, /*allow_exceptions=*/false);
  if (value.is_discarded() || deepest > max_depth) return std::nullopt;
  return value;
}

// One code point from UTF-8 at `at` (advanced past it); malformed bytes come back one by one.
std::uint32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length <= 1 || at + length > text.size()) {
    ++at;
    return lead;
  }
  std::uint32_t cp = lead & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) {
      ++at;
      return lead;
    }
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  at += length;
  return cp;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The few folds real dispatchers are known to apply to names (Go's EqualFold maps U+017F to s and
// U+212A to k; NFKC maps fullwidth ASCII to ASCII; many strip zero-width characters). Written by
// hand because these folds are the point, not full Unicode normalisation (which ICU would do).
std::string lenient_fold(std::string_view name) {
  std::string out;
  for (std::size_t at = 0; at < name.size();) {
    std::uint32_t cp = next_code_point(name, at);
    if (cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD) continue;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp == 0x017F) cp = 's';
    if (cp == 0x212A) cp = 'k';
    append_utf8(out, cp);
  }
  return out;
}

std::string_view trimmed(std::string_view name) {
  const auto is_space = [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; };
  while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
  while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
  return name;
}

std::string lookup_key(std::string_view name, NameLookup lookup) {
  switch (lookup) {
    case NameLookup::exact:
      return std::string(name);
    case NameLookup::case_insensitive:
      return ascii_lowered(name);
    case NameLookup::trim:
      return std::string(trimmed(name));
    case NameLookup::lenient:
      return ascii_lowered(trimmed(lenient_fold(name)));
  }
  return std::string(name);
}

bool has_type(const json& value, std::string_view type) {
  if (type == "integer") return value.is_number_integer() || value.is_number_unsigned();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  if (type == "null") return value.is_null();
  return true;  // a type we do not know: nothing to coerce to
}

std::optional<json> coerced(const json& value, std::string_view type) {
  if (type == "integer") {
    if (value.is_string()) {
      std::int64_t number = 0;
      const std::string& text = value.get_ref<const std::string&>();
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (!text.empty() && error == std::errc() && end == text.data() + text.size()) return json(number);
    }
    if (value.is_number_float()) {
      const double number = value.get<double>();
      if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) < 9.2e18)
        return json(static_cast<std::int64_t>(number));
    }
    if (value.is_boolean()) return json(value.get<bool>() ? 1 : 0);
  } else if (type == "number") {
    if (value.is_string()) {
      double number = 0;
      const std::string& text = value.get_ref<const std::string&>();
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (!text.empty() && error == std::errc() && end == text.data() + text.size() && std::isfinite(number))
        return json(number);
    }
    if (value.is_boolean()) return json(value.get<bool>() ? 1 : 0);
  } else if (type == "boolean") {
    if (value == "true" || value == "1" || value == 1) return json(true);
    if (value == "false" || value == "0" || value == 0) return json(false);
  } else if (type == "string") {
    if (value.is_number() || value.is_boolean()) return json(value.dump());
  } else if (type == "array") {
    if (!value.is_object() && !value.is_null()) return json::array({value});
  }
  return std::nullopt;
}

}  // namespace

std::variant<mcp::Frame, mcp::DecodeError> decode_with_personality(
    std::string_view text, const mcp::Limits& limits, const ParserPersonality& personality) {
  auto strict = mcp::decode_frame(text, limits);
  if (personality.strict()) return strict;
  const bool duplicate = is_duplicate_key_failure(strict);
  if (duplicate ? personality.duplicate_keys == DuplicateKeys::reject
                : (personality.key_case == KeyCase::exact || !std::holds_alternative<mcp::Frame>(strict))) {
    return strict;
  }
  if (!duplicate && !may_hold_case_variant(text)) return strict;
  // `reject` with a case-insensitive reader still has to pick one of exact repeats: last, as Go.
  const DuplicateKeys duplicates =
      personality.duplicate_keys == DuplicateKeys::first ? DuplicateKeys::first : DuplicateKeys::last;
  auto value = parse_lenient(text, duplicates, limits.max_nesting_depth);
  if (!value) return strict;
  if (personality.key_case == KeyCase::insensitive) {
    if (value->is_array()) {
      for (ordered_json& element : *value) fold_message(element);
    } else {
      fold_message(*value);
    }
  }
  return mcp::decode_frame(value->dump(), limits);
}

std::string_view tool_name_of(const json& tool) {
  const auto name = tool.find("name");
  return name != tool.end() && name->is_string() ? std::string_view(name->get_ref<const std::string&>())
                                                 : std::string_view();
}

// Runs on every tools/call the mock receives: the exact pass compares in place, without copies.
std::optional<std::string> resolve_tool_name(std::string_view received, NameLookup lookup,
                                             const json& catalog_tools) {
  for (const json& tool : catalog_tools) {
    if (tool_name_of(tool) == received) return std::string(received);
  }
  if (lookup == NameLookup::exact) return std::nullopt;
  const std::string wanted = lookup_key(received, lookup);
  for (const json& tool : catalog_tools) {
    const std::string_view name = tool_name_of(tool);
    if (lookup_key(name, lookup) == wanted) return std::string(name);
  }
  return std::nullopt;
}

json coerce_arguments(json arguments, const json& input_schema) {
  if (!arguments.is_object() || !input_schema.is_object()) return arguments;
  const auto properties = input_schema.find("properties");
  if (properties == input_schema.end() || !properties->is_object()) return arguments;
  for (auto& [name, value] : arguments.items()) {
    const auto property = properties->find(name);
    if (property == properties->end() || !property->is_object()) continue;
    const auto type = property->find("type");
    if (type == property->end() || !type->is_string()) continue;
    const std::string& wanted = type->get_ref<const std::string&>();
    if (has_type(value, wanted)) continue;
    if (auto converted = coerced(value, wanted)) value = std::move(*converted);
  }
  return arguments;
}

}  // namespace gatecrash::mock
