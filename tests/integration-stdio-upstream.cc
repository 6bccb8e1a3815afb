// tests/integration-stdio-upstream.cc — StdioUpstream driving real children: gatecrash-mock, a mute
// server, kills and restarts.
#include <algorithm>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <fstream>
#include <functional>
#include <sstream>

#include "mcp/stdio_upstream.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::ClientAnswer;
using mcp::ErrorObject;
using mcp::Json;
using namespace std::chrono_literals;

// Runs the loop until `done` holds or `limit` passes; every wait in these tests goes through here.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.run_for(5ms);
    if (io.stopped()) io.restart();
  }
  return true;
}

// No process with this pid exists any more, zombie or not: it was reaped.
bool reaped(int pid) {
  errno = 0;
  return ::kill(pid, 0) == -1 && errno == ESRCH;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const ErrorObject* error_of(const std::optional<ClientAnswer>& answer) {
  return answer ? std::get_if<ErrorObject>(&*answer) : nullptr;
}
const Json* result_of(const std::optional<ClientAnswer>& answer) {
  return answer ? std::get_if<Json>(&*answer) : nullptr;
}

std::string first_text(const Json& call_result) {
  return call_result["content"][0]["text"].get<std::string>();
}

class StdioUpstreamTest : public ::testing::Test {
 protected:
  mcp::StdioUpstreamOptions mock_options(const std::string& catalog) {
    mcp::StdioUpstreamOptions options;
    options.name = catalog;
    options.command.argv = {
        testing::mock_binary(), "--catalog", catalog, "--ledger", ledger, "--seed", "7"};
    options.command.stderr_path = dir.file("stderr.txt");
    return options;
  }

  // Answers initialize like a server (echoing its id, so it works after restarts too), then
  // appends every line it reads to received.jsonl and never answers again. The shell reads in a
  // loop of builtins, so it stays the process holding our end of its stdout.
  mcp::StdioUpstreamOptions mute_options() {
    mcp::StdioUpstreamOptions options;
    options.name = "mute";
    options.command.argv = {
        "/bin/sh", "-c",
        "read -r first; printf '%s\\n' \"$first\" > " + received +
            "; id=$(printf '%s' \"$first\" | sed 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/');"
            " printf "
            "'{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"result\":{\"protocolVersion\":\"2025-11-25\","
            "\"capabilities\":{},\"serverInfo\":{\"name\":\"mute\",\"version\":\"0\"}}}\\n' "
            "\"$id\";"
            " while read -r line; do printf '%s\\n' \"$line\" >> " +
            received + "; done"};
    options.command.stderr_path = dir.file("stderr.txt");
    return options;
  }

  // Starts the upstream and runs the loop until it is ready.
  void start_ready(mcp::StdioUpstream& upstream) {
    std::optional<ClientAnswer> ready;
    upstream.start([&](ClientAnswer answer) { ready = std::move(answer); });
    ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
    ASSERT_TRUE(result_of(ready)) << error_of(ready)->message;
    ASSERT_EQ(upstream.state(), mcp::UpstreamState::ready);
  }

  void stop_and_expect_reaped(mcp::StdioUpstream& upstream) {
    const int pid = upstream.pid();
    ASSERT_GT(pid, 0);
    bool stopped = false;
    upstream.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until(io, [&] { return stopped; }));
    EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
    EXPECT_EQ(upstream.pid(), -1);
    EXPECT_TRUE(reaped(pid));
  }

  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::string received = dir.file("received.jsonl");
  boost::asio::io_context io;
};

TEST_F(StdioUpstreamTest, TwoHundredPipelinedCallsAreAllAnsweredCorrectly) {
  mcp::StdioUpstream upstream(io, mock_options("mock-mcp"));
  start_ready(upstream);
  ASSERT_TRUE(upstream.server().has_value());
  EXPECT_EQ(upstream.server()->protocol_version, "2025-11-25");
  EXPECT_EQ(upstream.server()->server_info["name"], "mock-mcp-adapter");

  constexpr int kCalls = 200;
  std::vector<std::optional<ClientAnswer>> answers(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    Json params = {{"name", "get_batch"},
                   {"arguments", {{"batchId", "probe-" + std::to_string(i)}}}};
    ASSERT_TRUE(upstream.request("tools/call", std::move(params), [&answers, i](ClientAnswer a) {
      answers[static_cast<std::size_t>(i)] = std::move(a);
    }));
  }
  EXPECT_EQ(upstream.in_flight(), static_cast<std::size_t>(kCalls));
  ASSERT_TRUE(run_until(io, [&] { return upstream.in_flight() == 0; }));
  for (int i = 0; i < kCalls; ++i) {
    const Json* result = result_of(answers[static_cast<std::size_t>(i)]);
    ASSERT_NE(result, nullptr) << "call " << i;
    EXPECT_EQ(first_text(*result), "Batch not found: probe-" + std::to_string(i));
  }

  stop_and_expect_reaped(upstream);
  int calls = 0;
  for (const Json& line : testing::read_json_lines(ledger)) {
    if (line["kind"] == "request" && line["method"] == "tools/call") ++calls;
  }
  EXPECT_EQ(calls, kCalls);
}

