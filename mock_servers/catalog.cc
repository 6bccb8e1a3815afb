// mock_servers/catalog.cc — the catalog registry: names and the factory behind make_catalog.
#include "mock_servers/catalog.h"

#include "mock_servers/catalog_base.h"

namespace gatecrash::mock {
namespace {

struct CatalogEntry {
  std::string_view name;
  std::unique_ptr<Catalog> (*make)(std::uint64_t seed);
};

constexpr CatalogEntry kCatalogs[] = {
    {"prometheus", make_prometheus_catalog},     {"cloudstack", make_cloudstack_catalog},
    {"trackingtime", make_trackingtime_catalog}, {"prospectio", make_prospectio_catalog},
    {"mock-mcp", make_mock_mcp_catalog},
};

}  // namespace

std::vector<std::string> catalog_names() {
  std::vector<std::string> names;
  for (const CatalogEntry& entry : kCatalogs) names.emplace_back(entry.name);
  return names;
}

std::unique_ptr<Catalog> make_catalog(std::string_view name, std::uint64_t seed) {
  for (const CatalogEntry& entry : kCatalogs) {
    if (entry.name == name) return entry.make(seed);
  }
  std::string known;
  for (const CatalogEntry& entry : kCatalogs)
    known += (known.empty() ? "" : ", ") + std::string(entry.name);
  throw CatalogError("unknown catalog '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace gatecrash::mock
