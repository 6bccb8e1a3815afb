// mcp/stdio.cc — line framing and the blocking stdio server loop.
#include "mcp/stdio.h"

#include <errno.h>
#include <unistd.h>

#include <array>

namespace gatecrash::mcp {

void LineFramer::feed(std::string_view bytes, const std::function<void(std::string_view)>& on_line,
                      const std::function<void(std::string_view)>& on_overflow) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const std::string_view chunk = bytes.substr(0, newline);
    if (discarding_) {
      if (newline == std::string_view::npos) return;
      discarding_ = false;
      bytes.remove_prefix(newline + 1);
      continue;
    }
    if (partial_.size() + chunk.size() > max_line_bytes_) {
      std::string excerpt = partial_.substr(0, 256);
      if (excerpt.size() < 256) excerpt.append(chunk.substr(0, 256 - excerpt.size()));
      partial_.clear();
      partial_.shrink_to_fit();
      on_overflow(excerpt);
      if (newline == std::string_view::npos) {
        discarding_ = true;
        return;
      }
      bytes.remove_prefix(newline + 1);
      continue;
    }
    if (newline == std::string_view::npos) {
      partial_.append(chunk);
      return;
    }
    std::string_view line = chunk;
    if (!partial_.empty()) {
      partial_.append(chunk);
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    on_line(line);
    partial_.clear();
    bytes.remove_prefix(newline + 1);
  }
}

bool write_all_fd(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

namespace {
bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}
}  // namespace

int serve_stdio(ServerHandler& handler, int in_fd, int out_fd, const Limits& limits,
                const std::function<void(ServerSession*)>& on_session, const FrameDecoder& decoder) {
  std::string pending_output;
  ServerSession session(
      handler,
      [&pending_output](Outbound out) {
        if (out.text.empty()) return;
        pending_output.append(out.text);
        pending_output.push_back('\n');
      },
      limits);
  if (on_session) on_session(&session);
  // Whatever the exit path, the owner stops using the session before it is destroyed.
  struct Detach {
    const std::function<void(ServerSession*)>& hook;
    ~Detach() {
      if (hook) hook(nullptr);
    }
  } detach{on_session};
  LineFramer framer(limits.max_message_bytes);
  const auto on_line = [&](std::string_view line) {
    if (is_blank(line)) return;
    if (decoder) {
      session.receive(line, decoder(line, limits));
    } else {
      session.receive(line);
    }
  };
  const auto on_overflow = [&](std::string_view excerpt) {
    DecodeError too_large{ErrorObject{error_code::kInvalidRequest,
                                      "Invalid request: line exceeds the limit of " +
                                          std::to_string(limits.max_message_bytes) + " bytes",
                                      nullptr},
                          std::nullopt, "too_large"};
    session.receive(excerpt, too_large);
  };

  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(in_fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (n == 0) break;
    framer.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), on_line, on_overflow);
    if (!pending_output.empty()) {
      if (!write_all_fd(out_fd, pending_output)) return 1;
      pending_output.clear();
    }
  }
  // A last line without a newline is still a message: clients that end with EOF mean it.
  if (!framer.discarding() && !is_blank(framer.partial())) {
    const std::string last = framer.partial();
    session.receive(last);
  }
  if (!pending_output.empty() && !write_all_fd(out_fd, pending_output)) return 1;
  return 0;
}

}  // namespace gatecrash::mcp
