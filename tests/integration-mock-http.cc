// tests/integration-mock-http.cc — gatecrash-mock over Streamable HTTP as a real process, every version, ledger checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "mcp/child_process.h"
#include "mcp/http_client.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::Json;
using namespace std::chrono_literals;

// gatecrash-mock --transport http on an ephemeral loopback port, found through --ready-file.
struct HttpMock {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::unique_ptr<mcp::ChildProcess> child;
  std::string url;

  explicit HttpMock(const std::string& catalog) {
    const std::string ready = dir.file("url");
    mcp::ChildOptions options;
    options.argv = {testing::mock_binary(), "--catalog", catalog, "--transport", "http", "--listen",
                    "127.0.0.1:0", "--ledger", ledger, "--ready-file", ready, "--seed", "3"};
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
    for (int i = 0; i < 200 && url.empty(); ++i) {
      std::ifstream in(ready);
      std::getline(in, url);
      if (url.empty()) std::this_thread::sleep_for(25ms);
    }
  }
  ~HttpMock() {
    if (child) child->terminate();
  }
  std::vector<Json> ledger_lines() const { return testing::read_json_lines(ledger); }
};

std::string rpc(int id, const std::string& method, Json params = nullptr) {
  Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message.dump();
}

Json only_message(const mcp::HttpExchange& exchange) {
  EXPECT_EQ(exchange.messages.size(), 1u) << exchange.raw_body;
  return exchange.messages.empty() ? Json() : Json::parse(exchange.messages.front());
}

