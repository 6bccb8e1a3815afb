// tests/unit-ledger.cc — the ledger writer: line shape, redaction, and concurrent writers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "mock_servers/ledger.h"
#include "mock_servers/mock_server.h"
#include "tests/test_support.h"

namespace gatecrash::mock {
namespace {

TEST(Ledger, ConcurrentProcessesNeverTearOrLoseALine) {
  testing::TempDir dir;
  const std::string path = dir.file("ledger.jsonl");
  constexpr int kWriters = 8;
  constexpr int kLinesEach = 2000;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Ledger ledger(path);
      // Lines of very different sizes make torn writes visible if they could happen.
      const std::string pad((w % 4) * 3000 + 10, static_cast<char>('a' + w));
      for (int i = 0; i < kLinesEach; ++i) ledger.append({{"writer", w}, {"i", i}, {"pad", pad}});
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto lines = testing::read_json_lines(path);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kWriters * kLinesEach));
  std::set<std::pair<int, int>> seen;
  std::vector<std::uint64_t> last_seq(kWriters, 0);
  for (const auto& line : lines) {
    const int w = line["writer"];
    seen.emplace(w, line["i"].get<int>());
    EXPECT_EQ(line["seq"].get<std::uint64_t>(), last_seq[w] + 1);  // per-process order kept
    last_seq[w] = line["seq"];
  }
  EXPECT_EQ(seen.size(), lines.size());
}

TEST(Ledger, UnwritablePathIsAClearError) {
  try {
    Ledger ledger("/nonexistent-dir/ledger.jsonl");
    FAIL() << "expected LedgerError";
  } catch (const LedgerError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/ledger.jsonl"), std::string::npos);
  }
}

TEST(LedgerLine, ToolCallsCarryToolArgumentsMetaAndRedactedSecrets) {
  mcp::InboundRecord record;
  record.received_ns = 123;
  record.kind = "request";
  record.method = "tools/call";
  record.id = 5;
  const mcp::Json params = {{"name", "track_task"},
                            {"arguments", {{"task_id", 91}, {"app_password", "hunter2"}}},
                            {"_meta", {{"traceparent", "00-abc-def-01"}}}};
  record.params = &params;
  record.outcome = "ok";
  record.effect = "timer_started:91";
  auto line = ledger_line(record, "trackingtime", "stdio:1");
  EXPECT_EQ(line["tool"], "track_task");
  EXPECT_EQ(line["arguments"]["task_id"], 91);
  EXPECT_EQ(line["arguments"]["app_password"], "<redacted>");
  EXPECT_EQ(line["auth"]["app_password"], credential_hash("hunter2"));
  EXPECT_EQ(line.dump().find("hunter2"), std::string::npos);
  EXPECT_EQ(line["meta"]["traceparent"], "00-abc-def-01");
  EXPECT_EQ(line["effect"], "timer_started:91");
  EXPECT_EQ(line["t_ns"], 123);
  EXPECT_EQ(line["pid"], static_cast<std::int64_t>(::getpid()));
}

}  // namespace
}  // namespace gatecrash::mock
