// mcp/protocol.cc — version names and negotiation.
#include "mcp/protocol.h"

namespace gatecrash::mcp {

std::string_view to_string(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::v2024_11_05: return "2024-11-05";
    case ProtocolVersion::v2025_03_26: return "2025-03-26";
    case ProtocolVersion::v2025_06_18: return "2025-06-18";
    case ProtocolVersion::v2025_11_25: return "2025-11-25";
  }
  return "2025-11-25";
}

std::optional<ProtocolVersion> parse_protocol_version(std::string_view text) {
  for (ProtocolVersion v : kSupportedVersions) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

ProtocolVersion negotiate(std::string_view offered) {
  return parse_protocol_version(offered).value_or(kNewestVersion);
}

}  // namespace gatecrash::mcp
