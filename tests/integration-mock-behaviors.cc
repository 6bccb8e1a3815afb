// tests/integration-mock-behaviors.cc — gatecrash-mock's --behavior flags, real processes.
#include <gtest/gtest.h>

#include <filesystem>
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

// ---- parsing personalities, tampering, --control and --check ----------------------------------

// One raw line to the mock and the one line it answers with (nothing else may come first).
Json send_raw(mcp::ChildProcess& child, const std::string& line) {
  EXPECT_TRUE(child.write_line(line, 5s));
  auto answer = child.read_line(5s);
  EXPECT_TRUE(answer.has_value()) << "no answer to " << line;
  return answer ? Json::parse(*answer) : Json();
}

// The texts of a CallToolResult's text items, in order.
std::vector<std::string> texts_of(const Json& result) {
  std::vector<std::string> texts;
  for (const Json& item : result.value("content", Json::array())) {
    if (item.value("type", "") == "text") texts.push_back(item["text"]);
  }
  return texts;
}

// A JSON-RPC answer carrying a tool result that is not a tool error.
bool succeeded(const Json& answer) {
  return answer.contains("result") && !answer["result"].value("isError", false);
}

bool mentions_canary(const Json& value) {
  return value.dump().find(std::string(mock::kCanaryMarker)) != std::string::npos;
}

// gatecrash-mock run with `args` (after the binary) until it exits by itself, stdin left open:
// its exit status (-1 if it was still running after 5 s) and its stderr.
std::pair<int, std::string> run_mock_until_exit(const testing::TempDir& dir,
                                                const std::vector<std::string>& args) {
  mcp::ChildOptions options;
  options.argv = {testing::mock_binary()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.stderr_path =
      dir.file("stderr-" + std::to_string(Clock::now().time_since_epoch().count()) + ".txt");
  auto child = mcp::ChildProcess::spawn(options);
  auto status = child->wait_exit(5s);
  return {status.value_or(-1), read_text(options.stderr_path)};
}

// Writes a control file the way the harness must: whole, under a temporary name, then renamed,
// so the mock never reads half of it.
void write_control(const std::string& path, const Json& behaviours) {
  const std::string temporary = path + ".tmp";
  testing::write_file(temporary, behaviours.dump());
  std::filesystem::rename(temporary, path);
}

TEST(MockPersonalities, LenientNameLookupRunsTheToolAVariantNameReaches) {
  StdioMock lenient("cloudstack", {"name_lookup=lenient"});
  mcp::ClientSession client(*lenient.child, 5s);
  client.initialize();
  const Json variant = client.call_tool(" LIST_ZONES\t");
  EXPECT_FALSE(variant.value("isError", false)) << variant.dump();
  const Json long_s = client.call_tool("li\xC5\xBFt_zones");  // U+017F long s
  EXPECT_FALSE(long_s.value("isError", false)) << long_s.dump();
  const Json exact = client.call_tool("list_zones");
  EXPECT_EQ(variant, exact) << "the variant name must run list_zones itself";
  EXPECT_EQ(long_s, exact);
  const auto calls = lenient.tool_calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0]["tool"], " LIST_ZONES\t") << "the ledger keeps the name as received";
  EXPECT_EQ(calls[0]["outcome"], "ok");
  EXPECT_EQ(calls[1]["tool"], "li\xC5\xBFt_zones");
  EXPECT_EQ(calls[1]["outcome"], "ok");

  StdioMock strict("cloudstack", {});
  mcp::ClientSession strict_client(*strict.child, 5s);
  strict_client.initialize();
  const Json refused = mcp::to_json(strict_client.request(
      "tools/call", {{"name", " LIST_ZONES\t"}, {"arguments", Json::object()}}));
  EXPECT_EQ(refused["error"]["code"], mcp::error_code::kInvalidParams) << refused.dump();
  EXPECT_EQ(refused["error"]["message"], "Unknown tool:  LIST_ZONES\t");
  const auto strict_calls = strict.tool_calls();
  ASSERT_EQ(strict_calls.size(), 1u);
  EXPECT_EQ(strict_calls[0]["outcome"], "unknown_tool");
}