TEST_F(StdioUpstreamTest, ASamplingRequestFromTheServerIsRoutedToTheHandler) {
  auto options = mock_options("conformance");
  options.capabilities = {{"sampling", Json::object()}};
  mcp::StdioUpstream upstream(io, options);
  std::vector<std::string> asked;
  upstream.on_server_request([&](mcp::Request request, mcp::AnswerCallback respond) {
    asked.push_back(request.method);
    respond(Json{{"role", "assistant"},
                 {"content", {{"type", "text"}, {"text", "hello from the test"}}},
                 {"model", "test-model"},
                 {"stopReason", "endTurn"}});
  });
  start_ready(upstream);
  std::optional<ClientAnswer> answer;
  upstream.request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "say hi"}}}},
                   [&](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return answer.has_value(); }));
  ASSERT_NE(result_of(answer), nullptr) << error_of(answer)->message;
  EXPECT_EQ(first_text(*result_of(answer)), "LLM response: hello from the test");
  EXPECT_EQ(asked, std::vector<std::string>{"sampling/createMessage"});
  stop_and_expect_reaped(upstream);
}

TEST_F(StdioUpstreamTest, ARequestNobodyAnswersTimesOutAndIsCancelledUpstream) {
  mcp::StdioUpstream upstream(io, mute_options());
  start_ready(upstream);
  std::optional<ClientAnswer> answer;
  const auto sent_at = std::chrono::steady_clock::now();
  auto handle = upstream.request(
      "tools/list", nullptr, [&](ClientAnswer a) { answer = std::move(a); }, 200ms);
  ASSERT_TRUE(handle);
  ASSERT_TRUE(run_until(
      io, [&] { return answer.has_value(); }, 5s));
  const auto waited = std::chrono::steady_clock::now() - sent_at;
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->code, -32001);
  EXPECT_EQ(error_of(answer)->message, "upstream mute timed out after 200 ms");
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 2s);
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);  // a slow call does not kill the upstream

  EXPECT_TRUE(run_until(io, [&] {
    return read_file(received).find("notifications/cancelled") != std::string::npos;
  }));
  const std::string seen = read_file(received);
  EXPECT_NE(seen.find(R"("requestId":"u-2")"), std::string::npos) << seen;
  EXPECT_NE(seen.find("upstream mute timed out after 200 ms"), std::string::npos) << seen;
  stop_and_expect_reaped(upstream);
}

TEST_F(StdioUpstreamTest, TheDefaultTimeoutComesFromTheLimitsAndAlsoBoundsInitialize) {
  auto options = mute_options();
  options.limits.request_timeout = 150ms;
  mcp::StdioUpstream upstream(io, options);
  start_ready(upstream);
  std::optional<ClientAnswer> answer;
  upstream.request("tools/list", nullptr, [&](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(
      io, [&] { return answer.has_value(); }, 5s));
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->message, "upstream mute timed out after 150 ms");
  stop_and_expect_reaped(upstream);

  // A child that never answers initialize: the start fails and the child is stopped.
  options.command.argv = {"/bin/sh", "-c", "while read -r line; do :; done"};
  options.stop_grace = 300ms;
  mcp::StdioUpstream silent(io, options);
  std::optional<ClientAnswer> ready;
  std::optional<mcp::UpstreamExit> exit;
  silent.on_exit([&](const mcp::UpstreamExit& e) { exit = e; });
  silent.start([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_TRUE(run_until(
      io, [&] { return ready.has_value() && exit.has_value(); }, 5s));
  ASSERT_NE(error_of(ready), nullptr);
  EXPECT_EQ(error_of(ready)->message, "upstream mute failed to initialize: timed out after 150 ms");
  EXPECT_EQ(silent.state(), mcp::UpstreamState::dead);
  EXPECT_EQ(exit->status, 0);  // cat exits on EOF, which closing its stdin gave it
}

TEST_F(StdioUpstreamTest, AChildKilledMidCallFailsTheCallAndCanBeRestarted) {
  auto options = mock_options("conformance");
  options.capabilities = {{"sampling", Json::object()}};
  mcp::StdioUpstream upstream(io, options);
  std::vector<mcp::AnswerCallback> unanswered;  // keeps test_sampling waiting on us
  upstream.on_server_request(
      [&](mcp::Request, mcp::AnswerCallback respond) { unanswered.push_back(respond); });
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);

  std::optional<ClientAnswer> answer;
  upstream.request("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "wait"}}}},
                   [&](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return !unanswered.empty(); }));
  EXPECT_FALSE(answer.has_value());

  const int pid = upstream.pid();
  ASSERT_EQ(::killpg(pid, SIGKILL), 0);
  ASSERT_TRUE(run_until(io, [&] { return answer.has_value() && !exits.empty(); }));
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->code, -32603);
  EXPECT_EQ(error_of(answer)->message,
            "upstream conformance exited (status 9) while the call was in flight");
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].status, 9);
  EXPECT_FALSE(exits[0].requested);
  EXPECT_TRUE(reaped(pid));

  // Dead: requests fail at once (but not inside request()).
  std::optional<ClientAnswer> refused;
  EXPECT_FALSE(
      upstream.request("tools/list", nullptr, [&](ClientAnswer a) { refused = std::move(a); }));
  EXPECT_FALSE(refused.has_value());
  ASSERT_TRUE(run_until(io, [&] { return refused.has_value(); }));
  EXPECT_EQ(error_of(refused)->message, "upstream conformance is not ready (dead)");

  std::optional<ClientAnswer> ready;
  upstream.restart([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
  ASSERT_NE(result_of(ready), nullptr) << error_of(ready)->message;
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  EXPECT_NE(upstream.pid(), pid);
  std::optional<ClientAnswer> listed;
  upstream.request("tools/list", nullptr, [&](ClientAnswer a) { listed = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return listed.has_value(); }));
  ASSERT_NE(result_of(listed), nullptr);
  EXPECT_GT((*result_of(listed))["tools"].size(), 5u);
  unanswered.clear();  // answers the first child's request: it is gone, nothing is sent
  stop_and_expect_reaped(upstream);
}

