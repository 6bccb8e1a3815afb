// mock_servers/embedded_catalogs.h — the catalog JSON files, compiled into the binary.
#pragma once
#include <string>
#include <string_view>

namespace gatecrash::mock {

// The text of mock_servers/catalogs/<name>.json as it was at configure time, or "" for an unknown
// name. Defined in the embedded_catalogs.cc that mock_servers/CMakeLists.txt generates.
std::string embedded_catalog_text(std::string_view name);

}  // namespace gatecrash::mock
