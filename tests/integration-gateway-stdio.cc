// tests/integration-gateway-stdio.cc — gatecrash-gateway over stdio in front of real gatecrash-mock children.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "mcp/child_process.h"
#include "mcp/client_session.h"
#include "mcp/strict_json.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::Json;
using namespace std::chrono_literals;

constexpr auto kWait = 15s;

// The tools/call lines of a ledger.
std::vector<Json> ledger_calls(const std::string& ledger) {
  std::vector<Json> calls;
  for (auto& line : testing::read_json_lines(ledger)) {
    if (line.value("method", "") == "tools/call") calls.push_back(std::move(line));
  }
  return calls;
}

// One gateway process with its own directory, servers file (mocks writing one ledger) and policy.
struct Gateway {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::string audit = dir.file("audit.jsonl");
  std::string policy = dir.file("policy.json");
  std::string servers;
  std::unique_ptr<mcp::ChildProcess> child;

  explicit Gateway(const Json& policy_json, std::vector<std::string> extra = {},
                   std::vector<std::pair<std::string, std::string>> upstreams = {{"trackingtime", "trackingtime"}},
                   std::map<std::string, std::string> env = {}, std::vector<std::string> mock_args = {}) {
    testing::write_file(policy, policy_json.dump());
    servers = testing::write_mock_servers(dir, upstreams, ledger, mock_args);
    start(std::move(extra), std::move(env));
  }
  void start(std::vector<std::string> extra, std::map<std::string, std::string> env = {}) {
    mcp::ChildOptions options;
    options.argv = {testing::gateway_binary(), "--policy", policy, "--servers", servers, "--audit", audit};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.env = std::move(env);
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
  }
  std::vector<Json> calls() const { return ledger_calls(ledger); }
  std::string stderr_text() const { return testing::read_source_file_abs(dir.file("stderr.txt")); }
};

Json error_of(const mcp::Message& message) {
  const auto* error = std::get_if<mcp::ErrorResponse>(&message);
  if (!error) return nullptr;
  return Json{{"code", error->error.code}, {"message", error->error.message}, {"data", error->error.data}};
}

bool is_result(const mcp::Message& message) { return std::holds_alternative<mcp::Response>(message); }

const Json kTrackingPolicy = Json::parse(R"({
  "version": "1", "default": "deny", "hide": ["list_users"],
  "tools": {
    "get_me": {"limits": [{"counter": "me", "window": "minute", "max": 30, "scope": "grant"}]},
    "list_projects": {},
    "update_project": {"action": "deny", "reason": "projects are read-only here"},
    "create_project": {"action": "approve", "reason": "projects are visible to everyone"},
    "track_task": {"args": [{"path": "args.project_name", "op": "regex", "value": "^[A-Za-z0-9 ]{1,32}$"}]}
  }
})");

TEST(GatewayStdio, DeniedHiddenUnknownAndInvalidCallsNeverReachTheLedger) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "deny", "hide": ["list_users"],
    "tools": {"list_projects": {}, "update_project": {"action": "deny", "reason": "destructive"},
              "track_task": {"args": [{"path": "args.project_name", "op": "regex", "value": "^[A-Za-z ]{1,32}$"}]}}})"));
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");

  Json denied = error_of(client.request("tools/call", {{"name", "update_project"}, {"arguments", {{"project_id", 1}}}}));
  EXPECT_EQ(denied["code"], -32001);
  EXPECT_EQ(denied["message"], "denied by policy: destructive");
  EXPECT_EQ(denied["data"]["kind"], "deny");
  EXPECT_EQ(denied["data"]["rule"], "tools.update_project.action");

  Json unlisted = error_of(client.request("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}));
  EXPECT_EQ(unlisted["code"], -32001);
  EXPECT_EQ(unlisted["data"]["kind"], "deny");
  EXPECT_EQ(unlisted["data"]["rule"], "default");

  Json bad_args = error_of(client.request(
      "tools/call", {{"name", "track_task"}, {"arguments", {{"task_id", 1}, {"project_name", "x; rm -rf /"}}}}));
  EXPECT_EQ(bad_args["code"], -32001);
  EXPECT_EQ(bad_args["data"]["kind"], "invalid_arguments");

  // A hidden tool fails exactly like one that does not exist.
  Json hidden = error_of(client.request("tools/call", {{"name", "list_users"}, {"arguments", Json::object()}}));
  Json missing = error_of(client.request("tools/call", {{"name", "list_userz"}, {"arguments", Json::object()}}));
  EXPECT_EQ(hidden["code"], -32602);
  EXPECT_EQ(hidden["message"], "Unknown tool: list_users");
  EXPECT_EQ(missing["message"], "Unknown tool: list_userz");
  EXPECT_EQ(hidden["data"], missing["data"]);
  // Byte-exact names: a case variant is just another unknown tool (A1).
  EXPECT_EQ(error_of(client.request("tools/call", {{"name", "Update_project"}}))["code"], -32602);

  Json listed = client.call("tools/list")["tools"];
  std::vector<std::string> names;
  for (const auto& tool : listed) names.push_back(tool["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"list_projects", "track_task"}));

  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "list_projects"}, {"arguments", Json::object()}})));
  auto calls = gw.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["tool"], "list_projects");
}

