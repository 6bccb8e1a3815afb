// fuzz/stdio_framing_fuzzer.cc — mcp::LineFramer (the stdio fronts' framing) against a model of it.
//
// Input: byte 0 picks the line limit, byte 1 seeds how the stream is cut into feed() chunks, the
// rest is the byte stream. Properties, whatever the chunking:
//   - every line emitted is exactly the bytes between two newlines (one trailing '\r' stripped),
//     in order, and no line longer than the limit is ever emitted;
//   - every line over the limit is reported once through on_overflow, with an excerpt that is a
//     prefix of it (at most 256 bytes, and longer than the limit unless capped at 256);
//   - the unterminated tail is partial() if it fits, or is being discarded if it does not, and
//     partial() never holds more than the limit (memory stays bounded);
//   - so every byte is accounted for: emitted, stripped '\r' or '\n', inside a reported oversize
//     line, or still in partial().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/stdio.h"
#include "fuzz/fuzz_support.h"

namespace {

using gatecrash::fuzzing::require;

constexpr std::size_t kExcerptCap = 256;  // LineFramer's excerpt length (mcp/stdio.cc)

std::size_t line_limit(std::uint8_t selector) {
  static constexpr std::size_t kNotable[] = {0, 255, 256, 257, 1024, 4 * 1024 * 1024};
  if (selector < 192) return selector % 64;
  return kNotable[selector % std::size(kNotable)];
}

struct Event {
  bool oversize = false;
  std::string bytes;  // the line, or the overflow excerpt
};

// What the framer must report for `stream` as a whole.
struct Expected {
  std::vector<Event> events;
  std::string tail;  // bytes after the last newline
  bool tail_oversize = false;
};

Expected model(std::string_view stream, std::size_t limit) {
  Expected expected;
  std::size_t start = 0;
  for (std::size_t newline; (newline = stream.find('\n', start)) != std::string_view::npos;
       start = newline + 1) {
    std::string_view line = stream.substr(start, newline - start);
    if (line.size() > limit) {
      expected.events.push_back({true, std::string(line)});
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    expected.events.push_back({false, std::string(line)});
  }
  expected.tail = std::string(stream.substr(start));
  if (expected.tail.size() > limit) {
    expected.events.push_back({true, expected.tail});
    expected.tail_oversize = true;
  }
  return expected;
}

// A deterministic chunking: lengths 1..32 from a small xorshift seeded by the input.
class Chunker {
 public:
  explicit Chunker(std::uint8_t seed) : state_(0x9E3779B9u ^ (seed * 0x01000193u)) {}
  std::size_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return 1 + (state_ & 31);
  }

 private:
  std::uint32_t state_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t limit = line_limit(data[0]);
  Chunker chunker(data[1]);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  gatecrash::mcp::LineFramer framer(limit);
  std::vector<Event> events;
  const auto on_line = [&](std::string_view line) { events.push_back({false, std::string(line)}); };
  const auto on_overflow = [&](std::string_view excerpt) {
    events.push_back({true, std::string(excerpt)});
  };
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t length = std::min(chunker.next(), stream.size() - at);
    framer.feed(stream.substr(at, length), on_line, on_overflow);
    require(framer.partial().size() <= limit);
    at += length;
  }

  // Against the model: the same events in the same order.
  const Expected expected = model(stream, limit);
  require(events.size() == expected.events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& got = events[i];
    const Event& want = expected.events[i];
    require(got.oversize == want.oversize);
    if (!got.oversize) {
      require(got.bytes == want.bytes && got.bytes.size() <= limit);
      continue;
    }
    // An excerpt: a prefix of the line, as long as the framer had seen when it overflowed.
    require(got.bytes.size() <= kExcerptCap &&
            want.bytes.compare(0, got.bytes.size(), got.bytes) == 0);
    require(got.bytes.size() >= std::min(kExcerptCap, limit + 1));
  }
  require(framer.discarding() == expected.tail_oversize);

  // Conservation, from the framer's output alone: walking the stream, each line is followed by an
  // optional '\r' and a newline, each oversize report covers a whole line (or the tail), and
  // what is left is partial().
  std::size_t cursor = 0;
  for (const Event& event : events) {
    require(stream.compare(cursor, event.bytes.size(), event.bytes) == 0);
    if (event.oversize) {
      const std::size_t newline = stream.find('\n', cursor);
      cursor = newline == std::string_view::npos ? stream.size() : newline + 1;
      continue;
    }
    cursor += event.bytes.size();
    if (cursor < stream.size() && stream[cursor] == '\r') ++cursor;
    require(cursor < stream.size() && stream[cursor] == '\n');
    ++cursor;
  }
  require(stream.substr(cursor) == std::string_view(framer.partial()) ||
          (framer.discarding() && cursor == stream.size()));
  require(!framer.discarding() || framer.partial().empty());
  return 0;
}