Json initialize(mcp::StreamableHttpClient& client, const std::string& version) {
  auto answer = client.post(rpc(1, "initialize", {{"protocolVersion", version},
                                                  {"capabilities", Json::object()},
                                                  {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  EXPECT_EQ(answer.status, 200);
  EXPECT_FALSE(client.session_id().empty());
  client.set_protocol_version(version);
  auto initialized = client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(initialized.status, 202);
  return only_message(answer);
}

TEST(MockHttp, EverySupportedVersionInitializesListsCallsAndLedgers) {
  HttpMock mock("trackingtime");
  ASSERT_FALSE(mock.url.empty()) << "mock did not start";
  std::vector<std::string> sessions;
  for (const char* version : {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}) {
    SCOPED_TRACE(version);
    mcp::StreamableHttpClient client(mock.url);
    Json init = initialize(client, version);
    EXPECT_EQ(init["result"]["protocolVersion"], version);
    sessions.push_back(client.session_id());
    Json tools = only_message(client.post(rpc(2, "tools/list")));
    EXPECT_EQ(tools["result"]["tools"].size(), 26u);
    Json created = only_message(client.post(rpc(3, "tools/call", {{"name", "create_project"}, {"arguments", {{"name", "Gatecrash"}}}})));
    EXPECT_FALSE(created["result"].value("isError", false)) << created.dump();
    Json invalid = only_message(client.post(rpc(4, "tools/call", {{"name", "stop_task"}, {"arguments", {{"task_id", "x"}}}})));
    EXPECT_TRUE(invalid["result"].value("isError", false));
    EXPECT_NE(invalid["result"]["content"][0]["text"].get<std::string>().find("task_id"), std::string::npos);
    EXPECT_EQ(client.del().status, 200);
  }
  auto lines = mock.ledger_lines();
  ASSERT_EQ(lines.size(), 4u * 5u);  // initialize, initialized, list, two calls per session
  for (std::size_t s = 0; s < sessions.size(); ++s) {
    const std::string conn = "http:" + sessions[s];
    const std::vector<std::string> methods = {"initialize", "notifications/initialized", "tools/list", "tools/call", "tools/call"};
    for (std::size_t i = 0; i < methods.size(); ++i) {
      const Json& line = lines[s * 5 + i];
      EXPECT_EQ(line["conn"], conn);
      EXPECT_EQ(line["method"], methods[i]);
      EXPECT_EQ(line["server"], "trackingtime");
    }
    EXPECT_EQ(lines[s * 5 + 3]["tool"], "create_project");
    EXPECT_EQ(lines[s * 5 + 3]["outcome"], "ok");
    EXPECT_FALSE(lines[s * 5 + 3]["effect"].get<std::string>().empty());
    EXPECT_EQ(lines[s * 5 + 4]["outcome"], "invalid_arguments");
  }
  // Every line has its own seq, in order, from the one process.
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i]["seq"], i + 1);
}

TEST(MockHttp, MalformedAndOversizedBodiesAreRefusedAndLedgered) {
  HttpMock mock("cloudstack");
  ASSERT_FALSE(mock.url.empty());
  mcp::StreamableHttpClient client(mock.url);
  initialize(client, "2025-11-25");

  auto not_json = client.post("{\"jsonrpc\":");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(only_message(not_json)["error"]["code"], mcp::error_code::kParseError);

  auto duplicate = client.post(R"({"jsonrpc":"2.0","id":5,"method":"tools/list","method":"tools/call"})");
  EXPECT_EQ(duplicate.status, 400);

  auto batch = client.post("[" + rpc(6, "tools/list") + "]");
  EXPECT_EQ(batch.status, 400);
  EXPECT_EQ(only_message(batch)["error"]["code"], mcp::error_code::kInvalidRequest);

  auto huge = client.post(rpc(7, "tools/call", {{"name", "list_virtual_machines"},
                                                 {"arguments", {{"keyword", std::string(5 * 1024 * 1024, 'k')}}}}));
  // The server answers 413 and drains the rest of the body before it closes, so the client reads
  // the 413 rather than a reset. Nothing of it may reach the mock.
  EXPECT_EQ(huge.status, 413) << huge.error;

  auto raw = client.raw("\x16\x03\x01 this is not HTTP\r\n\r\n", 3000ms);
  EXPECT_TRUE(raw.peer_closed || !raw.received.empty());

  // The session still works, on a new connection.
  mcp::StreamableHttpClient again(mock.url);
  again.set_session_id(client.session_id());
  again.set_protocol_version("2025-11-25");
  Json listed = only_message(again.post(rpc(8, "tools/call", {{"name", "list_virtual_machines"}, {"arguments", Json::object()}})));
  ASSERT_TRUE(listed.contains("result")) << listed.dump();
  EXPECT_FALSE(listed["result"].value("isError", false));

  auto lines = mock.ledger_lines();
  std::vector<std::string> outcomes;
  for (const auto& line : lines) outcomes.push_back(line["outcome"]);
  EXPECT_EQ(lines.back()["tool"], "list_virtual_machines");
  EXPECT_NE(std::find(outcomes.begin(), outcomes.end(), "parse_error"), outcomes.end());
  EXPECT_NE(std::find(outcomes.begin(), outcomes.end(), "duplicate_key"), outcomes.end());
  EXPECT_NE(std::find(outcomes.begin(), outcomes.end(), "batch_not_allowed"), outcomes.end());
}

TEST(MockHttp, SessionsShareServerStateButNotSessionIds) {
  HttpMock mock("prospectio");
  ASSERT_FALSE(mock.url.empty());
  mcp::StreamableHttpClient first(mock.url);
  mcp::StreamableHttpClient second(mock.url);
  initialize(first, "2025-06-18");
  initialize(second, "2025-06-18");
  EXPECT_NE(first.session_id(), second.session_id());
  Json started = only_message(first.post(rpc(2, "tools/call", {{"name", "generate_campaign"}, {"arguments", {{"request", {{"name", "q4"}}}}}})));
  ASSERT_FALSE(started["result"].value("isError", false)) << started.dump();
  // The task started in one session is visible from the other: one server, one state.
  Json running = only_message(second.post(rpc(2, "tools/call", {{"name", "get_running_tasks"}, {"arguments", Json::object()}})));
  EXPECT_NE(running.dump().find("generate_campaign"), std::string::npos) << running.dump();
  // A foreign session id is unknown.
  mcp::StreamableHttpClient stranger(mock.url);
  stranger.set_session_id("0123456789abcdef0123456789abcdef");
  EXPECT_EQ(stranger.post(rpc(1, "tools/list")).status, 404);
}

}  // namespace
}  // namespace gatecrash
