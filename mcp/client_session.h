// mcp/client_session.h — a synchronous MCP client over any line channel, every wait bounded.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/jsonrpc.h"
#include "mcp/protocol.h"

namespace gatecrash::mcp {

// Anything that carries newline-delimited JSON-RPC both ways: a child's pipes, an in-memory
// server, a socket.
class LineChannel {
 public:
  virtual ~LineChannel() = default;
  virtual bool send_line(std::string_view line, std::chrono::milliseconds timeout) = 0;
  virtual std::optional<std::string> read_line(std::chrono::milliseconds timeout) = 0;
  // Several lines at once; channels that can should do it in one write (pipelining clients).
  virtual bool send_lines(const std::vector<std::string>& lines, std::chrono::milliseconds timeout) {
    for (const auto& line : lines) {
      if (!send_line(line, timeout)) return false;
    }
    return true;
  }
};

class ClientError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Sends requests one at a time or pipelined and matches answers by id. Notifications and
// server-to-client requests that arrive meanwhile are kept in `inbox()` in arrival order.
class ClientSession {
 public:
  explicit ClientSession(LineChannel& channel,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000))
      : channel_(channel), timeout_(timeout) {}

  // initialize + notifications/initialized; returns the initialize result. Throws ClientError.
  Json initialize(std::string_view version = to_string(kNewestVersion),
                  Json capabilities = Json::object());
  // Sends a request and waits for its answer (Response or ErrorResponse). Throws ClientError on
  // timeout, EOF or an undecodable answer.
  Message request(std::string method, Json params = nullptr);
  // Result of a request that must succeed; throws ClientError carrying the JSON-RPC error.
  Json call(std::string method, Json params = nullptr);
  // tools/call convenience: the CallToolResult, or a thrown ClientError for protocol errors.
  Json call_tool(std::string name, Json arguments = Json::object());
  void notify(std::string method, Json params = nullptr);

  // Pipelining: send now, collect later.
  RequestId send_request(std::string method, Json params = nullptr);
  // `count` copies of one request, with fresh ids, sent together.
  std::vector<RequestId> send_requests(const std::string& method, const Json& params, std::size_t count);
  Message await_answer(const RequestId& id);

  std::deque<Message>& inbox() { return inbox_; }
  std::string negotiated_version() const { return negotiated_version_; }

 private:
  std::int64_t next_id_ = 0;
  LineChannel& channel_;
  std::chrono::milliseconds timeout_;
  std::deque<Message> inbox_;                      // unsolicited traffic
  std::deque<Message> early_answers_;              // answers read while waiting for another id
  std::string negotiated_version_;
};

}  // namespace gatecrash::mcp