TEST_F(StdioUpstreamTest, RestartReplacesARunningChildAndFailsItsCalls) {
  mcp::StdioUpstream upstream(io, mute_options());
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);
  const int first_pid = upstream.pid();
  std::optional<ClientAnswer> pending;
  upstream.request("tools/list", nullptr, [&](ClientAnswer a) { pending = std::move(a); });
  std::optional<ClientAnswer> ready;
  upstream.restart([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_NE(error_of(pending), nullptr);  // failed by the stop at once, before any reaping
  EXPECT_EQ(error_of(pending)->message, "upstream mute was restarted while the call was in flight");
  ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
  ASSERT_NE(result_of(ready), nullptr) << error_of(ready)->message;
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  EXPECT_NE(upstream.pid(), first_pid);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_TRUE(exits[0].requested);
  EXPECT_EQ(exits[0].status, 0);  // it read EOF and exited by itself
  EXPECT_TRUE(reaped(first_pid));
  // Ids go on across children, so a late answer from the old child could never be mistaken.
  EXPECT_NE(read_file(received).find(R"("id":"u-3")"), std::string::npos) << read_file(received);
  stop_and_expect_reaped(upstream);
}

TEST_F(StdioUpstreamTest, StopKillsAChildThatIgnoresEndOfInputAfterTheGrace) {
  auto options = mute_options();
  options.command.argv = {
      "/bin/sh", "-c",
      "read -r first; printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":\"u-1\",\"result\":"
      "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}}}'; exec sleep 1000"};
  options.stop_grace = 200ms;
  mcp::StdioUpstream upstream(io, options);
  start_ready(upstream);
  EXPECT_EQ(upstream.server()->protocol_version, "2025-06-18");
  const auto stop_at = std::chrono::steady_clock::now();
  stop_and_expect_reaped(upstream);
  const auto took = std::chrono::steady_clock::now() - stop_at;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 3s);
}

TEST_F(StdioUpstreamTest, AChildThatStopsReadingItsInputIsTreatedAsDead) {
  auto options = mute_options();
  options.command.argv = {
      "/bin/sh", "-c",
      "read -r first; printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":\"u-1\",\"result\":"
      "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}'; exec sleep 1000"};
  options.stop_grace = 200ms;
  options.max_write_backlog_bytes = 256 * 1024;
  mcp::StdioUpstream upstream(io, options);
  start_ready(upstream);
  const int pid = upstream.pid();
  // 64 calls of 16 KiB: far more than the pipe (64 KiB) plus the allowed backlog can hold.
  std::vector<std::optional<ClientAnswer>> answers(64);
  for (auto& answer : answers) {
    upstream.request("tools/call", {{"name", "x"}, {"arguments", {{"pad", std::string(16 * 1024, 'p')}}}},
                     [&answer](ClientAnswer a) { answer = std::move(a); });
  }
  ASSERT_TRUE(run_until(io, [&] {
    return std::all_of(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); });
  }));
  bool named = false;
  for (const auto& answer : answers) {
    ASSERT_TRUE(error_of(answer));
    named = named || error_of(answer)->message.find("stopped reading its input") != std::string::npos;
  }
  EXPECT_TRUE(named);
  ASSERT_TRUE(run_until(io, [&] { return upstream.state() == mcp::UpstreamState::dead && reaped(pid); }));
}

