// mcp/strict_json.h — JSON parsing that refuses what lenient parsers quietly accept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "mcp/limits.h"

namespace gatecrash::mcp {

using Json = nlohmann::json;

enum class JsonErrorKind {
  syntax,         // not JSON, trailing garbage, bad number, invalid UTF-8
  duplicate_key,  // the same key twice in one object (parser differentials hide here)
  too_deep,       // nesting beyond Limits::max_nesting_depth
  too_large,      // more bytes than Limits::max_message_bytes
};

struct JsonError {
  JsonErrorKind kind;
  std::size_t byte_offset;  // where the parser stopped (0-based); for too_large, the limit
  std::string message;      // one line, names the offset and the problem
};

// Parses exactly one JSON value from `text`. Duplicate keys, nesting deeper than the limit,
// oversize input and invalid UTF-8 are errors rather than silently resolved.
std::variant<Json, JsonError> parse_strict_json(std::string_view text,
                                                const Limits& limits = default_limits());

// Serialises compactly on one line: the bytes of nlohmann's dump() with no indent, no ASCII
// escaping of non-ASCII text, keys in the object's (sorted) order. Never throws: strings that were
// not validated UTF-8 (only possible for values built in code) have bad bytes replaced with
// U+FFFD, as nlohmann's error_handler_t::replace does.
std::string to_line(const Json& value);

// to_line(value) appended to `out`, for callers that assemble one line from parts.
void append_line(std::string& out, const Json& value);

// to_line(Json(text)) appended to `out`, without building the Json.
void append_json_string(std::string& out, std::string_view text);

}  // namespace gatecrash::mcp
