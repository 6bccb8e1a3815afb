// tests/integration-mock-stdio.cc — gatecrash-mock as a real child process over stdio, ledger checked line by line.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "mcp/child_process.h"
#include "mcp/client_session.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::Json;
using namespace std::chrono_literals;

const std::map<std::string, std::size_t> kToolCounts = {
    {"prometheus", 6}, {"cloudstack", 45}, {"trackingtime", 26}, {"prospectio", 12}, {"mock-mcp", 6}};

struct MockProcess {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::unique_ptr<mcp::ChildProcess> child;

  explicit MockProcess(const std::string& catalog, std::vector<std::string> extra = {}) {
    mcp::ChildOptions options;
    options.argv = {testing::mock_binary(), "--catalog", catalog, "--ledger", ledger, "--seed", "7"};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
  }
  std::vector<Json> ledger_lines() const { return testing::read_json_lines(ledger); }
};

// The first string "id" of any object inside `value` (list results nest their rows).
std::optional<std::string> first_string_id(const Json& value) {
  if (value.is_object()) {
    if (auto it = value.find("id"); it != value.end() && it->is_string()) return it->get<std::string>();
    for (const auto& [key, child] : value.items()) {
      if (auto found = first_string_id(child)) return found;
    }
  } else if (value.is_array()) {
    for (const auto& child : value) {
      if (auto found = first_string_id(child)) return found;
    }
  }
  return std::nullopt;
}

// A child started without a stderr file inherits ours: its fd 2 is open. (Boost.Process's
// limit_handles closed it, so a mock under the gateway opened its ledger as fd 2 and its error
// messages landed in the ledger.)
TEST(ChildProcessStderr, AChildWithoutAStderrFileStillHasFd2) {
  mcp::ChildOptions options;
  options.argv = {"/bin/sh", "-c", "if [ -e /proc/self/fd/2 ]; then echo open; else echo closed; fi"};
  auto child = mcp::ChildProcess::spawn(options);
  EXPECT_EQ(child->read_line(5s), "open");
  EXPECT_EQ(child->wait_exit(5s), 0);
}

// Children started from several threads at once each get their own pipes and exit status.
// (Boost.Process's shared bp::limit_handles object kept per-spawn state in a vector that every
// spawn assigned: concurrent spawns corrupted the heap, and a `gatecrash fuzz --jobs 4` harness
// hung in a std::set insert. Before the fix this test aborted or crashed in 13 of 16 runs.)
TEST(ChildProcessSpawn, ManyThreadsSpawningAtOnceEachGetTheirOwnChild) {
  constexpr int kThreads = 6;
  constexpr int kSpawnsPerThread = 100;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < kSpawnsPerThread; ++i) {
        const std::string tag = std::to_string(t) + "-" + std::to_string(i);
        mcp::ChildOptions options;
        options.argv = {"/bin/sh", "-c", "echo \"$0\"; exit 3", tag};
        auto child = mcp::ChildProcess::spawn(options);
        if (child->read_line(10s) != tag || child->wait_exit(10s) != 3) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(MockStdio, EveryCatalogOnEveryVersionInitializesListsAndLedgers) {
  for (const auto& [catalog, count] : kToolCounts) {
    for (const char* version : {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}) {
      SCOPED_TRACE(catalog + " " + version);
      MockProcess mock(catalog);
      mcp::ClientSession client(*mock.child, 5s);
      Json init = client.initialize(version);
      EXPECT_EQ(init["protocolVersion"], version);
      EXPECT_TRUE(init["capabilities"].contains("tools"));
      Json tools = client.call("tools/list")["tools"];
      ASSERT_EQ(tools.size(), count);
      for (const Json& tool : tools) {
        EXPECT_TRUE(tool["name"].is_string());
        EXPECT_EQ(tool["inputSchema"]["type"], "object");
        EXPECT_EQ(tool.contains("annotations"), std::string(version) != "2024-11-05");
      }
      mock.child->close_stdin();
      ASSERT_EQ(mock.child->wait_exit(5s), 0);

      auto lines = mock.ledger_lines();
      ASSERT_EQ(lines.size(), 3u);
      EXPECT_EQ(lines[0]["method"], "initialize");
      EXPECT_EQ(lines[0]["kind"], "request");
      EXPECT_EQ(lines[0]["id"], 1);
      EXPECT_EQ(lines[1]["method"], "notifications/initialized");
      EXPECT_EQ(lines[1]["kind"], "notification");
      EXPECT_EQ(lines[2]["method"], "tools/list");
      for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i]["seq"], i + 1);
        EXPECT_EQ(lines[i]["server"], catalog);
        EXPECT_EQ(lines[i]["pid"], mock.child->pid());
        EXPECT_EQ(lines[i]["outcome"], "ok");
        EXPECT_GT(lines[i]["t_ns"].get<std::int64_t>(), 0);
      }
    }
  }
}

