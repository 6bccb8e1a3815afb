// fuzz/gateway_config_fuzzer.cc — servers and grants files: no crash; a failed load keeps nothing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/config.h"

using namespace gatecrash::gateway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto servers = load_servers_text(text, "servers.json");
  if (!servers.ok() && !servers.servers.empty()) std::abort();
  for (const auto& error : servers.errors) {
    if (error.text().find("gateway.E3") == std::string::npos) std::abort();
  }
  auto grants = load_grants_text(text, "grants.json");
  if (!grants.ok() && grants.grants.size() != 0) std::abort();
  return 0;
}
