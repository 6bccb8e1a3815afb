// audit/tool_source.h — a server's tools for the audit: a bundled catalog or a saved tools/list.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::audit {

// Largest tools file read, and its deepest nesting (input schemas nest; real ones stay under ~12).
inline constexpr std::size_t kMaxToolsFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxToolsFileDepth = 64;

struct ToolList {
  std::string source;                 // "catalog cloudstack" or the file name
  std::vector<nlohmann::json> tools;  // Tool objects in listed order: each an object with a
                                      // unique, non-empty string name
};

// The tools of a bundled mock catalog (mock_servers, catalog_names()). audit.E701 for an unknown
// name, listing the known ones.
ToolList tools_from_catalog(std::string_view catalog);

// A saved tools/list result: {"tools": [...]} or a JSON-RPC response {"result": {"tools": [...]}}.
// audit.E702 unreadable, E703 not strict JSON (with byte offset), E704 neither shape (or a JSON-RPC
// error response), E705 a malformed tool (with its JSON pointer). Messages start with the file
// name.
ToolList tools_from_file(const std::string& path);
// The same checks on a parsed document; `source` names it in messages.
ToolList tools_from_document(const nlohmann::json& document, const std::string& source);

}  // namespace gatecrash::audit