TEST(MockStdio, DestructiveCallIsLedgeredWithItsEffectBeforeTheAnswer) {
  MockProcess mock("cloudstack");
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  Json listed = client.call_tool("list_virtual_machines");
  auto vm = first_string_id(listed.value("structuredContent", Json::object()));
  ASSERT_TRUE(vm) << listed.dump();
  const Json arguments = {{"id", *vm}, {"expunge", true}};
  Json destroyed = client.call("tools/call", {{"name", "destroy_virtual_machine"},
                                              {"arguments", arguments},
                                              {"_meta", {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}}});
  EXPECT_FALSE(destroyed.value("isError", false)) << destroyed.dump();
  // The ledger line exists as soon as the answer is in our hands.
  auto lines = mock.ledger_lines();
  ASSERT_GE(lines.size(), 4u);
  const Json& call = lines.back();
  EXPECT_EQ(call["method"], "tools/call");
  EXPECT_EQ(call["tool"], "destroy_virtual_machine");
  EXPECT_EQ(call["arguments"], arguments);
  EXPECT_EQ(call["meta"]["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(call["outcome"], "ok");
  EXPECT_NE(call["effect"].get<std::string>().find(*vm), std::string::npos) << call.dump();
}

TEST(MockStdio, InvalidArgumentsUnknownToolsAndBadParamsAreRefusedAndLedgered) {
  MockProcess mock("cloudstack");
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  Json invalid = client.call_tool("destroy_virtual_machine", {{"expunge", "yes"}});
  EXPECT_TRUE(invalid.value("isError", false));
  const std::string text = invalid["content"][0]["text"];
  EXPECT_TRUE(text.find("id") != std::string::npos || text.find("expunge") != std::string::npos) << text;

  auto unknown = mcp::to_json(client.request("tools/call", {{"name", "Destroy_Virtual_Machine"}}));
  EXPECT_EQ(unknown["error"]["code"], mcp::error_code::kInvalidParams);
  auto bad_arguments = mcp::to_json(client.request("tools/call", {{"name", "list_virtual_machines"}, {"arguments", 5}}));
  EXPECT_EQ(bad_arguments["error"]["code"], mcp::error_code::kInvalidParams);
  auto unknown_method = mcp::to_json(client.request("resources/list"));
  EXPECT_EQ(unknown_method["error"]["code"], mcp::error_code::kMethodNotFound);

  auto lines = mock.ledger_lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2]["outcome"], "invalid_arguments");
  EXPECT_EQ(lines[2]["effect"], "");
  EXPECT_EQ(lines[3]["outcome"], "unknown_tool");
  EXPECT_EQ(lines[3]["tool"], "Destroy_Virtual_Machine");  // exactly as received
  EXPECT_EQ(lines[4]["outcome"], "invalid_params");
  EXPECT_EQ(lines[5]["outcome"], "method_not_found");
}

