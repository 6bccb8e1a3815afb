// gateway/tool_catalog.cc — aggregation of upstream tools, collision refusal and pinning.
#include "gateway/tool_catalog.h"

#include <algorithm>
#include <map>

#include "gateway/seeded_defects.h"
#include "mcp/strict_json.h"

namespace gatecrash::gateway {

namespace {

// Canonical text of a definition: nlohmann objects keep members sorted, so equal definitions
// serialise to equal text whatever order the upstream sent them in.
std::string canonical(const Json& definition) { return mcp::to_line(definition); }

const std::string* tool_name(const Json& definition) {
  if (!definition.is_object()) return nullptr;
  auto it = definition.find("name");
  if (it == definition.end() || !it->is_string()) return nullptr;
  const std::string& name = it->get_ref<const std::string&>();
  return name.empty() ? nullptr : &name;
}

CatalogTool make_tool(const ToolNaming& naming, std::size_t upstream, const std::string& server,
                      const Json& definition, PinStatus status) {
  CatalogTool tool;
  tool.upstream = upstream;
  tool.server = server;
  tool.upstream_name = *tool_name(definition);
  tool.exposed = naming.expose(server, tool.upstream_name);
  tool.pin = canonical(definition);
  tool.definition = definition;
  tool.definition["name"] = tool.exposed;
  tool.status = status;
  return tool;
}

void note(std::vector<ListingNote>* notes, const std::string& server, std::string message) {
  if (notes) notes->push_back({server, std::move(message)});
}

}  // namespace

std::optional<ToolNaming> ToolNaming::parse(std::string pattern) {
  if (pattern.find("{tool}") == std::string::npos) return std::nullopt;
  ToolNaming naming;
  naming.pattern_ = std::move(pattern);
  return naming;
}

std::string ToolNaming::expose(std::string_view server, std::string_view tool) const {
  std::string out;
  for (std::size_t i = 0; i < pattern_.size();) {
    if (pattern_.compare(i, 6, "{tool}") == 0) {
      out += tool;
      i += 6;
    } else if (pattern_.compare(i, 8, "{server}") == 0) {
      out += server;
      i += 8;
    } else {
      out += pattern_[i++];
    }
  }
  return out;
}

std::string_view to_string(PinStatus status) {
  switch (status) {
    case PinStatus::pinned: return "pinned";
    case PinStatus::changed: return "changed";
    case PinStatus::added: return "added";
    case PinStatus::removed: return "removed";
  }
  return "?";
}

std::variant<ToolCatalog, ConfigError> ToolCatalog::build(const ToolNaming& naming,
                                                          const std::vector<UpstreamListing>& listings,
                                                          std::vector<ListingNote>* notes) {
  ToolCatalog catalog(naming);
  std::map<std::string, std::size_t> owner;  // exposed name -> index in tools_
  for (std::size_t u = 0; u < listings.size(); ++u) {
    const auto& listing = listings[u];
    for (const Json& definition : listing.tools) {
      if (!tool_name(definition)) {
        note(notes, listing.server, "ignored a tool definition without a non-empty string \"name\"");
        continue;
      }
      CatalogTool tool = make_tool(naming, u, listing.server, definition, PinStatus::pinned);
      if (auto it = owner.find(tool.exposed); it != owner.end()) {
        const CatalogTool& first = catalog.tools_[it->second];
        const std::string where = first.server == listing.server
                                      ? "upstream \"" + first.server + "\" lists it twice"
                                      : "upstreams \"" + first.server + "\" and \"" + listing.server +
                                            "\" both offer it";
        return ConfigError{std::string(config_error::kToolCollision), "", "",
                           "tool name collision: \"" + tool.exposed + "\": " + where +
                               " (expose tools as \"{server}__{tool}\" with --tool-names, or remove one)"};
      }
      owner[tool.exposed] = catalog.tools_.size();
      catalog.tools_.push_back(std::move(tool));
    }
  }
  std::sort(catalog.tools_.begin(), catalog.tools_.end(),
            [](const CatalogTool& a, const CatalogTool& b) { return a.exposed < b.exposed; });
  return catalog;
}

std::vector<std::string> ToolCatalog::relist(std::size_t upstream, const UpstreamListing& listing,
                                             std::vector<ListingNote>* notes) {
  std::vector<std::string> changed;
  std::vector<std::string> seen;
  for (const Json& definition : listing.tools) {
    if (!tool_name(definition)) {
      note(notes, listing.server, "ignored a tool definition without a non-empty string \"name\"");
      continue;
    }
    CatalogTool fresh = make_tool(naming_, upstream, listing.server, definition, PinStatus::added);
    seen.push_back(fresh.exposed);
    if (CatalogTool* pinned = find_mutable(fresh.exposed)) {
      if (pinned->upstream != upstream) {
        note(notes, listing.server,
             "refused tool \"" + fresh.exposed + "\": upstream \"" + pinned->server + "\" already offers it");
        continue;
      }
      if (pinned->status == PinStatus::pinned && pinned->pin != fresh.pin) {
#ifdef GATECRASH_SEEDED_DEFECTS
        if (seeded(Defect::rug_pull_ignored)) {
          pinned->pin = fresh.pin;
          pinned->definition = fresh.definition;
          continue;
        }
#endif
        pinned->status = PinStatus::changed;
        changed.push_back(fresh.exposed);
      } else if (pinned->status == PinStatus::removed) {
        pinned->status = PinStatus::changed;  // it came back; whatever it is now, it is unpinned
        changed.push_back(fresh.exposed);
      }
      continue;
    }
    changed.push_back(fresh.exposed);
    tools_.insert(std::upper_bound(tools_.begin(), tools_.end(), fresh,
                                   [](const CatalogTool& a, const CatalogTool& b) { return a.exposed < b.exposed; }),
                  std::move(fresh));
  }
  for (CatalogTool& tool : tools_) {
    if (tool.upstream != upstream || tool.status == PinStatus::removed) continue;
    if (std::find(seen.begin(), seen.end(), tool.exposed) == seen.end()) {
      tool.status = PinStatus::removed;
      changed.push_back(tool.exposed);
    }
  }
  return changed;
}

const CatalogTool* ToolCatalog::find(std::string_view exposed) const {
  auto it = std::lower_bound(tools_.begin(), tools_.end(), exposed,
                             [](const CatalogTool& tool, std::string_view name) { return tool.exposed < name; });
  return it != tools_.end() && it->exposed == exposed ? &*it : nullptr;
}

CatalogTool* ToolCatalog::find_mutable(std::string_view exposed) {
  return const_cast<CatalogTool*>(std::as_const(*this).find(exposed));
}

}  // namespace gatecrash::gateway
