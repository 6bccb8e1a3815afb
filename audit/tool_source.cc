// audit/tool_source.cc — reading tools from the bundled catalogs or a saved tools/list file.
#include "audit/tool_source.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <variant>

#include "audit/errors.h"
#include "mcp/strict_json.h"
#include "mock_servers/catalog.h"
#include "policy/errors.h"

namespace gatecrash::audit {
namespace {

using Json = nlohmann::json;

[[noreturn]] void refuse(std::string_view id, const std::string& source, const std::string& pointer,
                         const std::string& message) {
  throw AuditError(id, source + ": " + (pointer.empty() ? "" : pointer + ": ") + message);
}

// Optional members must have the type MCP gives them, so the classifier can trust what it reads.
void check_tool(const Json& tool, const std::string& pointer, const std::string& source,
                std::set<std::string>& names) {
  if (!tool.is_object())
    refuse(error_id::kToolInvalid, source, pointer, "a tool must be an object");
  auto name = tool.find("name");
  if (name == tool.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    refuse(error_id::kToolInvalid, source, policy::pointer_append(pointer, "name"),
           "a tool needs a non-empty string name");
  }
  if (!names.insert(name->get<std::string>()).second) {
    refuse(error_id::kToolInvalid, source, policy::pointer_append(pointer, "name"),
           "duplicate tool name \"" + name->get<std::string>() + "\"");
  }
  auto expect = [&](const Json& owner, const std::string& owner_pointer, const char* key,
                    bool (Json::*test)() const noexcept, const char* kind) {
    auto member = owner.find(key);
    if (member != owner.end() && !((*member).*test)()) {
      refuse(error_id::kToolInvalid, source, policy::pointer_append(owner_pointer, key),
             std::string("must be ") + kind);
    }
  };
  expect(tool, pointer, "description", &Json::is_string, "a string");
  expect(tool, pointer, "inputSchema", &Json::is_object, "an object");
  expect(tool, pointer, "annotations", &Json::is_object, "an object");
  if (auto schema = tool.find("inputSchema"); schema != tool.end()) {
    expect(*schema, policy::pointer_append(pointer, "inputSchema"), "properties", &Json::is_object,
           "an object");
  }
  if (auto annotations = tool.find("annotations"); annotations != tool.end()) {
    const std::string annotations_pointer = policy::pointer_append(pointer, "annotations");
    for (const char* hint :
         {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}) {
      expect(*annotations, annotations_pointer, hint, &Json::is_boolean, "a boolean");
    }
  }
}

}  // namespace

ToolList tools_from_catalog(std::string_view catalog) {
  std::unique_ptr<mock::Catalog> made;
  try {
    made = mock::make_catalog(catalog, 0);
  } catch (const mock::CatalogError& error) {
    throw AuditError(error_id::kUnknownCatalog, std::string("--server: ") + error.what());
  }
  ToolList list;
  list.source = "catalog " + std::string(catalog);
  for (const auto& tool : made->tools()) list.tools.push_back(tool);
  return list;
}

ToolList tools_from_document(const Json& document, const std::string& source) {
  const Json* tools = nullptr;
  std::string pointer;
  if (document.is_object() && document.contains("error")) {
    refuse(error_id::kToolsShape, source, "/error",
           "a JSON-RPC error response, not a tools/list result");
  }
  if (document.is_object() && document.contains("tools")) {
    tools = &document["tools"];
    pointer = "/tools";
  } else if (document.is_object() && document.contains("result") &&
             document["result"].is_object() && document["result"].contains("tools")) {
    tools = &document["result"]["tools"];
    pointer = "/result/tools";
  } else {
    refuse(error_id::kToolsShape, source, "",
           "expected a tools/list result: {\"tools\": [...]} or {\"result\": {\"tools\": [...]}}");
  }
  if (!tools->is_array()) refuse(error_id::kToolsShape, source, pointer, "must be an array");
  ToolList list;
  list.source = source;
  std::set<std::string> names;
  for (std::size_t i = 0; i < tools->size(); ++i) {
    check_tool((*tools)[i], policy::pointer_append(pointer, i), source, names);
    list.tools.push_back((*tools)[i]);
  }
  return list;
}

ToolList tools_from_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    refuse(error_id::kToolsUnreadable, path, "", "cannot read file: is a directory");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    refuse(error_id::kToolsUnreadable, path, "",
           std::string("cannot read file: ") + std::strerror(errno));
  }
  // One byte past the limit at most, so the size check below sees an oversized file.
  std::string text(kMaxToolsFileBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) refuse(error_id::kToolsUnreadable, path, "", "cannot read file: read failed");
  text.resize(static_cast<std::size_t>(file.gcount()));

  mcp::Limits limits;
  limits.max_message_bytes = kMaxToolsFileBytes;
  limits.max_nesting_depth = kMaxToolsFileDepth;
  auto parsed = mcp::parse_strict_json(text, limits);
  if (const auto* error = std::get_if<mcp::JsonError>(&parsed)) {
    refuse(error_id::kToolsNotJson, path, "", "not strict JSON: " + error->message);
  }
  return tools_from_document(std::get<Json>(parsed), path);
}

}  // namespace gatecrash::audit
