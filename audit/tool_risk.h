// audit/tool_risk.h — classifies one MCP tool read / write / destructive / execute, with its risk.
//
// Annotations are hints a server gives about itself, so they never lower what the tool's own name
// or description reveal: a tool whose name or description says it deletes is destructive even when
// it claims readOnlyHint, and a read-only claim on a tool named like a write is not believed. The
// rules, and the word lists behind them, are documented in docs/audit.md.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::audit {

enum class ToolClass { read, write, destructive, execute };
enum class RiskLevel { low, medium, high };

std::string_view to_string(ToolClass tool_class);
std::string_view to_string(RiskLevel risk);
// read -> low, write -> medium, destructive and execute -> high.
RiskLevel risk_of(ToolClass tool_class);

// More top-level properties than this is the "high-parameter-count" signal: a wide argument
// surface a policy rarely constrains (free-text fields carry data out, pattern E2).
inline constexpr std::size_t kHighParameterCount = 10;

// Signal names (stable; they appear in reports).
namespace risk_signal {
inline constexpr std::string_view kHighParameterCount = "high-parameter-count";
inline constexpr std::string_view kSecretArgument = "secret-argument";
inline constexpr std::string_view kRecon = "recon";
inline constexpr std::string_view kAnnotationsContradicted = "annotations-contradicted";
}  // namespace risk_signal

struct RiskSignal {
  std::string name;    // one of `risk_signal`
  std::string detail;  // e.g. "19 parameters (over 10)"
};

struct ToolRisk {
  std::string name;
  ToolClass tool_class = ToolClass::write;
  RiskLevel risk = RiskLevel::medium;
  nlohmann::json input_schema;                 // as listed ({} when absent)
  std::vector<std::string> parameters;         // inputSchema top-level property names (sorted)
  std::vector<std::string> secret_parameters;  // those named like credentials
  bool recon = false;  // a read that reveals people, accounts or infrastructure (hide it)
  std::vector<std::string> evidence;  // why this class, e.g. `name verb "destroy"`
  std::vector<RiskSignal> signals;
  bool has_signal(std::string_view signal_name) const;
};

// Classifies one Tool object of a tools/list result. The caller has checked that it is an object
// with a non-empty string `name` (tool_source.h does); other members are read when well-formed.
ToolRisk classify_tool(const nlohmann::json& tool);
// Every tool of a list, in order.
std::vector<ToolRisk> classify_tools(const std::vector<nlohmann::json>& tools);

// A tool name or property name split into lower-case words: snake_case, kebab-case, dotted,
// camelCase and PascalCase ("ExecuteRangeQuery" -> execute, range, query; "getHTTPStatus" ->
// get, http, status).
std::vector<std::string> split_words(std::string_view name);

}  // namespace gatecrash::audit