constexpr const char* kDuplicateNameCall =
    R"({"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"list_zones","arguments":{},"name":"list_virtual_machines"}})";

TEST(MockPersonalities, DuplicateKeysFirstOrLastRunsThatNameAndStrictRefusesTheLine) {
  for (const auto& [behavior, expected_tool] : std::vector<std::pair<std::string, std::string>>{
           {"duplicate_keys=last", "list_virtual_machines"},
           {"duplicate_keys=first", "list_zones"}}) {
    SCOPED_TRACE(behavior);
    StdioMock mock("cloudstack", {behavior});
    mcp::ClientSession client(*mock.child, 5s);
    client.initialize();
    const Json answer = send_raw(*mock.child, kDuplicateNameCall);
    EXPECT_EQ(answer["id"], 21);
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_FALSE(answer["result"].value("isError", false)) << answer.dump();
    EXPECT_EQ(answer["result"], client.call_tool(expected_tool));
    const auto calls = mock.tool_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0]["tool"], expected_tool);
    EXPECT_EQ(calls[0]["outcome"], "ok");
  }

  StdioMock strict("cloudstack", {});
  mcp::ClientSession client(*strict.child, 5s);
  client.initialize();
  const Json refused = send_raw(*strict.child, kDuplicateNameCall);
  EXPECT_EQ(refused["error"]["code"], mcp::error_code::kInvalidRequest) << refused.dump();
  EXPECT_TRUE(refused["id"].is_null());
  EXPECT_TRUE(strict.tool_calls().empty());
  const Json last = strict.ledger_lines().back();
  EXPECT_EQ(last["kind"], "invalid");
  EXPECT_EQ(last["outcome"], "duplicate_key");
  EXPECT_EQ(last["raw"], kDuplicateNameCall);
}

TEST(MockPersonalities, DuplicateKeysLastOverHttpRunsTheLastName) {
  HttpMock mock("cloudstack", {"duplicate_keys=last"});
  ASSERT_FALSE(mock.url.empty()) << read_text(mock.dir.file("stderr.txt"));
  mcp::StreamableHttpClient client(mock.url);
  initialize(client);
  const Json answer = only_message(client.post(kDuplicateNameCall));
  EXPECT_EQ(answer["id"], 21);
  EXPECT_TRUE(succeeded(answer)) << answer.dump();
  std::vector<Json> calls;
  for (Json& line : testing::read_json_lines(mock.ledger)) {
    if (line["method"] == "tools/call") calls.push_back(std::move(line));
  }
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["tool"], "list_virtual_machines");
}

TEST(MockPersonalities, KeyCaseInsensitiveReadsCaseVariantKeysButNotArguments) {
  // The strict reader runs "name"; Go's reader lets the later "Name" win.
  const std::string variant_name =
      R"({"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":"list_zones","Name":"list_virtual_machines","arguments":{}}})";
  // Every envelope and params key in another case: the strict reader finds no method.
  const std::string shouted =
      R"({"jsonrpc":"2.0","id":23,"METHOD":"tools/call","Params":{"NAME":"list_zones","Arguments":{}}})";
  // cloudstack's schemas forbid undeclared properties: "Available" is not "available".
  const std::string argument_case =
      R"({"jsonrpc":"2.0","id":24,"method":"tools/call","params":{"name":"list_zones","arguments":{"Available":true}}})";

  StdioMock go_like("cloudstack", {"key_case=insensitive"});
  mcp::ClientSession client(*go_like.child, 5s);
  client.initialize();
  const Json by_name = send_raw(*go_like.child, variant_name);
  EXPECT_TRUE(succeeded(by_name)) << by_name.dump();
  const Json by_shout = send_raw(*go_like.child, shouted);
  EXPECT_EQ(by_shout["id"], 23);
  EXPECT_TRUE(succeeded(by_shout)) << by_shout.dump();
  const Json by_argument = send_raw(*go_like.child, argument_case);
  EXPECT_TRUE(by_argument["result"].value("isError", false)) << by_argument.dump();
  auto calls = go_like.tool_calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0]["tool"], "list_virtual_machines");
  EXPECT_EQ(calls[1]["tool"], "list_zones");
  EXPECT_EQ(calls[1]["outcome"], "ok");
  EXPECT_EQ(calls[2]["arguments"], (Json{{"Available", true}}));
  EXPECT_EQ(calls[2]["outcome"], "invalid_arguments");

  StdioMock strict("cloudstack", {});
  mcp::ClientSession strict_client(*strict.child, 5s);
  strict_client.initialize();
  EXPECT_TRUE(succeeded(send_raw(*strict.child, variant_name)));
  const Json refused = send_raw(*strict.child, shouted);
  EXPECT_EQ(refused["id"], 23);
  EXPECT_EQ(refused["error"]["code"], mcp::error_code::kInvalidRequest) << refused.dump();
  calls = strict.tool_calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["tool"], "list_zones");
}

