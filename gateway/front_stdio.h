// gateway/front_stdio.h — the stdio front: one client session on the gateway's stdin/stdout.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "gateway/gateway.h"

namespace boost::asio {
class io_context;
}

namespace gatecrash::gateway {

// Serves one MCP client on a pair of file descriptors. Session work runs on the io thread. When
// both are pipes or sockets the io thread also reads and writes them (no thread hand-offs);
// otherwise (files, terminals) a reader thread feeds it (polling, so stop() is prompt) and a
// writer thread drains answers. Either way a slow client never stalls the upstreams.
class StdioFront {
 public:
  StdioFront(boost::asio::io_context& io, Gateway& gateway, std::string identity, int in_fd, int out_fd);
  ~StdioFront();  // stops and joins its threads
  StdioFront(const StdioFront&) = delete;
  StdioFront& operator=(const StdioFront&) = delete;

  // Starts reading. `ended` runs once on the io thread: with 0 after the client closed its end
  // and every answer owed was written (or the drain deadline passed), with 1 when the client is
  // gone (a write failed or reading failed).
  void start(std::function<void(int status)> ended);
  // Stops reading (shutdown); answers already produced are still written by drain().
  void stop();
  // On the io thread: runs `done` once queued output is written (or the client is gone, or the
  // timeout passed). Call it before stopping the loop.
  void flush(std::chrono::milliseconds timeout, std::function<void()> done);
  // After the loop stopped: writes (bounded) whatever output is still queued.
  void drain(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace gatecrash::gateway
