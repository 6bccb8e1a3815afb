// mcp/protocol.h — the MCP protocol versions we speak and what each one allows.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace gatecrash::mcp {

// Handshake-era ("legacy") versions, oldest first. The stateless 2026-07-28 era is not a value
// here on purpose: it has no session, so it will be served by a per-request context rather
// than by ServerSession's initialize state machine (see docs/protocol.md).
enum class ProtocolVersion { v2024_11_05, v2025_03_26, v2025_06_18, v2025_11_25 };

inline constexpr std::array kSupportedVersions = {
    ProtocolVersion::v2024_11_05, ProtocolVersion::v2025_03_26, ProtocolVersion::v2025_06_18,
    ProtocolVersion::v2025_11_25};
inline constexpr ProtocolVersion kNewestVersion = ProtocolVersion::v2025_11_25;

std::string_view to_string(ProtocolVersion version);
std::optional<ProtocolVersion> parse_protocol_version(std::string_view text);

// initialize negotiation: a supported offer is echoed; anything else gets our newest version,
// as a normal result (the client then decides whether to disconnect).
ProtocolVersion negotiate(std::string_view offered);

// JSON-RPC batches exist only in 2025-03-26.
constexpr bool allows_batches(ProtocolVersion v) { return v == ProtocolVersion::v2025_03_26; }
// HTTP clients must send MCP-Protocol-Version after initialize from 2025-06-18 on.
constexpr bool requires_version_header(ProtocolVersion v) { return v >= ProtocolVersion::v2025_06_18; }
// From 2025-11-25, argument validation failures are isError results, not protocol errors.
constexpr bool input_errors_are_tool_results(ProtocolVersion v) { return v >= ProtocolVersion::v2025_11_25; }
// structuredContent / outputSchema / elicitation / title exist from 2025-06-18.
constexpr bool has_structured_content(ProtocolVersion v) { return v >= ProtocolVersion::v2025_06_18; }
// Tool annotations exist from 2025-03-26.
constexpr bool has_tool_annotations(ProtocolVersion v) { return v >= ProtocolVersion::v2025_03_26; }

}  // namespace gatecrash::mcp