TEST(GatewayStdio, HundredPipelinedCallsAgainstMaxThirtyForwardExactlyThirty) {
  Gateway gw(kTrackingPolicy);
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  auto ids = client.send_requests("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}, 100);
  int forwarded = 0;
  int limited = 0;
  for (const auto& id : ids) {
    auto answer = client.await_answer(id);
    if (is_result(answer)) {
      ++forwarded;
      continue;
    }
    Json error = error_of(answer);
    EXPECT_EQ(error["code"], -32001);
    EXPECT_EQ(error["data"]["kind"], "rate_limited");
    EXPECT_EQ(error["data"]["rule"], "tools.get_me.limits[0]");
    EXPECT_GT(error["data"]["retry_after_ms"].get<std::int64_t>(), 0);
    ++limited;
  }
  EXPECT_EQ(forwarded, 30);
  EXPECT_EQ(limited, 70);
  EXPECT_EQ(gw.calls().size(), 30u);
}

TEST(GatewayStdio, BatchElementsAreEachDecidedAndChargedOn2025_03_26) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "deny",
    "tools": {"get_me": {"limits": [{"counter": "me", "window": "minute", "max": 3, "scope": "grant"}]}}})"));
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-03-26");
  Json batch = Json::array();
  for (int i = 1; i <= 5; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"id", 100 + i}, {"method", "tools/call"},
                     {"params", {{"name", "get_me"}, {"arguments", Json::object()}}}});
  }
  ASSERT_TRUE(gw.child->send_line(batch.dump(), kWait));
  auto line = gw.child->read_line(kWait);
  ASSERT_TRUE(line);
  Json answers = Json::parse(*line);
  ASSERT_TRUE(answers.is_array());
  ASSERT_EQ(answers.size(), 5u);
  int ok = 0;
  int limited = 0;
  for (const auto& answer : answers) {
    if (answer.contains("result")) ++ok;
    else if (answer["error"]["data"]["kind"] == "rate_limited") ++limited;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 2);
  EXPECT_EQ(gw.calls().size(), 3u);
}

TEST(GatewayStdio, BatchesAreRefusedWholeOnLaterVersions) {
  Gateway gw(kTrackingPolicy);
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  Json batch = Json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"},
                             {"params", {{"name", "get_me"}, {"arguments", Json::object()}}}}});
  ASSERT_TRUE(gw.child->send_line(batch.dump(), kWait));
  auto line = gw.child->read_line(kWait);
  ASSERT_TRUE(line);
  Json answer = Json::parse(*line);
  EXPECT_EQ(answer["error"]["code"], -32600);
  EXPECT_TRUE(gw.calls().empty());
}

// Each malformed input class of attacks.md §D.3 (and P1, P5) gets the right JSON-RPC error, the
// gateway stays up, and nothing reaches the upstream.
TEST(GatewayStdio, MalformedInputGetsTheRightErrorAndNothingReachesTheLedger) {
  Gateway gw(kTrackingPolicy, {"--max-message-bytes", "65536"});
  // P1: a call before initialize.
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":"early","method":"tools/call","params":{"name":"get_me","arguments":{}}})", kWait));
  auto early = gw.child->read_line(kWait);
  ASSERT_TRUE(early);
  EXPECT_NE(Json::parse(*early)["error"]["code"], nullptr) << *early;

  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  const std::string call_params = R"("params":{"name":"get_me","arguments":{}})";
  struct Case {
    std::string name;
    std::string line;
    int code;  // 0: no answer expected (a notification)
  };
  const std::vector<Case> cases = {
      {"M1 deep nesting", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_me","arguments":{"a":)" +
                              std::string(10000, '[') + std::string(10000, ']') + "}}}", -32600},
      {"M2 oversized line", R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_me","arguments":{"a":")" +
                                std::string(70000, 'x') + "\"}}}", -32600},
      {"M3 id is an object", R"({"jsonrpc":"2.0","id":{"a":1},"method":"tools/call",)" + call_params + "}", -32600},
      {"M3 method is a number", R"({"jsonrpc":"2.0","id":4,"method":7,)" + call_params + "}", -32600},
      {"M3 params is an array", R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":["get_me"]})", -32600},
      {"M3 arguments is a string", R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_me","arguments":"{}"}})", -32602},
      {"M4 invalid UTF-8 in the name", "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"get_\xff\",\"arguments\":{}}}", -32700},
      {"M5 NaN", R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"get_me","arguments":{"a":NaN}}})", -32700},
      {"M6 two values in one line", R"({"jsonrpc":"2.0","id":9,"method":"tools/call",)" + call_params + "}{}", -32700},
      {"M6 leading BOM", "\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\"," + call_params + "}", -32700},
      {"A7 duplicate key", R"({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"get_me","name":"update_project","arguments":{}}})", -32600},
      {"P5 notification-shaped call", R"({"jsonrpc":"2.0","method":"tools/call",)" + call_params + "}", 0},
      {"P6 a response from the client", R"({"jsonrpc":"2.0","id":"u-1","result":{}})", 0},
      {"not JSON", "tools/call get_me", -32700},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(gw.child->send_line(c.line, kWait));
    if (c.code == 0) continue;
    auto line = gw.child->read_line(kWait);
    ASSERT_TRUE(line) << "no answer";
    Json answer = Json::parse(*line);
    EXPECT_EQ(answer["error"]["code"], c.code) << *line;
  }
  // Still alive and serving; only this last call reached the upstream.
  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}})));
  auto calls = gw.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["arguments"], Json::object());
}

