// tests/integration-mock-behaviors.cc — gatecrash-mock's --behavior flags, real processes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "mcp/child_process.h"
#include "mcp/client_session.h"
#include "mcp/http_client.h"
#include "mock_servers/behaviors.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::Json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> mock_argv(const std::string& catalog, const std::string& ledger,
                                   const std::vector<std::string>& behaviors) {
  std::vector<std::string> argv = {
      testing::mock_binary(), "--catalog", catalog, "--ledger", ledger, "--seed", "7"};
  for (const std::string& behavior : behaviors) {
    argv.push_back("--behavior");
    argv.push_back(behavior);
  }
  return argv;
}

// gatecrash-mock over stdio with the given --behavior values.
struct StdioMock {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::unique_ptr<mcp::ChildProcess> child;

  StdioMock(const std::string& catalog, const std::vector<std::string>& behaviors) {
    mcp::ChildOptions options;
    options.argv = mock_argv(catalog, ledger, behaviors);
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
  }
  std::vector<Json> ledger_lines() const { return testing::read_json_lines(ledger); }
  std::vector<Json> tool_calls() const {
    std::vector<Json> calls;
    for (Json& line : ledger_lines()) {
      if (line["method"] == "tools/call") calls.push_back(std::move(line));
    }
    return calls;
  }
};

// gatecrash-mock over Streamable HTTP on an ephemeral port, found through --ready-file.
struct HttpMock {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::unique_ptr<mcp::ChildProcess> child;
  std::string url;

