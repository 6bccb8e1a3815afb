// mcp/limits.h — every size, depth and time bound of the protocol library, named in one place.
#pragma once

#include <chrono>
#include <cstddef>

namespace gatecrash::mcp {

// Bounds applied while decoding untrusted JSON-RPC input. Copy, adjust a field, and pass it
// where a component accepts Limits; the defaults are what every binary uses unless told otherwise.
struct Limits {
  // Largest accepted message (one stdio line or one HTTP body), in bytes. The TS SDK reader
  // gives up at 10 MiB; we refuse earlier so a gateway never buffers that much per client.
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  // Deepest accepted nesting of arrays and objects. Real MCP traffic stays under ~12.
  std::size_t max_nesting_depth = 64;
  // Most elements in one JSON-RPC batch (2025-03-26 sessions only).
  std::size_t max_batch_elements = 256;
  // Longest accepted method name and tool name (SEP-986 caps tool names at 128 characters).
  std::size_t max_method_length = 256;
  // Longest string id accepted in a request.
  std::size_t max_id_length = 256;
  // Concurrent HTTP sessions one server keeps; older idle sessions are not evicted, new ones refused.
  std::size_t max_http_sessions = 4096;
  // Requests a client session keeps in flight before `request` refuses more.
  std::size_t max_in_flight_requests = 4096;
  // HTTP header block limit (Beast's parser bound).
  std::size_t max_http_header_bytes = 16 * 1024;
  // A client connection that sends no complete request within this time is closed.
  std::chrono::milliseconds http_read_timeout{30'000};
  // Default time a client waits for the answer to one request.
  std::chrono::milliseconds request_timeout{10'000};
};

inline const Limits& default_limits() {
  static const Limits limits{};
  return limits;
}

}  // namespace gatecrash::mcp