// What reaches the upstream is the canonical re-serialisation of what was validated, under the
// upstream's own ids; the audit log has the decision with secrets redacted.
TEST(GatewayStdio, ForwardsCanonicalArgumentsAndAuditsWithSecretsRedacted) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "allow", "tools": {}})"), {},
             {{"trackingtime", "trackingtime"}}, {{"GATECRASH_IDENTITY", "carol"}});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"create_customer","arguments":{"name":"Acme\u0020Ltd","api_token":"s3cret-value","x":1.50}}})",
      kWait));
  auto line = gw.child->read_line(kWait);
  ASSERT_TRUE(line);
  auto calls = gw.calls();
  ASSERT_EQ(calls.size(), 1u);
  // The mock's ledger hides secrets itself; the rest arrives as parsed and re-serialised.
  EXPECT_EQ(calls[0]["arguments"], (Json{{"name", "Acme Ltd"}, {"api_token", "<redacted>"}, {"x", 1.5}}));
  EXPECT_NE(calls[0]["id"], 42) << "the client's id must not reach the upstream";
  bool found = false;
  for (const auto& entry : testing::read_json_lines(gw.audit)) {
    if (entry.value("event", "") != "decision") continue;
    found = true;
    EXPECT_EQ(entry["identity"], "carol");
    EXPECT_EQ(entry["tool"], "create_customer");
    EXPECT_EQ(entry["verdict"], "allow");
    EXPECT_EQ(entry["arguments"]["api_token"], "[redacted]");
    EXPECT_EQ(entry["arguments"]["name"], "Acme Ltd");
  }
  EXPECT_TRUE(found);
  std::ifstream raw(gw.audit);
  std::string text((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("s3cret-value"), std::string::npos);
}

// Approval: a client that declared elicitation is asked, and only an accept forwards; one that
// did not is refused with approval_required.
TEST(GatewayStdio, ApprovalIsAskedThroughElicitationAndOnlyAnAcceptForwards) {
  for (const bool accept : {true, false}) {
    SCOPED_TRACE(accept ? "accept" : "decline");
    Gateway gw(kTrackingPolicy);
    mcp::ClientSession client(*gw.child, kWait);
    client.initialize("2025-06-18", Json{{"elicitation", Json::object()}});
    ASSERT_TRUE(gw.child->send_line(
        R"({"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"create_project","arguments":{"name":"Apollo","password":"hunter2"}}})",
        kWait));
    auto ask_line = gw.child->read_line(kWait);
    ASSERT_TRUE(ask_line);
    Json ask = Json::parse(*ask_line);
    ASSERT_EQ(ask["method"], "elicitation/create") << *ask_line;
    const std::string message = ask["params"]["message"];
    EXPECT_NE(message.find("create_project"), std::string::npos);
    EXPECT_NE(message.find("Apollo"), std::string::npos);
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << "secrets are redacted in the question too";
    EXPECT_TRUE(gw.calls().empty()) << "nothing is forwarded before the answer";
    Json reply = {{"jsonrpc", "2.0"}, {"id", ask["id"]},
                  {"result", accept ? Json{{"action", "accept"}, {"content", {{"approve", true}}}}
                                    : Json{{"action", "decline"}}}};
    ASSERT_TRUE(gw.child->send_line(reply.dump(), kWait));
    auto answer_line = gw.child->read_line(kWait);
    ASSERT_TRUE(answer_line);
    Json answer = Json::parse(*answer_line);
    EXPECT_EQ(answer["id"], "c1");
    if (accept) {
      EXPECT_TRUE(answer.contains("result")) << *answer_line;
      ASSERT_EQ(gw.calls().size(), 1u);
      EXPECT_EQ(gw.calls()[0]["arguments"]["name"], "Apollo");
    } else {
      EXPECT_EQ(answer["error"]["code"], -32001);
      EXPECT_EQ(answer["error"]["data"]["kind"], "approval_required");
      EXPECT_TRUE(gw.calls().empty());
    }
  }
  Gateway gw(kTrackingPolicy);
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");  // no elicitation capability
  Json refused = error_of(client.request("tools/call", {{"name", "create_project"}, {"arguments", {{"name", "X"}}}}));
  EXPECT_EQ(refused["data"]["kind"], "approval_required");
  EXPECT_EQ(refused["message"], "denied by policy: projects are visible to everyone");
  EXPECT_TRUE(gw.calls().empty());
}

