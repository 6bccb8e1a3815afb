// mcp/memory_transport.h — an in-process client/server pair for tests: no pipes, no sockets.
#pragma once

#include <deque>
#include <string>

#include "mcp/client_session.h"
#include "mcp/server_session.h"

namespace gatecrash::mcp {

// A LineChannel whose far end is a ServerSession in the same thread: send_line hands the line
// to the session at once, and whatever it answers is queued for read_line.
class MemoryChannel final : public LineChannel {
 public:
  explicit MemoryChannel(ServerHandler& handler, Limits limits = default_limits());
  bool send_line(std::string_view line, std::chrono::milliseconds timeout) override;
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) override;
  ServerSession& session() { return session_; }
  // Everything sent to the client so far, including what has been read.
  const std::deque<Outbound>& sent() const { return sent_; }

 private:
  std::deque<std::string> to_client_;
  std::deque<Outbound> sent_;
  ServerSession session_;
};

}  // namespace gatecrash::mcp
