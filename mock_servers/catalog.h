// mock_servers/catalog.h — the pure, deterministic state machine behind one mock MCP server.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
namespace gatecrash::mock {
struct ToolOutcome {
  nlohmann::json result;  // a CallToolResult: {"content":[...], "isError"?: bool, "structuredContent"?: {...}}
  std::string outcome;    // ledger outcome: "ok" | "tool_error" | "invalid_arguments" | "unknown_tool"
  std::string effect;     // ledger effect, e.g. "vm_destroyed:vm-3", "timer_started:91"; "" when nothing changed
};
class CatalogError : public std::runtime_error { using std::runtime_error::runtime_error; };
class Catalog {
 public:
  virtual ~Catalog() = default;
  virtual std::string_view name() const = 0;               // "cloudstack"
  virtual const nlohmann::json& server_info() const = 0;   // {"name":..., "version":...}
  virtual const nlohmann::json& tools() const = 0;         // array of Tool objects for tools/list
  // Validates arguments against the tool's inputSchema, then runs it. now_ms is injected time
  // (CLOCK_REALTIME ms in the mock; a fake clock in tests): async jobs advance by it, lazily.
  virtual ToolOutcome call(std::string_view tool, const nlohmann::json& arguments, std::int64_t now_ms) = 0;
};
std::vector<std::string> catalog_names();  // the five above
// Throws CatalogError for an unknown name (message lists the known ones).
std::unique_ptr<Catalog> make_catalog(std::string_view name, std::uint64_t seed);
}  // namespace gatecrash::mock