TEST(GatewayStdio, SighupReloadKeepsCountersAndAnInvalidPolicyKeepsTheOldOne) {
  const auto policy_with = [](int max, const char* extra_tool) {
    Json policy = {{"version", "1"}, {"default", "deny"},
                   {"tools", {{"get_me", {{"limits", Json::array({{{"counter", "me"}, {"window", "minute"},
                                                                   {"max", max}, {"scope", "grant"}}})}}}}}};
    policy["tools"][extra_tool] = Json::object();
    return policy;
  };
  Gateway gw(policy_with(5, "list_projects"));
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  const Json get_me = {{"name", "get_me"}, {"arguments", Json::object()}};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(is_result(client.request("tools/call", get_me)));
  EXPECT_EQ(error_of(client.request("tools/call", {{"name", "list_tasks"}, {"arguments", Json::object()}}))["data"]["kind"], "deny");

  // A new policy: list_tasks allowed, same counter. The 3 units already spent still count.
  testing::write_file(gw.policy, policy_with(5, "list_tasks").dump());
  ASSERT_EQ(::kill(gw.child->pid(), SIGHUP), 0);
  // The reload is applied on the gateway's loop; poll until list_tasks is allowed.
  bool reloaded = false;
  for (int attempt = 0; attempt < 100 && !reloaded; ++attempt) {
    reloaded = is_result(client.request("tools/call", {{"name", "list_tasks"}, {"arguments", Json::object()}}));
    if (!reloaded) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(reloaded);
  EXPECT_TRUE(is_result(client.request("tools/call", get_me)));
  EXPECT_TRUE(is_result(client.request("tools/call", get_me)));
  EXPECT_EQ(error_of(client.request("tools/call", get_me))["data"]["kind"], "rate_limited");

  // An invalid policy is refused; the old one keeps applying.
  testing::write_file(gw.policy, R"({"version": "1", "tools": {"get_me": {"limits": [{"window": "minit"}]}}})");
  ASSERT_EQ(::kill(gw.child->pid(), SIGHUP), 0);
  bool logged = false;
  for (int attempt = 0; attempt < 100 && !logged; ++attempt) {
    for (const auto& entry : testing::read_json_lines(gw.audit)) {
      if (entry.value("event", "") == "reload" && entry["ok"] == false) {
        logged = true;
        EXPECT_NE(entry["errors"].get<std::string>().find("policy.E"), std::string::npos);
      }
    }
    if (!logged) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(logged);
  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "list_tasks"}, {"arguments", Json::object()}})));
  EXPECT_EQ(error_of(client.request("tools/call", get_me))["data"]["kind"], "rate_limited");
  EXPECT_EQ(gw.calls().size(), 5u + 2u);
}

TEST(GatewayStdio, StdinEofAndSigtermShutDownCleanlyAndReapTheUpstreams) {
  for (const bool by_signal : {false, true}) {
    SCOPED_TRACE(by_signal ? "SIGTERM" : "EOF");
    Gateway gw(kTrackingPolicy, {}, {{"a", "trackingtime"}, {"b", "prometheus"}});
    mcp::ClientSession client(*gw.child, kWait);
    client.initialize("2025-06-18");
    const auto upstreams = testing::children_of(gw.child->pid());
    ASSERT_EQ(upstreams.size(), 2u);
    if (by_signal) ASSERT_EQ(::kill(gw.child->pid(), SIGTERM), 0);
    else gw.child->close_stdin();
    auto status = gw.child->wait_exit(kWait);
    ASSERT_TRUE(status) << "the gateway did not exit";
    EXPECT_EQ(*status, 0);
    for (int pid : upstreams) EXPECT_FALSE(testing::process_alive(pid)) << "upstream " << pid << " left running";
  }
}

