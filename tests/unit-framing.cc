// tests/unit-framing.cc — newline framing: split lines, strip CR, bound oversized lines.
#include <gtest/gtest.h>

#include "mcp/stdio.h"

namespace gatecrash::mcp {
namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::string> overflows;
};

void feed(LineFramer& framer, std::string_view bytes, Collected& out) {
  framer.feed(
      bytes, [&](std::string_view line) { out.lines.emplace_back(line); },
      [&](std::string_view excerpt) { out.overflows.emplace_back(excerpt); });
}

TEST(LineFramer, SplitsLinesAcrossArbitraryChunks) {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    LineFramer framer(1024);
    Collected out;
    for (std::size_t at = 0; at < stream.size(); at += chunk) feed(framer, std::string_view(stream).substr(at, chunk), out);
    ASSERT_EQ(out.lines.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(out.lines[0], "{\"a\":1}");
    EXPECT_EQ(out.lines[1], "{\"b\":2}");  // CR stripped
    EXPECT_EQ(out.lines[2], "");
    EXPECT_EQ(out.lines[3], "{\"c\":3}");
    EXPECT_TRUE(out.overflows.empty());
  }
}

TEST(LineFramer, OversizedLineIsReportedOnceAndReadingGoesOn) {
  LineFramer framer(10);
  Collected out;
  feed(framer, "0123456789ABCDEF", out);  // over the limit, no newline yet
  feed(framer, std::string(100'000, 'x'), out);
  EXPECT_TRUE(framer.discarding());
  EXPECT_LE(framer.partial().size(), 10u);  // memory stays bounded
  feed(framer, "tail\nok\n", out);
  ASSERT_EQ(out.overflows.size(), 1u);
  EXPECT_EQ(out.overflows[0].substr(0, 10), "0123456789");
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0], "ok");
}

TEST(LineFramer, LineExactlyAtTheLimitPasses) {
  LineFramer framer(5);
  Collected out;
  feed(framer, "12345\n123456\n", out);
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0], "12345");
  EXPECT_EQ(out.overflows.size(), 1u);
}

}  // namespace
}  // namespace gatecrash::mcp
