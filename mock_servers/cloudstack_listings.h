// mock_servers/cloudstack_listings.h — CloudStack's read tools, answered from the inventory.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mock_servers/catalog_base.h"
#include "mock_servers/cloudstack_inventory.h"

namespace gatecrash::mock::cloudstack {

using ReadTool = ToolOutcome (*)(const Inventory& inventory, const nlohmann::json& arguments);
struct NamedReadTool {
  std::string_view name;
  ReadTool run;
};

// The 25 read-only tools (list_*, get_virtual_machine). They never change the inventory.
const std::vector<NamedReadTool>& read_tools();

// Shared with the write tools. CloudStack reports a missing entity as API error 431.
ToolOutcome not_found(std::string_view what, const std::string& id);
bool same_text(std::string_view a, std::string_view b);  // ASCII case-insensitive equality
// Plain text for one API object: "• name (id)" then one "  key: value" line per scalar field.
std::string describe(const nlohmann::json& item);

}  // namespace gatecrash::mock::cloudstack
