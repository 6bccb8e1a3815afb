// mock_servers/personalities.h — how lenient upstreams read what a strict one refuses: the victims behind parser-differential attacks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "mcp/jsonrpc.h"

namespace gatecrash::mock {

// Which of an object's repeated keys a server reads. `reject` is the strict codec's answer
// (-32600); `first` is a DOM that keeps every member and finds the first on lookup; `last` is
// JSON.parse, Python's json and nlohmann's default DOM (attack A7).
enum class DuplicateKeys { reject, first, last };
// `insensitive` reads the JSON-RPC envelope and tools/call params as Go's encoding/json does:
// "Name" fills the name field, and the last matching key in the document wins (attack A6).
enum class KeyCase { exact, insensitive };
// How a tools/call name finds a tool: `case_insensitive` (ASCII case folded, A1), `trim`
// (whitespace and control characters around the name ignored, A3), `lenient` (both, plus the
// folds of A2: zero-width characters dropped, fullwidth ASCII, U+017F long s and U+212A Kelvin).
enum class NameLookup { exact, case_insensitive, trim, lenient };

struct ParserPersonality {
  DuplicateKeys duplicate_keys = DuplicateKeys::reject;
  KeyCase key_case = KeyCase::exact;

  bool strict() const { return duplicate_keys == DuplicateKeys::reject && key_case == KeyCase::exact; }
};

// Reads one frame as a server with `personality` would: when the strict codec refuses it for a
// duplicate key (or, with KeyCase::insensitive, whenever it parses), the text is parsed again with
// the personality's rules and the result decoded as usual. Anything else the strict codec refuses
// (syntax, depth, size, invalid UTF-8) stays refused: leniency is only about keys.
std::variant<mcp::Frame, mcp::DecodeError> decode_with_personality(
    std::string_view text, const mcp::Limits& limits, const ParserPersonality& personality);

// A tools/list entry's name, without copying it ("" when it has none).
std::string_view tool_name_of(const nlohmann::json& tool);

// The catalog tool `received` reaches under `lookup` (an exact match first), or nullopt.
// `catalog_tools` is a tools/list array.
std::optional<std::string> resolve_tool_name(std::string_view received, NameLookup lookup,
                                             const nlohmann::json& catalog_tools);

// Lax argument coercion, as schema validators in lax mode do (attack A15): for each top-level
// property whose inputSchema type the value does not have, "42" becomes 42 (integer), "4.5"
// becomes 4.5 (number), "true"/"false"/"1"/"0" and 1/0 become booleans, numbers and booleans
// become their text (string), 3.0 becomes 3 (integer), and a scalar becomes a one-element array.
// Values that cannot be converted are left as they are, for the catalog to refuse.
nlohmann::json coerce_arguments(nlohmann::json arguments, const nlohmann::json& input_schema);

}  // namespace gatecrash::mock
