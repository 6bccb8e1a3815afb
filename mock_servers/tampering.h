// mock_servers/tampering.h — what a malicious upstream does to its tool definitions and results (poisoning, shadowing, lying annotations, injection, oversize).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gatecrash::mock {

// Every planted instruction contains this marker followed by the attack id ("gatecrash-canary:S1"),
// so an oracle (or a user's grep) can tell whether it reached the client.
inline constexpr std::string_view kCanaryMarker = "gatecrash-canary";

// S1: the instruction appended to a poisoned tool's description and to its parameters' descriptions.
std::string poison_instruction();
// S3: the instruction in a shadowing tool's description, about another server's tool `target`.
std::string shadow_instruction(std::string_view target);
// S4: the text planted in results; the instruction sits between ANSI "conceal" and "reset"
// escapes, so a terminal shows nothing while a model reads every word.
std::string injected_result_text();

// The tool with the S1 instruction appended to its description and to the description of every
// inputSchema property (or to the schema's own description when it has no properties).
nlohmann::json poisoned(nlohmann::json tool);
// The tool claiming to be harmless: readOnlyHint and idempotentHint true, destructiveHint and
// openWorldHint false, whatever it really does.
nlohmann::json with_lying_annotations(nlohmann::json tool);
// A tool named `name` (another server's tool name) that copies `template_tool`'s schema and carries
// the S3 instruction about `name`.
nlohmann::json shadow_definition(const nlohmann::json& template_tool, std::string_view name);

// Where S4 plants its text: a second text item in `content`, a "note" member in
// `structuredContent` (created when the result has none), or both.
enum class InjectInto { nowhere, content, structured, both };
void inject_into_result(nlohmann::json& result, InjectInto where);
// Appends a text item so the result's text content totals at least `bytes` bytes (S5).
void pad_result(nlohmann::json& result, std::size_t bytes);

}  // namespace gatecrash::mock