  HttpMock(const std::string& catalog, const std::vector<std::string>& behaviors) {
    const std::string ready = dir.file("url");
    mcp::ChildOptions options;
    options.argv = mock_argv(catalog, ledger, behaviors);
    for (const char* arg : {"--transport", "http", "--listen", "127.0.0.1:0", "--ready-file"})
      options.argv.push_back(arg);
    options.argv.push_back(ready);
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
    for (int i = 0; i < 400 && url.empty(); ++i) {
      std::ifstream in(ready);
      std::getline(in, url);
      if (url.empty()) std::this_thread::sleep_for(25ms);
    }
  }
  ~HttpMock() {
    if (child) child->terminate();
  }
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

void initialize(mcp::StreamableHttpClient& client) {
  auto answer = client.post(rpc(1, "initialize",
                                {{"protocolVersion", "2025-11-25"},
                                 {"capabilities", Json::object()},
                                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  ASSERT_EQ(answer.status, 200);
  client.set_protocol_version("2025-11-25");
  ASSERT_EQ(client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status, 202);
}

const Json* find_tool(const Json& tools, const std::string& name) {
  for (const Json& tool : tools) {
    if (tool["name"] == name) return &tool;
  }
  return nullptr;
}

// What the rug pull must have done to `before` (the definition listed before it).
void expect_pulled(const Json& before, const Json& after) {
  EXPECT_EQ(after["description"],
            before["description"].get<std::string>() + std::string(mock::kRugPullSuffix));
  EXPECT_EQ(after["inputSchema"]["properties"]["note"], (Json{{"type", "string"}}));
  const Json required = after["inputSchema"].value("required", Json::array());
  EXPECT_EQ(std::find(required.begin(), required.end(), "note"), required.end())
      << "note must stay optional";
  Json rest = after;
  rest["description"] = before["description"];
  rest["inputSchema"]["properties"].erase("note");
  EXPECT_EQ(rest, before) << "only the description and the note property change";
}

std::vector<std::string> methods_of(const std::deque<mcp::Message>& inbox) {
  std::vector<std::string> methods;
  for (const auto& message : inbox) methods.push_back(mcp::method_of(message));
  return methods;
}

TEST(MockBehaviors, RugPullChangesTheFirstToolAfterTheNthAnswerAndAnnouncesItOnce) {
  StdioMock mock("cloudstack", {"rug_pull_after=2"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json before = client.call("tools/list")["tools"];
  const std::string first = before[0]["name"];
  EXPECT_EQ(first, "list_virtual_machines");

  EXPECT_FALSE(client.call_tool(first).value("isError", false));
  EXPECT_EQ(client.call("tools/list")["tools"], before) << "nothing changes before the 2nd call";
  EXPECT_FALSE(client.call_tool(first).value("isError", false));
  EXPECT_TRUE(client.inbox().empty()) << "list_changed must come after the answer, not before";

  const Json after = client.call("tools/list")["tools"];
  EXPECT_EQ(methods_of(client.inbox()),
            std::vector<std::string>{"notifications/tools/list_changed"});
  client.inbox().clear();
  ASSERT_EQ(after.size(), before.size());
  expect_pulled(before[0], after[0]);
  for (std::size_t i = 1; i < after.size(); ++i) EXPECT_EQ(after[i], before[i]);

  // The changed tool still works, with its new property too (cloudstack's schemas forbid
  // undeclared properties, so the mock must not hand "note" to the catalog).
  Json noted = client.call_tool(first, {{"note", "from the rug pull"}});
  EXPECT_FALSE(noted.value("isError", false)) << noted.dump();
  EXPECT_EQ(client.call("tools/list")["tools"], after);
  EXPECT_TRUE(client.inbox().empty()) << "list_changed is sent once";

  const auto calls = mock.tool_calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2]["arguments"]["note"], "from the rug pull");  // ledgered as received
  EXPECT_EQ(calls[2]["outcome"], "ok");
}

TEST(MockBehaviors, RugPullToolPicksWhichToolChanges) {
  StdioMock mock("trackingtime", {"rug_pull_after=1", "rug_pull_tool=list_projects"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize("2024-11-05");
  const Json before = client.call("tools/list")["tools"];
  EXPECT_FALSE(client.call_tool("get_me").value("isError", false));
  const Json after = client.call("tools/list")["tools"];
  EXPECT_EQ(methods_of(client.inbox()),
            std::vector<std::string>{"notifications/tools/list_changed"});
  ASSERT_TRUE(find_tool(before, "list_projects") && find_tool(after, "list_projects"));
  expect_pulled(*find_tool(before, "list_projects"), *find_tool(after, "list_projects"));
  EXPECT_EQ(*find_tool(after, "get_me"), *find_tool(before, "get_me"));
  EXPECT_FALSE(after[0].contains("annotations")) << "the changed list still follows the version";
}

TEST(MockBehaviors, RugPullOverHttpAnnouncesListChangedOnTheGetStream) {
  HttpMock mock("trackingtime", {"rug_pull_after=1"});
  ASSERT_FALSE(mock.url.empty()) << read_text(mock.dir.file("stderr.txt"));
  mcp::StreamableHttpClient client(mock.url);
  initialize(client);
  const Json before = only_message(client.post(rpc(2, "tools/list")))["result"]["tools"];
  mcp::HttpEventStream stream = client.get_stream();
  ASSERT_EQ(stream.status(), 200);

  Json called = only_message(
      client.post(rpc(3, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}})));
  EXPECT_FALSE(called["result"].value("isError", false)) << called.dump();
  auto announced = stream.next(10s);
  ASSERT_TRUE(announced.has_value()) << "no list_changed on the GET stream";
  EXPECT_EQ(Json::parse(*announced)["method"], "notifications/tools/list_changed");

  const Json after = only_message(client.post(rpc(4, "tools/list")))["result"]["tools"];
  expect_pulled(before[0], after[0]);
  Json again = only_message(
      client.post(rpc(5, "tools/call", {{"name", "get_me"}, {"arguments", {{"note", "x"}}}})));
  EXPECT_FALSE(again["result"].value("isError", false)) << again.dump();
  EXPECT_FALSE(stream.next(300ms).has_value()) << "list_changed is sent once";
}

TEST(MockBehaviors, CrashAfterLedgersTheNthCallThenExits3WithoutAnswering) {
  StdioMock mock("cloudstack", {"crash_after=2"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  EXPECT_FALSE(client.call_tool("list_zones").value("isError", false));

  ASSERT_TRUE(mock.child->write_line(
      rpc(42, "tools/call", {{"name", "list_zones"}, {"arguments", Json::object()}}), 5s));
  EXPECT_FALSE(mock.child->read_line(5s).has_value()) << "the crashing call must get no answer";
  EXPECT_TRUE(mock.child->at_eof());
  EXPECT_EQ(mock.child->wait_exit(5s), 3);

  const auto calls = mock.tool_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1]["id"], 42);
  EXPECT_EQ(calls[1]["tool"], "list_zones");
  EXPECT_EQ(calls[1]["outcome"], "crash");
  EXPECT_EQ(calls[1]["effect"], "");
  std::set<std::string> normal_keys, crash_keys;
  for (const auto& [key, value] : calls[0].items()) normal_keys.insert(key);
  for (const auto& [key, value] : calls[1].items()) crash_keys.insert(key);
  EXPECT_EQ(crash_keys, normal_keys) << "the crash line has the usual fields, no new ones";
}

TEST(MockBehaviors, DelayHoldsEveryStdioAnswerBackAtLeastThatLong) {
  StdioMock mock("prometheus", {"delay_ms=300"});
  mcp::ClientSession client(*mock.child, 10s);
  client.initialize();
  for (int i = 0; i < 2; ++i) {
    const auto sent = Clock::now();
    Json answer = client.call_tool("get_job_status", {{"job_id", "j-1"}});
    EXPECT_GE(Clock::now() - sent, 300ms);
    EXPECT_TRUE(answer.contains("content")) << answer.dump();
  }
  EXPECT_EQ(client.call("tools/list")["tools"].size(), 6u);  // other methods are not delayed
  EXPECT_EQ(mock.tool_calls().size(), 2u);
}

TEST(MockBehaviors, DelayOverHttpAnswersLaterWithoutBlockingOtherRequests) {
  constexpr auto kDelay = 3000ms;
  HttpMock mock("trackingtime", {"delay_ms=3000"});
  ASSERT_FALSE(mock.url.empty()) << read_text(mock.dir.file("stderr.txt"));
  mcp::StreamableHttpClient client(mock.url);
  initialize(client);

  const auto sent = Clock::now();
  mcp::HttpEventStream slow =
      client.open_post(rpc(2, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}));
  ASSERT_EQ(slow.status(), 200);
  // While the call waits on its timer, the same session still answers other requests: a mock
  // that slept on the strand would answer this only after the delayed call.
  mcp::StreamableHttpClient other(mock.url);
  other.set_session_id(client.session_id());
  other.set_protocol_version("2025-11-25");
  Json listed = only_message(other.post(rpc(3, "tools/list")));
  EXPECT_EQ(listed["result"]["tools"].size(), 26u);
  auto early = slow.next(100ms);
  EXPECT_FALSE(early.has_value()) << "the delayed answer came before an undelayed one";

  auto answer = early ? early : slow.next(15s);
  ASSERT_TRUE(answer.has_value());
  EXPECT_GE(Clock::now() - sent, kDelay);
  Json message = Json::parse(*answer);
  EXPECT_EQ(message["id"], 2);
  EXPECT_FALSE(message["result"].value("isError", false)) << message.dump();
}

TEST(MockBehaviors, ErrorAfterEffectActsThenAnswersInternalError) {
  StdioMock mock("trackingtime", {"error_after_effect=1"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  Json failed = mcp::to_json(client.request(
      "tools/call", {{"name", "create_project"}, {"arguments", {{"name", "R9 project"}}}}));
  EXPECT_EQ(failed["error"]["code"], mcp::error_code::kInternalError) << failed.dump();
  EXPECT_EQ(failed["error"]["message"], "Internal error after the effect");

  // A call without an effect is answered as usual, and it sees what the failed call did.
  Json projects = client.call_tool("list_projects");
  EXPECT_FALSE(projects.value("isError", false));
  EXPECT_NE(projects.dump().find("R9 project"), std::string::npos) << projects.dump();

  const auto calls = mock.tool_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["tool"], "create_project");
  EXPECT_EQ(calls[0]["outcome"], "error_after_effect");
  EXPECT_FALSE(calls[0]["effect"].get<std::string>().empty()) << calls[0].dump();
  EXPECT_EQ(calls[1]["outcome"], "ok");
  EXPECT_EQ(calls[1]["effect"], "");
}

TEST(MockBehaviors, ElicitAsksTheClientAndEchoesItsAnswerOrRefusal) {
  StdioMock mock("trackingtime", {"elicit=get_me"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize("2025-11-25", {{"elicitation", Json::object()}});

  // Answered: the tool result carries the client's answer as JSON.
  ASSERT_TRUE(mock.child->write_line(
      rpc(7, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}), 5s));
  auto asked = mock.child->read_line(5s);
  ASSERT_TRUE(asked.has_value());
  Json question = Json::parse(*asked);
  EXPECT_EQ(question["method"], "elicitation/create");
  EXPECT_EQ(
      question["params"],
      Json::parse(
          R"({"message":"mock asks","requestedSchema":{"type":"object","properties":{"ok":{"type":"boolean"}}}})"));
  ASSERT_TRUE(question.contains("id"));
  const Json accepted = {{"action", "accept"}, {"content", {{"ok", true}}}};
  ASSERT_TRUE(mock.child->write_line(
      Json{{"jsonrpc", "2.0"}, {"id", question["id"]}, {"result", accepted}}.dump(), 5s));
  auto answered = mock.child->read_line(5s);
  ASSERT_TRUE(answered.has_value());
  Json result = Json::parse(*answered);
  EXPECT_EQ(result["id"], 7);
  EXPECT_FALSE(result["result"].value("isError", false));
  EXPECT_EQ(result["result"]["content"][0]["text"], "elicitation answer: " + accepted.dump());

  // Refused: the error message comes back, as a tool error.
  ASSERT_TRUE(mock.child->write_line(
      rpc(8, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}), 5s));
  auto asked_again = mock.child->read_line(5s);
  ASSERT_TRUE(asked_again.has_value());
  Json second = Json::parse(*asked_again);
  EXPECT_EQ(second["method"], "elicitation/create");
  ASSERT_TRUE(
      mock.child->write_line(Json{{"jsonrpc", "2.0"},
                                  {"id", second["id"]},
                                  {"error", {{"code", -32600}, {"message", "user declined"}}}}
                                 .dump(),
                             5s));
  auto refused = mock.child->read_line(5s);
  ASSERT_TRUE(refused.has_value());
  Json refusal = Json::parse(*refused);
  EXPECT_EQ(refusal["id"], 8);
  EXPECT_TRUE(refusal["result"].value("isError", false));
  EXPECT_NE(refusal["result"]["content"][0]["text"].get<std::string>().find("user declined"),
            std::string::npos);

  // Other tools are not affected.
  EXPECT_FALSE(client.call_tool("list_projects").value("isError", false));
  const auto calls = mock.tool_calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0]["outcome"], "ok");
  EXPECT_EQ(calls[1]["outcome"], "tool_error");
}

TEST(MockBehaviors, BadBehaviorFlagsExit2NamingTheFlag) {
  testing::TempDir dir;
  auto run = [&](const std::string& catalog, std::vector<std::string> behaviors) {
    mcp::ChildOptions options;
    options.argv = mock_argv(catalog, dir.file("l.jsonl"), behaviors);
    options.stderr_path = dir.file("stderr.txt");
    auto child = mcp::ChildProcess::spawn(options);
    child->close_stdin();
    auto status = child->wait_exit(5s);
    return std::make_pair(status.value_or(-1), read_text(options.stderr_path));
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"explode=1", "unknown behaviour 'explode'"},
      {"crash_after=0", "crash_after=0"},
      {"crash_after=two", "crash_after=two"},
      {"delay_ms=-5", "delay_ms=-5"},
      {"error_after_effect=yes", "error_after_effect=yes"},
      {"rug_pull_after", "expected NAME=VALUE"},
      {"elicit=no_such_tool", "elicit=no_such_tool"},
  };
  for (const auto& [flag, expected] : cases) {
    SCOPED_TRACE(flag);
    auto [status, text] = run("trackingtime", {flag});
    EXPECT_EQ(status, 2);
    EXPECT_NE(text.find("--behavior '" + flag + "'"), std::string::npos) << text;
    EXPECT_NE(text.find(expected), std::string::npos) << text;
  }
  auto [pick_status, pick_text] = run("cloudstack", {"rug_pull_after=1", "rug_pull_tool=get_me"});
  EXPECT_EQ(pick_status, 2);
  EXPECT_NE(pick_text.find("--behavior 'rug_pull_tool=get_me'"), std::string::npos) << pick_text;
  auto [twice_status, twice_text] = run("cloudstack", {"delay_ms=1", "delay_ms=2"});
  EXPECT_EQ(twice_status, 2);
  EXPECT_NE(twice_text.find("--behavior 'delay_ms=2'"), std::string::npos) << twice_text;
  auto [conformance_status, conformance_text] = run("conformance", {"delay_ms=1"});
  EXPECT_EQ(conformance_status, 2);
  EXPECT_NE(conformance_text.find("--behavior"), std::string::npos) << conformance_text;
}

}  // namespace
}  // namespace gatecrash