TEST(GatewayStdio, AnswersOwedWhenStdinClosesAreStillWritten) {
  Gateway gw(kTrackingPolicy);
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  auto ids = client.send_requests("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}, 10);
  gw.child->close_stdin();
  for (const auto& id : ids) EXPECT_TRUE(is_result(client.await_answer(id)));
  EXPECT_EQ(gw.child->wait_exit(kWait), std::optional<int>(0));
}

TEST(GatewayStdio, ConfigurationErrorsNameTheFileAndExitWithTwo) {
  struct Case {
    std::string name;
    std::string policy;
    std::string servers;  // "" = a valid one
    std::string expected;
  };
  testing::TempDir dir;
  const std::string valid_servers = testing::write_mock_servers(dir, {{"t", "trackingtime"}}, dir.file("l.jsonl"));
  const std::vector<Case> cases = {
      {"bad policy", R"({"version": "1", "tools": {"x": {"limits": [{"counter": "c", "window": "minit", "max": 1}]}}})", "",
       "policy.E104 /tools/x/limits/0/window"},
      {"servers not JSON", R"({"version": "1", "tools": {}})", "{nope", "gateway.E301"},
      {"servers entry without command", R"({"version": "1", "tools": {}})", R"({"mcpServers": {"a": {"args": []}}})",
       "gateway.E303 /mcpServers/a: a stdio server needs \"command\""},
      {"two upstreams offer one tool", R"({"version": "1", "tools": {}})", "collide",
       "gateway.E310 (root): tool name collision: \"get_me\": upstreams \"a\" and \"b\" both offer it"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string policy_path = dir.file("p.json");
    testing::write_file(policy_path, c.policy);
    std::string servers_path = valid_servers;
    if (c.servers == "collide") {
      servers_path = testing::write_mock_servers(dir, {{"a", "trackingtime"}, {"b", "trackingtime"}}, dir.file("l.jsonl"));
    } else if (!c.servers.empty()) {
      servers_path = dir.file("s.json");
      testing::write_file(servers_path, c.servers);
    }
    mcp::ChildOptions options;
    options.argv = {testing::gateway_binary(), "--policy", policy_path, "--servers", servers_path};
    options.stderr_path = dir.file("err.txt");
    auto child = mcp::ChildProcess::spawn(options);
    auto status = child->wait_exit(kWait);
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 2);
    const std::string err = testing::read_source_file_abs(dir.file("err.txt"));
    EXPECT_NE(err.find(c.expected), std::string::npos) << err;
    if (c.servers != "collide") {
      EXPECT_NE(err.find(c.servers.empty() ? policy_path : servers_path), std::string::npos) << err;
    }
    if (c.servers == "collide") {
      for (int pid : testing::children_of(child->pid())) EXPECT_FALSE(testing::process_alive(pid));
    }
  }
}

// One gateway per stdio session (as the harness runs it): with a shared --counters journal, the
// grant scope holds across sessions (R3) and a global cap across concurrent processes (R2, R5).
TEST(GatewayStdio, SharedCountersHoldAcrossConcurrentGatewayProcesses) {
  testing::TempDir shared;
  const std::string counters = shared.file("counters.jsonl");
  const Json policy = Json::parse(R"({"version": "1", "default": "deny", "tools": {
    "get_me": {"limits": [{"counter": "me", "window": "minute", "max": 7, "scope": "grant"}]},
    "list_projects": {"limits": [{"counter": "all", "window": "minute", "max": 30, "scope": "global"}]}}})");
  struct Session {
    std::unique_ptr<Gateway> gw;
    std::unique_ptr<mcp::ClientSession> client;
  };
  std::vector<Session> sessions;
  for (const char* identity : {"alice", "alice", "alice", "bob"}) {
    Session session;
    session.gw = std::make_unique<Gateway>(policy, std::vector<std::string>{"--counters", counters},
                                           std::vector<std::pair<std::string, std::string>>{{"trackingtime", "trackingtime"}},
                                           std::map<std::string, std::string>{{"GATECRASH_IDENTITY", identity}});
    session.client = std::make_unique<mcp::ClientSession>(*session.gw->child, kWait);
    session.client->initialize("2025-06-18");
    sessions.push_back(std::move(session));
  }
  // Every session fires at once: 4 x 5 get_me and 4 x 20 list_projects, pipelined.
  std::vector<std::vector<mcp::RequestId>> me_ids;
  std::vector<std::vector<mcp::RequestId>> list_ids;
  for (auto& session : sessions) {
    me_ids.push_back(session.client->send_requests("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}, 5));
    list_ids.push_back(
        session.client->send_requests("tools/call", {{"name", "list_projects"}, {"arguments", Json::object()}}, 20));
  }
  std::map<std::string, int> me_ok;
  int list_ok = 0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const std::string identity = i < 3 ? "alice" : "bob";
    for (const auto& id : me_ids[i]) me_ok[identity] += is_result(sessions[i].client->await_answer(id));
    for (const auto& id : list_ids[i]) list_ok += is_result(sessions[i].client->await_answer(id));
  }
  EXPECT_EQ(me_ok["alice"], 7) << "grant scope: 7 across alice's three sessions";
  EXPECT_EQ(me_ok["bob"], 5) << "bob has his own 7, and asked for 5";
  EXPECT_EQ(list_ok, 30) << "global scope: 30 across all four processes";
  std::size_t ledgered = 0;
  for (const auto& session : sessions) ledgered += session.gw->calls().size();
  EXPECT_EQ(ledgered, 7u + 5u + 30u);
}