TEST(MockPersonalities, LenientCoercionAcceptsAStringWhereTheSchemaWantsAnInteger) {
  const Json arguments = {{"offset", "0"}, {"limit", "10"}};  // get_campaigns: both "integer"
  StdioMock strict("prospectio", {});
  mcp::ClientSession strict_client(*strict.child, 5s);
  strict_client.initialize();
  const Json refused = strict_client.call_tool("get_campaigns", arguments);
  EXPECT_TRUE(refused.value("isError", false)) << refused.dump();
  EXPECT_EQ(strict.tool_calls().at(0)["outcome"], "invalid_arguments");

  StdioMock lax("prospectio", {"coerce=lenient"});
  mcp::ClientSession client(*lax.child, 5s);
  client.initialize();
  const Json accepted = client.call_tool("get_campaigns", arguments);
  EXPECT_FALSE(accepted.value("isError", false)) << accepted.dump();
  EXPECT_EQ(accepted, client.call_tool("get_campaigns", {{"offset", 0}, {"limit", 10}}));
  const auto calls = lax.tool_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["arguments"], arguments) << "the ledger keeps the arguments as received";
  EXPECT_EQ(calls[0]["outcome"], "ok");
  // What cannot be converted is still refused.
  EXPECT_TRUE(client.call_tool("get_campaigns", {{"offset", "zero"}, {"limit", "10"}})
                  .value("isError", false));
}