TEST_F(StdioUpstreamTest, TheDestructorStopsAndReaps) {
  int pid = -1;
  std::optional<ClientAnswer> pending;
  {
    auto options = mock_options("mock-mcp");
    mcp::StdioUpstream upstream(io, options);
    start_ready(upstream);
    pid = upstream.pid();
    upstream.request("tools/list", nullptr, [&](ClientAnswer a) { pending = std::move(a); });
  }
  EXPECT_TRUE(reaped(pid));
  ASSERT_NE(error_of(pending), nullptr);
  EXPECT_EQ(error_of(pending)->message,
            "upstream mock-mcp was shut down while the call was in flight");
  io.restart();
  io.run_for(50ms);  // late handlers of the gone upstream find nothing to do
}

TEST_F(StdioUpstreamTest, AProgramThatCannotStartIsReportedAndStartIsRefusedWhileRunning) {
  mcp::StdioUpstreamOptions options;
  options.name = "ghost";
  options.command.argv = {"/nonexistent/ghost-server"};
  mcp::StdioUpstream ghost(io, options);
  std::optional<ClientAnswer> ready;
  ghost.start([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
  ASSERT_NE(error_of(ready), nullptr);
  EXPECT_EQ(error_of(ready)->message.rfind("upstream ghost could not start: ", 0), 0u)
      << error_of(ready)->message;
  EXPECT_EQ(ghost.state(), mcp::UpstreamState::dead);

  mcp::StdioUpstream upstream(io, mock_options("mock-mcp"));
  start_ready(upstream);
  std::optional<ClientAnswer> again;
  upstream.start([&](ClientAnswer a) { again = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return again.has_value(); }));
  EXPECT_EQ(error_of(again)->message,
            "upstream mock-mcp is already running; restart() replaces it");
  stop_and_expect_reaped(upstream);
}

TEST_F(StdioUpstreamTest, NotificationsAndInvalidLinesFromTheChildAreReported) {
  auto options = mute_options();
  options.command.argv = {
      "/bin/sh", "-c",
      "read -r first; echo 'not json at all'; head -c 3000 /dev/zero | tr '\\0' x; echo;"
      "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
      "\"params\":{\"level\":\"info\",\"data\":\"hi\"}}';"
      "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":\"u-1\",\"result\":"
      "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}';"
      "while read -r line; do :; done"};
  options.limits.max_message_bytes = 1024;
  mcp::StdioUpstream upstream(io, options);
  std::vector<mcp::Notification> notes;
  std::vector<mcp::InvalidServerLine> invalid;
  upstream.on_notification([&](mcp::Notification n) { notes.push_back(std::move(n)); });
  upstream.on_invalid_line([&](const mcp::InvalidServerLine& line) { invalid.push_back(line); });
  start_ready(upstream);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].params["data"], "hi");
  ASSERT_EQ(invalid.size(), 2u);
  EXPECT_EQ(invalid[0].excerpt, "not json at all");
  EXPECT_EQ(invalid[1].error.kind, "too_large");
  EXPECT_EQ(invalid[1].error.error.message, "line exceeds the limit of 1024 bytes");
  EXPECT_EQ(invalid[1].excerpt, std::string(256, 'x'));
  stop_and_expect_reaped(upstream);
}

// The child exits but a process it started keeps its stdout open, so no EOF comes: the exit is
// noticed by polling, and killing the group ends the rest.
TEST_F(StdioUpstreamTest, AnExitIsNoticedEvenWhenAGrandchildKeepsStdoutOpen) {
  auto options = mute_options();
  options.command.argv = {
      "/bin/sh", "-c",
      "read -r first; printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":\"u-1\",\"result\":"
      "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{}}}';"
      "read -r second; sleep 1000 & exit 3"};
  options.stop_grace = 100ms;
  mcp::StdioUpstream upstream(io, options);
  std::optional<mcp::UpstreamExit> exit;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exit = e; });
  start_ready(upstream);
  const int pid = upstream.pid();
  std::optional<ClientAnswer> answer;
  upstream.request("tools/list", nullptr, [&](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(
      io, [&] { return answer.has_value() && exit.has_value(); }, 5s));
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->message,
            "upstream mute exited (status 3) while the call was in flight");
  EXPECT_EQ(exit->status, 3);
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
  EXPECT_TRUE(reaped(pid));
}

}  // namespace
}  // namespace gatecrash