// Reads lines until the answer to `id`; everything before it is returned in `before`.
Json read_until_answer(mcp::ChildProcess& child, const Json& id, std::vector<Json>& before) {
  for (int i = 0; i < 100; ++i) {
    auto line = child.read_line(kWait);
    if (!line) return nullptr;
    Json message = Json::parse(*line);
    if (message.contains("id") && message["id"] == id && !message.contains("method")) return message;
    before.push_back(std::move(message));
  }
  return nullptr;
}

// Server-to-client requests, progress and log messages from an upstream reach the client whose
// call caused them, with the client's own progress token; a capability the client did not
// declare is refused on its behalf.
TEST(GatewayStdio, UpstreamTrafficDuringACallIsRelayedToItsClient) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "allow", "tools": {}})"), {},
             {{"conformance", "conformance"}});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18", Json{{"elicitation", Json::object()}});

  // Elicitation: relayed, answered by us, the upstream sees our answer.
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":"e1","method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"who are you?"}}})",
      kWait));
  auto ask_line = gw.child->read_line(kWait);
  ASSERT_TRUE(ask_line);
  Json ask = Json::parse(*ask_line);
  ASSERT_EQ(ask["method"], "elicitation/create") << *ask_line;
  EXPECT_EQ(ask["params"]["message"], "who are you?");
  Json reply = {{"jsonrpc", "2.0"}, {"id", ask["id"]},
                {"result", {{"action", "accept"}, {"content", {{"username", "zoe"}, {"email", "zoe@example.com"}}}}}};
  ASSERT_TRUE(gw.child->send_line(reply.dump(), kWait));
  std::vector<Json> before;
  Json answer = read_until_answer(*gw.child, "e1", before);
  ASSERT_TRUE(answer.contains("result")) << answer.dump();
  EXPECT_NE(answer["result"].dump().find("zoe@example.com"), std::string::npos) << answer.dump();

  // Sampling: this client did not declare it, so the gateway refuses it for the client.
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":"s1","method":"tools/call","params":{"name":"test_sampling","arguments":{"prompt":"hi"}}})",
      kWait));
  before.clear();
  answer = read_until_answer(*gw.child, "s1", before);
  EXPECT_TRUE(before.empty()) << before.front().dump();
  EXPECT_EQ(answer["result"]["isError"], true) << answer.dump();
  EXPECT_NE(answer["result"].dump().find("did not declare"), std::string::npos) << answer.dump();

  // Progress comes back under the client's own token; log messages come back too.
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":"p1","method":"tools/call","params":{"name":"test_tool_with_progress","arguments":{},"_meta":{"progressToken":"mine-7"}}})",
      kWait));
  before.clear();
  answer = read_until_answer(*gw.child, "p1", before);
  ASSERT_TRUE(answer.contains("result"));
  ASSERT_EQ(before.size(), 3u);
  for (const auto& progress : before) {
    EXPECT_EQ(progress["method"], "notifications/progress");
    EXPECT_EQ(progress["params"]["progressToken"], "mine-7");
  }
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":"l1","method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{}}})", kWait));
  before.clear();
  answer = read_until_answer(*gw.child, "l1", before);
  ASSERT_TRUE(answer.contains("result"));
  ASSERT_EQ(before.size(), 3u);
  for (const auto& log : before) EXPECT_EQ(log["method"], "notifications/message");

  // Upstream saw our progress token, not the client's.
  for (const auto& line : testing::read_json_lines(gw.ledger)) {
    if (line.value("tool", "") == "test_tool_with_progress") {
      EXPECT_NE(line["meta"]["progressToken"], "mine-7");
      EXPECT_TRUE(line["meta"]["progressToken"].is_string());
    }
  }
}

