// audit/suggest.cc — writing the suggested policy, one entry per tool by its class.
#include "audit/suggest.h"

#include <set>

namespace gatecrash::audit {
namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson per_minute_cap(const ToolRisk& tool, std::int64_t max, const std::string& reason) {
  return OrderedJson{{"limits", OrderedJson::array({OrderedJson{{"counter", tool.name},
                                                                {"window", "minute"},
                                                                {"max", max},
                                                                {"scope", "grant"},
                                                                {"reason", reason}}})}};
}

std::string because(const ToolRisk& tool) {
  std::string text = std::string(to_string(tool.tool_class));
  if (!tool.evidence.empty()) text += " (" + tool.evidence.front() + ")";
  return text;
}

OrderedJson entry_for(const ToolRisk& tool) {
  switch (tool.tool_class) {
    case ToolClass::read:
      return OrderedJson::object();
    case ToolClass::write:
      return per_minute_cap(tool, kSuggestedWritesPerMinute,
                            "writes are capped at " + std::to_string(kSuggestedWritesPerMinute) +
                                " a minute per identity");
    case ToolClass::execute:
      return per_minute_cap(tool, kSuggestedExecutesPerMinute,
                            "actions are capped at " + std::to_string(kSuggestedExecutesPerMinute) +
                                " a minute per identity");
    case ToolClass::destructive:
      return OrderedJson{{"action", "approve"},
                         {"reason", because(tool) + ": a person confirms each call"}};
  }
  return OrderedJson{{"action", "deny"}};
}

}  // namespace

OrderedJson suggest_policy(const std::vector<ToolRisk>& tools, const std::string& source) {
  OrderedJson hide = OrderedJson::array();
  OrderedJson entries = OrderedJson::object();
  std::set<std::string> secrets;
  for (const ToolRisk& tool : tools) {
    if (tool.recon) {
      hide.push_back(tool.name);  // hidden and unlisted: default deny refuses it on every gateway
      continue;
    }
    entries[tool.name] = entry_for(tool);
    secrets.insert(tool.secret_parameters.begin(), tool.secret_parameters.end());
  }
  if (!secrets.empty()) {
    OrderedJson guards = OrderedJson::array();
    for (const auto& secret : secrets) {
      guards.push_back(OrderedJson{
          {"path", "args." + secret},
          {"op", "exists"},
          {"value", false},
          {"reason", "credentials come from the server's configuration, not from tool arguments"}});
    }
    entries["*"] = OrderedJson{{"args", guards}};
  }
  OrderedJson policy{
      {"version", "1"},
      {"description",
       "Suggested by gatecrash suggest for " + source + ": default deny; reads allowed; writes " +
           std::to_string(kSuggestedWritesPerMinute) + "/minute and execute tools " +
           std::to_string(kSuggestedExecutesPerMinute) +
           "/minute per identity; destructive tools need approval; recon tools hidden; "
           "credentials refused as arguments. Review before use."},
      {"default", "deny"}};
  if (!hide.empty()) policy["hide"] = hide;
  policy["tools"] = entries;
  return policy;
}

}  // namespace gatecrash::audit
