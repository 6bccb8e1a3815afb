// mcp/stdio.h — newline-delimited framing and the stdio server loop (mcp-protocol.md §4).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mcp/limits.h"
#include "mcp/server_session.h"

namespace gatecrash::mcp {

// Splits a byte stream into lines. A line longer than the limit is reported once through
// on_overflow and its bytes are discarded up to the next newline, so memory stays bounded and
// reading goes on. A trailing '\r' is stripped (the TS SDK does the same).
class LineFramer {
 public:
  explicit LineFramer(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  void feed(std::string_view bytes, const std::function<void(std::string_view line)>& on_line,
            const std::function<void(std::string_view excerpt)>& on_overflow);
  // Bytes of an unterminated last line (reported as a line at EOF by the caller if wanted).
  const std::string& partial() const { return partial_; }
  bool discarding() const { return discarding_; }

 private:
  std::size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;
};

// Serves one MCP session on a pair of file descriptors until EOF on `in_fd` (the client closed
// our stdin) or the peer goes away. Answers produced while handling one read are written with
// a single write, which is what makes pipelined clients fast. Blank lines are skipped; a bad
// line is answered (-32700 / -32600) and reading goes on. Waiting for the client's next line
// is deliberately unbounded: an idle client is not an error for a server.
// Returns 0 on EOF, 1 on an I/O error.
// `on_session`, when given, is called with the session once it exists (e.g. for unrelated
// notifications through ServerSession::notify, written with the next batch of answers) and with
// nullptr just before it goes away. `decoder`, when given, reads each line instead of
// decode_frame (see FrameDecoder).
int serve_stdio(ServerHandler& handler, int in_fd, int out_fd, const Limits& limits = default_limits(),
                const std::function<void(ServerSession*)>& on_session = {},
                const FrameDecoder& decoder = {});

// Writes all of `bytes`, retrying on EINTR/partial writes. False on error (EPIPE: peer gone).
bool write_all_fd(int fd, std::string_view bytes);

}  // namespace gatecrash::mcp