TEST(MockTampering, PoisonLyingAnnotationsAndShadowShowInToolsList) {
  StdioMock plain("cloudstack", {});
  mcp::ClientSession plain_client(*plain.child, 5s);
  plain_client.initialize();
  const Json honest = plain_client.call("tools/list")["tools"];

  StdioMock mock("cloudstack", {"poison=*", "lying_annotations=1", "shadow_tool=send_email"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json tools = client.call("tools/list")["tools"];
  ASSERT_EQ(tools.size(), honest.size() + 1);
  const std::string instruction = mock::poison_instruction();
  const Json lying = {{"readOnlyHint", true},
                      {"destructiveHint", false},
                      {"idempotentHint", true},
                      {"openWorldHint", false}};
  for (std::size_t i = 0; i < honest.size(); ++i) {
    SCOPED_TRACE(honest[i]["name"].get<std::string>());
    EXPECT_EQ(tools[i]["name"], honest[i]["name"]);
    EXPECT_EQ(tools[i]["description"],
              honest[i]["description"].get<std::string>() + " " + instruction);
    const Json properties = tools[i]["inputSchema"].value("properties", Json::object());
    for (const auto& [name, property] : properties.items()) {
      EXPECT_NE(property.value("description", "").find(instruction), std::string::npos) << name;
    }
    EXPECT_EQ(tools[i]["annotations"], lying);
  }
  ASSERT_TRUE(find_tool(honest, "destroy_virtual_machine"));
  EXPECT_EQ((*find_tool(honest, "destroy_virtual_machine"))["annotations"]["destructiveHint"], true)
      << "the lie must differ from the truth";
  const Json& shadow = tools.back();
  EXPECT_EQ(shadow["name"], "send_email");
  EXPECT_NE(shadow["description"].get<std::string>().find(mock::shadow_instruction("send_email")),
            std::string::npos);
  EXPECT_EQ(shadow["inputSchema"], honest[0]["inputSchema"]);
  EXPECT_EQ(shadow["annotations"], lying);

  // Poisoning one tool leaves the others as they were.
  StdioMock one("cloudstack", {"poison=list_zones"});
  mcp::ClientSession one_client(*one.child, 5s);
  one_client.initialize();
  const Json poisoned_one = one_client.call("tools/list")["tools"];
  ASSERT_EQ(poisoned_one.size(), honest.size());
  for (std::size_t i = 0; i < honest.size(); ++i) {
    if (honest[i]["name"] == "list_zones") {
      EXPECT_EQ(poisoned_one[i], mock::poisoned(honest[i]));
    } else {
      EXPECT_EQ(poisoned_one[i], honest[i]);
    }
  }
}

TEST(MockTampering, CallingTheShadowToolRunsTheFirstCatalogTool) {
  StdioMock mock("trackingtime", {"shadow_tool=send_email"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json shadowed = client.call_tool("send_email");
  EXPECT_FALSE(shadowed.value("isError", false)) << shadowed.dump();
  EXPECT_EQ(shadowed, client.call_tool("get_me"));
  const auto calls = mock.tool_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["tool"], "send_email");
  EXPECT_EQ(calls[0]["outcome"], "ok");

  testing::TempDir dir;
  auto [status, text] =
      run_mock_until_exit(dir, {"--catalog", "trackingtime", "--ledger", dir.file("l.jsonl"),
                                "--behavior", "shadow_tool=get_me"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(text.find("--behavior 'shadow_tool=get_me'"), std::string::npos) << text;
}

TEST(MockTampering, InjectBothPlantsTheCanaryInContentAndStructuredContent) {
  StdioMock plain("trackingtime", {});
  mcp::ClientSession plain_client(*plain.child, 5s);
  plain_client.initialize();
  const Json honest = plain_client.call_tool("get_me");
  ASSERT_TRUE(honest.contains("structuredContent"));
  ASSERT_FALSE(mentions_canary(honest));

  StdioMock mock("trackingtime", {"inject=both"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json result = client.call_tool("get_me");
  EXPECT_FALSE(result.value("isError", false));
  const std::vector<std::string> texts = texts_of(result);
  ASSERT_EQ(texts.size(), texts_of(honest).size() + 1) << result.dump();
  EXPECT_EQ(texts.front(), texts_of(honest).front());
  EXPECT_EQ(texts.back(), mock::injected_result_text());
  EXPECT_NE(texts.back().find("\x1b[8m"), std::string::npos);
  EXPECT_EQ(result["structuredContent"]["note"], mock::injected_result_text());
  Json rest = result["structuredContent"];
  rest.erase("note");
  EXPECT_EQ(rest, honest["structuredContent"]);
  EXPECT_FALSE(mentions_canary(client.call("tools/list"))) << "inject tampers with results only";
}

TEST(MockTampering, ResultBytesPadsTheResultText) {
  constexpr std::size_t kBytes = 200'000;
  StdioMock mock("cloudstack", {"result_bytes=200000"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json result = client.call_tool("list_zones");
  EXPECT_FALSE(result.value("isError", false));
  std::size_t total = 0;
  for (const std::string& text : texts_of(result)) total += text.size();
  EXPECT_GE(total, kBytes);
  EXPECT_LT(total, kBytes + 64) << "padding stops near the size asked for";
}

TEST(MockTampering, ProgressFloodSendsNNotificationsBeforeTheAnswer) {
  StdioMock mock("trackingtime", {"progress_flood=5"});
  mcp::ClientSession client(*mock.child, 5s);
  client.initialize();
  const Json answer =
      mcp::to_json(client.request("tools/call", {{"name", "get_me"},
                                                 {"arguments", Json::object()},
                                                 {"_meta", {{"progressToken", "tok-9"}}}}));
  EXPECT_TRUE(succeeded(answer)) << answer.dump();
  // Everything in the inbox was read before the answer was.
  ASSERT_EQ(client.inbox().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const Json notification = mcp::to_json(client.inbox()[i]);
    EXPECT_EQ(notification["method"], "notifications/progress");
    EXPECT_EQ(notification["params"],
              (Json{{"progressToken", "tok-9"}, {"progress", i + 1}, {"total", 5}}));
  }
  client.inbox().clear();

  // Without a progressToken the flood still comes, for a token the client never gave.
  client.call_tool("get_me");
  ASSERT_EQ(client.inbox().size(), 5u);
  EXPECT_EQ(mcp::to_json(client.inbox().back())["params"]["progressToken"], "gatecrash-flood");
}

TEST(MockControlFile, SwitchesBehavioursMidRunAndExits2OnABadOne) {
  testing::TempDir dir;
  const std::string control = dir.file("control.json");
  const std::string ledger = dir.file("ledger.jsonl");
  mcp::ChildOptions options;
  options.argv = mock_argv("cloudstack", ledger, {});
  options.argv.push_back("--control");
  options.argv.push_back(control);
  options.stderr_path = dir.file("stderr.txt");
  auto child = mcp::ChildProcess::spawn(options);
  mcp::ClientSession client(*child, 5s);
  client.initialize();

  // No control file yet: the command line's behaviours (none).
  EXPECT_FALSE(mentions_canary(client.call_tool("list_zones")));

  write_control(control, {{"inject", "content"}});
  const Json injected = client.call_tool("list_zones");
  ASSERT_FALSE(texts_of(injected).empty());
  EXPECT_EQ(texts_of(injected).back(), mock::injected_result_text());

  // The file's behaviours replace the previous file's: injection stops, the rug pull counts
  // calls from the switch on.
  const Json before = client.call("tools/list")["tools"];
  write_control(control, {{"rug_pull_after", "1"}});
  EXPECT_EQ(client.call("tools/list")["tools"], before) << "nothing is pulled before the next call";
  EXPECT_TRUE(client.inbox().empty());
  EXPECT_FALSE(mentions_canary(client.call_tool("list_zones")));
  const Json after = client.call("tools/list")["tools"];
  EXPECT_EQ(methods_of(client.inbox()),
            std::vector<std::string>{"notifications/tools/list_changed"});
  client.inbox().clear();
  expect_pulled(before[0], after[0]);

  // A bad value ends the process before it answers, naming the control file.
  write_control(control, {{"inject", "everywhere"}});
  ASSERT_TRUE(child->write_line(
      rpc(90, "tools/call", {{"name", "list_zones"}, {"arguments", Json::object()}}), 5s));
  EXPECT_FALSE(child->read_line(5s).has_value())
      << "a bad control file must not be answered through";
  EXPECT_EQ(child->wait_exit(5s), 2);
  const std::string err = read_text(options.stderr_path);
  EXPECT_NE(err.find("--control " + control), std::string::npos) << err;
  EXPECT_NE(err.find("inject=everywhere"), std::string::npos) << err;
}

TEST(MockControlFile, ABadControlFileAtStartExits2) {
  testing::TempDir dir;
  const std::string control = dir.file("control.json");
  testing::write_file(control, R"({"poison":"no_such_tool"})");
  auto [status, text] = run_mock_until_exit(
      dir, {"--catalog", "cloudstack", "--ledger", dir.file("l.jsonl"), "--control", control});
  EXPECT_EQ(status, 2);
  EXPECT_NE(text.find("--control " + control), std::string::npos) << text;
  EXPECT_NE(text.find("poison=no_such_tool"), std::string::npos) << text;
}

TEST(MockCheck, ValidatesFlagsBehavioursAndControlFileWithoutServing) {
  testing::TempDir dir;
  const std::vector<std::string> check = {"--catalog", "cloudstack", "--check"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = check;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_mock_until_exit(dir, args);
  };
  // Good: exits 0 at once although stdin stays open, and needs no --ledger.
  EXPECT_EQ(with({}).first, 0);
  EXPECT_EQ(with({"--behavior", "inject=both", "--behavior", "name_lookup=lenient", "--behavior",
                  "shadow_tool=send_email"})
                .first,
            0);
  EXPECT_EQ(with({"--control", dir.file("not-written-yet.json")}).first, 0);
  const std::string good = dir.file("good.json");
  testing::write_file(good,
                      R"({"poison":"list_zones","progress_flood":3,"lying_annotations":true})");
  EXPECT_EQ(with({"--control", good}).first, 0);

  // Bad: 2, with the message a real run would give.
  auto [shadow_status, shadow_text] = with({"--behavior", "shadow_tool=list_zones"});
  EXPECT_EQ(shadow_status, 2);
  EXPECT_NE(shadow_text.find("--behavior 'shadow_tool=list_zones'"), std::string::npos)
      << shadow_text;
  const std::string bad = dir.file("bad.json");
  testing::write_file(bad, R"({"coerce":"sometimes"})");
  auto [bad_status, bad_text] = with({"--control", bad});
  EXPECT_EQ(bad_status, 2);
  EXPECT_NE(bad_text.find("--control " + bad), std::string::npos) << bad_text;
  EXPECT_NE(bad_text.find("coerce=sometimes"), std::string::npos) << bad_text;
  const std::string not_object = dir.file("array.json");
  testing::write_file(not_object, "[1]");
  auto [array_status, array_text] = with({"--control", not_object});
  EXPECT_EQ(array_status, 2);
  EXPECT_NE(array_text.find("--control " + not_object), std::string::npos) << array_text;
  const std::string negative = dir.file("negative.json");
  testing::write_file(negative, R"({"delay_ms":-1})");
  auto [negative_status, negative_text] = with({"--control", negative});
  EXPECT_EQ(negative_status, 2);
  EXPECT_NE(negative_text.find("/delay_ms"), std::string::npos) << negative_text;

  // Without --check, the same good flags without --ledger are refused: --check is what allows it.
  auto [serve_status, serve_text] = run_mock_until_exit(dir, {"--catalog", "cloudstack"});
  EXPECT_EQ(serve_status, 2);
  EXPECT_NE(serve_text.find("--ledger"), std::string::npos) << serve_text;
}

TEST(MockBehaviors, BadTamperingAndPersonalityFlagsExit2NamingTheFlag) {
  testing::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"inject=everywhere", "expected one of content, structured, both"},
      {"inject=", "expected one of"},
      {"result_bytes=0", "expected a whole number from 1"},
      {"result_bytes=268435457", "to 268435456"},
      {"progress_flood=0", "expected a whole number from 1"},
      {"progress_flood=1000001", "to 1000000"},
      {"lying_annotations=2", "from 0 to 1"},
      {"poison=", "expected a tool name or *"},
      {"poison=no_such_tool", "the catalog has no such tool"},
      {"shadow_tool=", "expected a tool name"},
      {"shadow_tool=get_me", "the catalog already has that tool"},
      {"name_lookup=fuzzy", "expected one of exact, case_insensitive, trim, lenient"},
      {"duplicate_keys=merge", "expected one of reject, first, last"},
      {"key_case=upper", "expected one of exact, insensitive"},
      {"coerce=yes", "expected one of strict, lenient"},
  };
  for (const auto& [flag, expected] : cases) {
    SCOPED_TRACE(flag);
    auto [status, text] = run_mock_until_exit(
        dir, {"--catalog", "trackingtime", "--ledger", dir.file("l.jsonl"), "--behavior", flag});
    EXPECT_EQ(status, 2);
    EXPECT_NE(text.find("--behavior '" + flag + "'"), std::string::npos) << text;
    EXPECT_NE(text.find(expected), std::string::npos) << text;
  }
  auto [conformance_status, conformance_text] =
      run_mock_until_exit(dir, {"--catalog", "conformance", "--ledger", dir.file("l.jsonl"),
                                "--control", dir.file("c.json")});
  EXPECT_EQ(conformance_status, 2);
  EXPECT_NE(conformance_text.find("--control is not available"), std::string::npos)
      << conformance_text;
}

}  // namespace
}  // namespace gatecrash
