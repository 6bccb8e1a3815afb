// gateway/tool_catalog.h — the tools of every upstream under the names clients see, pinned.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/config.h"

namespace gatecrash::gateway {

using Json = nlohmann::json;

// How an upstream tool is named to clients: a template with "{tool}" and optionally "{server}",
// e.g. "{tool}" (default) or "{server}__{tool}". Calls are matched against the exposed names
// byte-exactly; a name is never split back into server and tool (A4).
class ToolNaming {
 public:
  // nullopt when the template lacks "{tool}".
  static std::optional<ToolNaming> parse(std::string pattern);
  std::string expose(std::string_view server, std::string_view tool) const;
  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
};

// pinned: callable and listed as first seen. The other states are refused with kind
// tool_changed until the gateway is reloaded: changed (the definition differs from its pin),
// added (appeared after pinning), removed (the upstream no longer lists it).
enum class PinStatus { pinned, changed, added, removed };
std::string_view to_string(PinStatus status);

struct CatalogTool {
  std::string exposed;        // the name clients list and call
  std::size_t upstream = 0;   // index of the upstream in the gateway's list
  std::string server;         // that upstream's name
  std::string upstream_name;  // the name the upstream knows the tool by
  Json definition;            // as pinned, with "name" set to `exposed`: what tools/list shows
  std::string pin;            // canonical JSON of the upstream's definition when pinned
  PinStatus status = PinStatus::pinned;
};

// One upstream's tools/list, all pages joined.
struct UpstreamListing {
  std::string server;
  Json tools = Json::array();
};

// What a listing said that the gateway did not take: entries without a usable name, and names
// that another upstream already offers (after startup, shadowing is refused, not an error).
struct ListingNote {
  std::string server;
  std::string message;
};

class ToolCatalog {
 public:
  // Pins every tool of every upstream. Two upstreams offering one exposed name is E310, naming
  // both servers and the tool; one upstream listing a name twice is E310 too.
  static std::variant<ToolCatalog, ConfigError> build(const ToolNaming& naming,
                                                      const std::vector<UpstreamListing>& listings,
                                                      std::vector<ListingNote>* notes = nullptr);

  // Compares a fresh listing of one upstream with the pins; states only ever move away from
  // pinned (a definition that changes back stays refused until reload). Returns the exposed
  // names whose state changed by this call.
  std::vector<std::string> relist(std::size_t upstream, const UpstreamListing& listing,
                                  std::vector<ListingNote>* notes = nullptr);

  const CatalogTool* find(std::string_view exposed) const;
  const std::vector<CatalogTool>& tools() const { return tools_; }
  const ToolNaming& naming() const { return naming_; }

 private:
  explicit ToolCatalog(ToolNaming naming) : naming_(std::move(naming)) {}
  CatalogTool* find_mutable(std::string_view exposed);

  ToolNaming naming_;
  std::vector<CatalogTool> tools_;  // sorted by exposed name
};

}  // namespace gatecrash::gateway