TEST(MockStdio, MalformedAndOversizedLinesAreAnsweredAndReadingGoesOn) {
  MockProcess mock("trackingtime");
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  ASSERT_TRUE(mock.child->write_line("{\"jsonrpc\":\"2.0\",\"id\":", 5s));
  Json parse_error = Json::parse(*mock.child->read_line(5s));
  EXPECT_EQ(parse_error["error"]["code"], mcp::error_code::kParseError);
  EXPECT_TRUE(parse_error["id"].is_null());

  ASSERT_TRUE(mock.child->write_line(R"({"jsonrpc":"2.0","id":77,"method":"tools/list","id":78})", 5s));
  EXPECT_EQ(Json::parse(*mock.child->read_line(5s))["error"]["code"], mcp::error_code::kInvalidRequest);

  const std::string huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"p\":\"" +
                           std::string(5 * 1024 * 1024, 'a') + "\"}}";
  ASSERT_TRUE(mock.child->write_line(huge, 10s));
  Json too_large = Json::parse(*mock.child->read_line(10s));
  EXPECT_EQ(too_large["error"]["code"], mcp::error_code::kInvalidRequest);

  EXPECT_EQ(client.call("tools/list")["tools"].size(), 26u);
  auto lines = mock.ledger_lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[2]["kind"], "invalid");
  EXPECT_EQ(lines[2]["outcome"], "parse_error");
  EXPECT_EQ(lines[3]["outcome"], "duplicate_key");
  EXPECT_EQ(lines[4]["outcome"], "too_large");
  EXPECT_LE(lines[4]["raw"].get<std::string>().size(), 256u);
  EXPECT_EQ(lines[5]["method"], "tools/list");
}

TEST(MockStdio, PipedSessionAnswersAndExitsAtEndOfInput) {
  MockProcess mock("cloudstack");
  const std::string session =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_virtual_machines","arguments":{}}})"
      "\n";
  ASSERT_TRUE(mock.child->write(session, 5s));
  mock.child->close_stdin();
  auto first = mock.child->read_line(5s);
  auto second = mock.child->read_line(5s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(Json::parse(*first)["id"], 1);
  EXPECT_EQ(Json::parse(*second)["id"], 2);
  EXPECT_FALSE(mock.child->read_line(5s));
  EXPECT_TRUE(mock.child->at_eof());
  EXPECT_EQ(mock.child->wait_exit(5s), 0);
}

TEST(MockStdio, ALedgerWriteFailureStopsTheMockBeforeItAnswers) {
  testing::TempDir dir;
  mcp::ChildOptions options;
  // /dev/full opens fine and fails every write with ENOSPC.
  options.argv = {testing::mock_binary(), "--catalog", "prospectio", "--ledger", "/dev/full"};
  options.stderr_path = dir.file("stderr.txt");
  auto child = mcp::ChildProcess::spawn(options);
  mcp::ClientSession client(*child, 5s);
  EXPECT_THROW(client.initialize(), mcp::ClientError);  // no answer: the message was not ledgered
  EXPECT_EQ(child->wait_exit(5s), 2);
  std::ifstream in(options.stderr_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("/dev/full"), std::string::npos) << text;
}

TEST(MockStdio, BadCommandLinesExitWithAClearError) {
  testing::TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    mcp::ChildOptions options;
    options.argv = {testing::mock_binary()};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.stderr_path = dir.file("stderr.txt");
    auto child = mcp::ChildProcess::spawn(options);
    child->close_stdin();
    auto status = child->wait_exit(5s);
    std::ifstream in(options.stderr_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::make_pair(status.value_or(-1), text);
  };
  auto [unknown_status, unknown_text] = run({"--catalog", "nope", "--ledger", dir.file("l.jsonl")});
  EXPECT_EQ(unknown_status, 2);
  EXPECT_NE(unknown_text.find("cloudstack"), std::string::npos) << unknown_text;
  auto [ledger_status, ledger_text] = run({"--catalog", "cloudstack", "--ledger", "/nonexistent/l.jsonl"});
  EXPECT_EQ(ledger_status, 2);
  EXPECT_NE(ledger_text.find("/nonexistent/l.jsonl"), std::string::npos) << ledger_text;
}

}  // namespace
}  // namespace gatecrash
