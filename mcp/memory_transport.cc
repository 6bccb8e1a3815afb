// mcp/memory_transport.cc — the in-memory channel.
#include "mcp/memory_transport.h"

namespace gatecrash::mcp {

MemoryChannel::MemoryChannel(ServerHandler& handler, Limits limits)
    : session_(
          handler,
          [this](Outbound out) {
            if (!out.text.empty()) to_client_.push_back(out.text);
            sent_.push_back(std::move(out));
          },
          limits) {}

bool MemoryChannel::send_line(std::string_view line, std::chrono::milliseconds) {
  session_.receive(line);
  return true;
}

std::optional<std::string> MemoryChannel::read_line(std::chrono::milliseconds) {
  // Nothing can arrive later in a single thread: an empty queue is a timeout, at once.
  if (to_client_.empty()) return std::nullopt;
  std::string line = std::move(to_client_.front());
  to_client_.pop_front();
  return line;
}

}  // namespace gatecrash::mcp