// A client's notifications/cancelled cancels the forwarded request upstream, under the upstream's id.
TEST(GatewayStdio, ACancelledCallIsCancelledUpstreamWithTheUpstreamsId) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "allow", "tools": {}})"), {},
             {{"conformance", "conformance"}});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18", Json{{"elicitation", Json::object()}});
  // test_elicitation waits upstream until the elicitation is answered: a call held in flight.
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"wait"}}})",
      kWait));
  auto ask = gw.child->read_line(kWait);
  ASSERT_TRUE(ask);
  ASSERT_EQ(Json::parse(*ask)["method"], "elicitation/create");
  ASSERT_TRUE(gw.child->send_line(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":77,"reason":"changed my mind"}})", kWait));
  // The cancellation reaches the upstream, naming the upstream's id for the call.
  Json upstream_cancel;
  for (int attempt = 0; attempt < 200 && upstream_cancel.is_null(); ++attempt) {
    for (const auto& line : testing::read_json_lines(gw.ledger)) {
      if (line.value("method", "") == "notifications/cancelled") upstream_cancel = line;
    }
    if (upstream_cancel.is_null()) std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(upstream_cancel.is_null()) << "the upstream never heard of the cancellation";
  // The mock's session says "cancelled" only when requestId named a request it had in flight.
  EXPECT_EQ(upstream_cancel["outcome"], "cancelled") << upstream_cancel.dump();
  // The session goes on: a later call is answered (and no answer is sent for the cancelled one).
  auto next = client.request("tools/call", {{"name", "test_simple_text"}, {"arguments", Json::object()}});
  EXPECT_TRUE(is_result(next));
  while (!client.inbox().empty()) {
    const auto& message = client.inbox().front();
    if (const auto* response = std::get_if<mcp::Response>(&message)) {
      EXPECT_NE(response->id.to_json(), 77);
    }
    if (const auto* error = std::get_if<mcp::ErrorResponse>(&message)) {
      EXPECT_FALSE(error->id && error->id->to_json() == 77) << "a cancelled request is not answered";
    }
    client.inbox().pop_front();
  }
}

bool audit_has(const std::string& audit, const std::string& event) {
  for (const auto& line : testing::read_json_lines(audit)) {
    if (line.value("event", "") == event) return true;
  }
  return false;
}

// S2: the upstream changes a tool after it was pinned. The gateway refuses it (kind
// tool_changed), drops it from the listing and tells the client, until SIGHUP re-pins.
TEST(GatewayStdio, ARugPulledToolIsRefusedUntilReload) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "allow", "tools": {}})"), {}, {{"trackingtime", "trackingtime"}},
             {}, {"--behavior", "rug_pull_after=1", "--behavior", "rug_pull_tool=get_me"});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  const Json get_me = {{"name", "get_me"}, {"arguments", Json::object()}};
  ASSERT_TRUE(is_result(client.request("tools/call", get_me)));  // the upstream changes get_me after this
  Json refused;
  for (int attempt = 0; attempt < 200 && refused.is_null(); ++attempt) {
    Json error = error_of(client.request("tools/call", get_me));
    if (!error.is_null()) refused = error;
    else std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(refused.is_null()) << "the changed tool was never refused";
  EXPECT_EQ(refused["code"], -32001);
  EXPECT_EQ(refused["data"]["kind"], "tool_changed");
  bool told = false;
  for (const auto& message : client.inbox()) {
    const auto* notification = std::get_if<mcp::Notification>(&message);
    told = told || (notification && notification->method == "notifications/tools/list_changed");
  }
  EXPECT_TRUE(told) << "the client was not sent notifications/tools/list_changed";
  Json listed = client.call("tools/list")["tools"];
  for (const auto& tool : listed) EXPECT_NE(tool["name"], "get_me");
  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "list_projects"}, {"arguments", Json::object()}})))
      << "other tools are unaffected";
  std::size_t get_me_calls = 0;
  for (const auto& call : gw.calls()) get_me_calls += call["tool"] == "get_me";
  const std::size_t before_reload = get_me_calls;
  EXPECT_EQ(before_reload, 1u) << "refused calls never reached the upstream";
  EXPECT_TRUE(audit_has(gw.audit, "tool_changed"));

  // SIGHUP re-pins the current definitions: the tool is served again, with its new description.
  ASSERT_EQ(::kill(gw.child->pid(), SIGHUP), 0);
  bool served = false;
  for (int attempt = 0; attempt < 200 && !served; ++attempt) {
    served = is_result(client.request("tools/call", get_me));
    if (!served) std::this_thread::sleep_for(25ms);
  }
  EXPECT_TRUE(served);
  listed = client.call("tools/list")["tools"];
  bool relisted = false;
  for (const auto& tool : listed) {
    if (tool["name"] == "get_me") relisted = tool["description"].get<std::string>().find("IMPORTANT") != std::string::npos;
  }
  EXPECT_TRUE(relisted);
}

