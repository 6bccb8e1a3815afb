// mcp/strict_json.cc — a SAX handler over nlohmann/json that builds the DOM and enforces limits.
#include "mcp/strict_json.h"

#include <array>
#include <charconv>
#include <cstdint>
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

  // The member is made here, null until its value arrives: one lookup finds a duplicate and the
  // slot the value goes into.
  bool key(string_t& k) override {
    auto [member, inserted] = stack_.back()->get_ref<Json::object_t&>().emplace(std::move(k), nullptr);
    if (!inserted) {
      return fail(JsonErrorKind::duplicate_key, "duplicate key \"" + member->first + "\"");
    }
    member_slot_ = &member->second;
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
      *member_slot_ = std::move(value);
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
        *member_slot_ = std::move(container);
        slot = member_slot_;
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
  Json* member_slot_ = nullptr;  // the member key() made in the innermost object
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

namespace {

// Why by hand: nlohmann's serializer runs every byte of every string through its UTF-8 decoder
// (serializer::dump_escaped), which was about 9% of the reference gateway's CPU per proxied call
// (perf of bench_gateway's latency loop), and a serializer is built (and localeconv() called) per
// dump. This writer copies runs of bytes that need no escape in one append and checks UTF-8 a
// sequence at a time. Its output is nlohmann's dump(-1, ' ', false, replace), byte for byte: what
// it does not write the same way (floats, a string with invalid UTF-8, binary, discarded) it
// hands to nlohmann. tests/unit-codec.cc and fuzz/jsonrpc_fuzzer.cc compare the two.

// The length of the well-formed UTF-8 sequence starting at text[at] (a lead byte >= 0x80), or 0.
// Exactly the sequences of Unicode's table 3-7 (no overlongs, surrogates or > U+10FFFF): the ones
// nlohmann's decoder accepts.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto in = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < text.size() && byte(i) >= lo && byte(i) <= hi;
  };
  const unsigned lead = byte(at);
  if (lead >= 0xC2 && lead <= 0xDF) return in(at + 1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned lo = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = lead == 0xED ? 0x9F : 0xBF;
    return in(at + 1, lo, hi) && in(at + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned lo = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = lead == 0xF4 ? 0x8F : 0xBF;
    return in(at + 1, lo, hi) && in(at + 2, 0x80, 0xBF) && in(at + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// The escape nlohmann writes for a control character, '"' or '\\'.
// Control characters without a short form are \u00XX with lower-case hex, as nlohmann writes them.
const char* escape_of(unsigned char c) {
  static constexpr const char* kControl[0x20] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
  if (c < 0x20) return kControl[c];
  if (c == '"') return "\\\"";
  return "\\\\";  // the backslash
}

// Bytes written as they are: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

void append_string(std::string& out, std::string_view text) {
  const std::size_t rollback = out.size();
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet appended
  std::size_t at = 0;
  while (true) {
    while (at < text.size() && kPlainByte[static_cast<unsigned char>(text[at])]) ++at;
    if (at == text.size()) break;
    const auto c = static_cast<unsigned char>(text[at]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, at);
      if (length == 0) {  // invalid UTF-8: nlohmann's replacement rules, not ours
        out.resize(rollback);
        out += Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
        return;
      }
      at += length;
      continue;
    }
    out.append(text.data() + run, at - run);
    out += escape_of(c);
    run = ++at;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void append_line(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      append_integer(out, value.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned:
      append_integer(out, value.get<std::uint64_t>());
      return;
    case Json::value_t::string:
      append_string(out, value.get_ref<const std::string&>());
      return;
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const Json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        append_line(out, member);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        append_line(out, element);
      }
      out += ']';
      return;
    }
    default:  // number_float, binary, discarded: nlohmann's own formatting
      out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
      return;
  }
}

void append_json_string(std::string& out, std::string_view text) { append_string(out, text); }

std::string to_line(const Json& value) {
  std::string out;
  append_line(out, value);
  return out;
}

}  // namespace gatecrash::mcp