// An upstream that dies mid-call: the client gets a clear error naming it, the upstream is
// restarted, and later calls are served again.
TEST(GatewayStdio, AnUpstreamThatCrashesMidCallGivesAClearErrorAndIsRestarted) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "allow", "tools": {}})"), {}, {{"tt", "trackingtime"}}, {},
             {"--behavior", "crash_after=2"});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  const Json get_me = {{"name", "get_me"}, {"arguments", Json::object()}};
  const auto first_pids = testing::children_of(gw.child->pid());
  ASSERT_EQ(first_pids.size(), 1u);
  ASSERT_TRUE(is_result(client.request("tools/call", get_me)));
  Json crashed = error_of(client.request("tools/call", get_me));
  EXPECT_EQ(crashed["code"], -32603) << crashed.dump();
  const std::string message = crashed["message"];
  EXPECT_NE(message.find("upstream tt exited"), std::string::npos) << message;
  bool served = false;
  for (int attempt = 0; attempt < 400 && !served; ++attempt) {
    served = is_result(client.request("tools/call", get_me));
    if (!served) std::this_thread::sleep_for(25ms);
  }
  EXPECT_TRUE(served) << "the upstream was not restarted";
  const auto second_pids = testing::children_of(gw.child->pid());
  ASSERT_EQ(second_pids.size(), 1u);
  EXPECT_NE(second_pids[0], first_pids[0]);
  EXPECT_FALSE(testing::process_alive(first_pids[0]));
  EXPECT_TRUE(audit_has(gw.audit, "upstream_exit"));
  EXPECT_TRUE(audit_has(gw.audit, "upstream_ready"));
}

// R9: an upstream that acts and then fails does not get the quota back.
TEST(GatewayStdio, AnUpstreamErrorAfterItsEffectRefundsNothing) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "deny",
    "tools": {"create_customer": {"limits": [{"counter": "customers", "window": "minute", "max": 2, "scope": "grant"}]}}})"),
             {}, {{"trackingtime", "trackingtime"}}, {}, {"--behavior", "error_after_effect=1"});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  const Json create = {{"name", "create_customer"}, {"arguments", {{"name", "Acme"}}}};
  std::vector<Json> answers;
  for (int i = 0; i < 3; ++i) answers.push_back(error_of(client.request("tools/call", create)));
  EXPECT_EQ(answers[0]["code"], -32603);
  EXPECT_EQ(answers[1]["code"], -32603);
  EXPECT_EQ(answers[2]["data"]["kind"], "rate_limited");
  auto calls = gw.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& call : calls) EXPECT_NE(call["effect"], "") << call.dump();
}

TEST(GatewayStdio, AnUpstreamThatCannotStartAndABadFlagAreConfigurationErrors) {
  testing::TempDir dir;
  const std::string policy = dir.file("p.json");
  testing::write_file(policy, R"({"version": "1", "tools": {}})");
  const std::string servers = dir.file("s.json");
  testing::write_file(servers, R"({"mcpServers": {"ghost": {"command": "/nonexistent/gatecrash-ghost"}}})");
  const auto run = [&](std::vector<std::string> extra) {
    mcp::ChildOptions options;
    options.argv = {testing::gateway_binary(), "--policy", policy, "--servers", servers};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.stderr_path = dir.file("err.txt");
    auto child = mcp::ChildProcess::spawn(options);
    auto status = child->wait_exit(kWait);
    EXPECT_EQ(status, std::optional<int>(2));
    return testing::read_source_file_abs(dir.file("err.txt"));
  };
  const std::string ghost = run({});
  EXPECT_NE(ghost.find("gateway.E311 /mcpServers/ghost: upstream \"ghost\" failed to start"), std::string::npos) << ghost;
  const std::string flag = run({"--listen", "nonsense"});
  EXPECT_NE(flag.find("gateway.E320 --listen: \"nonsense\" is not HOST:PORT"), std::string::npos) << flag;
}

// With "{server}__{tool}" two upstreams that share tool names are both usable, and each call
// reaches the upstream it names.
TEST(GatewayStdio, NamespacedToolsRouteToTheirOwnUpstream) {
  Gateway gw(Json::parse(R"({"version": "1", "default": "deny", "tools": {"a__get_me": {}, "b__list_projects": {}}})"),
             {"--tool-names", "{server}__{tool}"}, {{"a", "trackingtime"}, {"b", "trackingtime"}});
  mcp::ClientSession client(*gw.child, kWait);
  client.initialize("2025-06-18");
  Json tools = client.call("tools/list")["tools"];
  std::vector<std::string> names;
  for (const auto& tool : tools) names.push_back(tool["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"a__get_me", "b__list_projects"}));
  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "a__get_me"}, {"arguments", Json::object()}})));
  EXPECT_TRUE(is_result(client.request("tools/call", {{"name", "b__list_projects"}, {"arguments", Json::object()}})));
  EXPECT_EQ(error_of(client.request("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}))["code"], -32602);
  auto calls = gw.calls();
  ASSERT_EQ(calls.size(), 2u);
  std::set<std::string> tools_seen;
  std::set<int> pids;
  for (const auto& call : calls) {
    tools_seen.insert(call["tool"].get<std::string>());
    pids.insert(call["pid"].get<int>());
  }
  EXPECT_EQ(tools_seen, (std::set<std::string>{"get_me", "list_projects"}));
  EXPECT_EQ(pids.size(), 2u) << "each call went to its own upstream process";
}

}  // namespace
}  // namespace gatecrash
