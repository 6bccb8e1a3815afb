// tests/integration-gateway-http.cc — gatecrash-gateway's Streamable HTTP front: identities, scopes, sessions.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "gateway/config.h"
#include "mcp/child_process.h"
#include "mcp/client_session.h"
#include "mcp/http_client.h"
#include "tests/test_support.h"

namespace gatecrash {
namespace {

using mcp::Json;
using namespace std::chrono_literals;

constexpr auto kWait = 15s;

struct HttpGateway {
  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::string policy = dir.file("policy.json");
  std::string grants = dir.file("grants.json");
  std::unique_ptr<mcp::ChildProcess> child;
  std::string url;

  explicit HttpGateway(const Json& policy_json, std::vector<std::string> extra = {}) {
    testing::write_file(policy, policy_json.dump());
    // alice's token is given hashed, bob's in plain text (hashed at load).
    testing::write_file(grants, Json{{"grants", {{{"identity", "alice"},
                                                  {"token_sha256", gateway::to_hex(gateway::sha256("alice-token"))}},
                                                 {{"identity", "bob"}, {"token", "bob-token"}}}}}
                                    .dump());
    const std::string servers = testing::write_mock_servers(dir, {{"trackingtime", "trackingtime"}}, ledger);
    const std::string ready = dir.file("url");
    mcp::ChildOptions options;
    options.argv = {testing::gateway_binary(), "--policy", policy, "--servers", servers, "--listen", "127.0.0.1:0",
                    "--grants", grants, "--ready-file", ready};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
    for (int i = 0; i < 600 && url.empty(); ++i) {
      std::ifstream in(ready);
      std::getline(in, url);
      if (url.empty()) std::this_thread::sleep_for(25ms);
    }
  }
  ~HttpGateway() {
    if (child) child->terminate();
  }
  std::size_t calls() const {
    std::size_t n = 0;
    for (const auto& line : testing::read_json_lines(ledger)) n += line.value("method", "") == "tools/call";
    return n;
  }
};

std::string rpc(int id, const std::string& method, Json params = nullptr) {
  Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message.dump();
}

std::unique_ptr<mcp::StreamableHttpClient> client_for(const std::string& url, const std::string& token) {
  mcp::HttpClientOptions options;
  options.timeout = kWait;
  if (!token.empty()) options.headers.emplace_back("Authorization", "Bearer " + token);
  return std::make_unique<mcp::StreamableHttpClient>(url, options);
}

// initialize + initialized; false when the gateway refused.
bool open_session(mcp::StreamableHttpClient& client) {
  auto answer = client.post(rpc(1, "initialize", {{"protocolVersion", "2025-06-18"},
                                                  {"capabilities", Json::object()},
                                                  {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  if (answer.status != 200 || client.session_id().empty()) return false;
  client.set_protocol_version("2025-06-18");
  return client.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").status == 202;
}

// The one JSON-RPC answer of a POST, or null.
Json answer_of(const mcp::HttpExchange& exchange) {
  for (const auto& message : exchange.messages) {
    Json parsed = Json::parse(message);
    if (parsed.contains("result") || parsed.contains("error")) return parsed;
  }
  return nullptr;
}

std::string verdict(mcp::StreamableHttpClient& client, int id, const std::string& tool) {
  Json answer = answer_of(client.post(rpc(id, "tools/call", {{"name", tool}, {"arguments", Json::object()}})));
  if (answer.contains("result")) return "ok";
  if (answer.contains("error")) return answer["error"]["data"].value("kind", std::to_string(answer["error"]["code"].get<int>()));
  return "none";
}

const Json kScopesPolicy = Json::parse(R"({"version": "1", "default": "deny", "tools": {
  "get_me": {"limits": [{"counter": "me", "window": "minute", "max": 5, "scope": "grant"}]},
  "list_projects": {"rate_limit": {"max": 2, "window": 60}},
  "list_tasks": {"limits": [{"counter": "everyone", "window": "minute", "max": 30, "scope": "global"}]}}})");

TEST(GatewayHttp, RequestsWithoutAGrantedTokenGet401AndReachNothing) {
  HttpGateway gw(kScopesPolicy);
  ASSERT_FALSE(gw.url.empty()) << testing::read_source_file_abs(gw.dir.file("stderr.txt"));
  for (const std::string token : {"", "mallory-token", "Alice-token", "alice-token2"}) {
    SCOPED_TRACE("token '" + token + "'");
    auto client = client_for(gw.url, token);
    auto answer = client->post(rpc(1, "initialize", {{"protocolVersion", "2025-06-18"},
                                                     {"capabilities", Json::object()},
                                                     {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
    EXPECT_EQ(answer.status, 401);
    EXPECT_NE(answer.header("www-authenticate").find("Bearer"), std::string::npos);
  }
  auto alice = client_for(gw.url, "alice-token");
  ASSERT_TRUE(open_session(*alice));
  EXPECT_EQ(verdict(*alice, 2, "get_me"), "ok");
  // The session is alice's: the same session id without her token is refused.
  auto thief = client_for(gw.url, "");
  thief->set_session_id(alice->session_id());
  EXPECT_EQ(thief->post(rpc(3, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}})).status, 401);
  EXPECT_EQ(gw.calls(), 1u);
}

TEST(GatewayHttp, GrantScopeHoldsAcrossSessionsAndSessionScopeResetsPerSession) {
  HttpGateway gw(kScopesPolicy);
  ASSERT_FALSE(gw.url.empty());
  auto alice1 = client_for(gw.url, "alice-token");
  auto alice2 = client_for(gw.url, "alice-token");
  auto bob = client_for(gw.url, "bob-token");
  ASSERT_TRUE(open_session(*alice1));
  ASSERT_TRUE(open_session(*alice2));
  ASSERT_TRUE(open_session(*bob));
  // grant: alice has 5 across both sessions; bob has his own 5.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(verdict(*alice1, 10 + i, "get_me"), "ok");
  EXPECT_EQ(verdict(*alice2, 20, "get_me"), "ok");
  EXPECT_EQ(verdict(*alice2, 21, "get_me"), "ok");
  EXPECT_EQ(verdict(*alice2, 22, "get_me"), "rate_limited");
  EXPECT_EQ(verdict(*alice1, 13, "get_me"), "rate_limited");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(verdict(*bob, 30 + i, "get_me"), "ok");
  EXPECT_EQ(verdict(*bob, 35, "get_me"), "rate_limited");
  // session: 2 per session, whoever holds it.
  EXPECT_EQ(verdict(*alice1, 40, "list_projects"), "ok");
  EXPECT_EQ(verdict(*alice1, 41, "list_projects"), "ok");
  EXPECT_EQ(verdict(*alice1, 42, "list_projects"), "rate_limited");
  EXPECT_EQ(verdict(*alice2, 43, "list_projects"), "ok");
  EXPECT_EQ(verdict(*alice2, 44, "list_projects"), "ok");
  EXPECT_EQ(verdict(*alice2, 45, "list_projects"), "rate_limited");
  EXPECT_EQ(gw.calls(), 5u + 5u + 4u);
}

TEST(GatewayHttp, HundredConcurrentCallsFromTenSessionsAgainstAGlobalMaxOfThirty) {
  HttpGateway gw(kScopesPolicy);
  ASSERT_FALSE(gw.url.empty());
  std::vector<std::unique_ptr<mcp::StreamableHttpClient>> clients;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(client_for(gw.url, i % 2 ? "alice-token" : "bob-token"));
    ASSERT_TRUE(open_session(*clients.back()));
  }
  std::atomic<int> ok{0};
  std::atomic<int> limited{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i]() {
      for (int j = 0; j < 10; ++j) {
        const std::string v = verdict(*clients[i], 100 + j, "list_tasks");
        if (v == "ok") ++ok;
        else if (v == "rate_limited") ++limited;
        else ++other;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 30);
  EXPECT_EQ(limited.load(), 70);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(gw.calls(), 30u);
}

TEST(GatewayHttp, AnotherIdentitysSessionLooksLikeNoSession) {
  HttpGateway gw(kScopesPolicy);
  ASSERT_FALSE(gw.url.empty());
  auto alice = client_for(gw.url, "alice-token");
  ASSERT_TRUE(open_session(*alice));
  auto bob = client_for(gw.url, "bob-token");
  bob->set_session_id(alice->session_id());
  bob->set_protocol_version("2025-06-18");
  auto replayed = bob->post(rpc(5, "tools/call", {{"name", "get_me"}, {"arguments", Json::object()}}));
  EXPECT_EQ(replayed.status, 404);
  auto unknown = client_for(gw.url, "bob-token");
  unknown->set_session_id("0123456789abcdef0123456789abcdef");
  unknown->set_protocol_version("2025-06-18");
  EXPECT_EQ(unknown->post(rpc(6, "tools/list")).status, 404);
  EXPECT_EQ(gw.calls(), 0u);
  EXPECT_EQ(verdict(*alice, 7, "get_me"), "ok");
}

TEST(GatewayHttp, SessionsPerIdentityAreCapped) {
  HttpGateway gw(kScopesPolicy, {"--max-sessions-per-identity", "2"});
  ASSERT_FALSE(gw.url.empty());
  auto a1 = client_for(gw.url, "alice-token");
  auto a2 = client_for(gw.url, "alice-token");
  auto a3 = client_for(gw.url, "alice-token");
  ASSERT_TRUE(open_session(*a1));
  ASSERT_TRUE(open_session(*a2));
  auto refused = a3->post(rpc(1, "initialize", {{"protocolVersion", "2025-06-18"},
                                                {"capabilities", Json::object()},
                                                {"clientInfo", {{"name", "t"}, {"version", "1"}}}}));
  EXPECT_EQ(refused.status, 429);
  auto b1 = client_for(gw.url, "bob-token");
  EXPECT_TRUE(open_session(*b1)) << "another identity is not affected";
  // Closing a session frees its place.
  EXPECT_EQ(a1->del().status, 200);
  auto a4 = client_for(gw.url, "alice-token");
  EXPECT_TRUE(open_session(*a4));
}

// An HTTP upstream: a gatecrash-mock serving Streamable HTTP, proxied by a stdio gateway.
TEST(GatewayHttp, AnHttpUpstreamIsProxiedAndDenialsNeverReachIt) {
  testing::TempDir dir;
  const std::string ledger = dir.file("ledger.jsonl");
  const std::string ready = dir.file("mock-url");
  mcp::ChildOptions mock_options;
  mock_options.argv = {testing::mock_binary(), "--catalog", "trackingtime", "--transport", "http", "--listen",
                       "127.0.0.1:0", "--ledger", ledger, "--ready-file", ready};
  mock_options.stderr_path = dir.file("mock.stderr");
  auto mock = mcp::ChildProcess::spawn(mock_options);
  std::string mock_url;
  for (int i = 0; i < 400 && mock_url.empty(); ++i) {
    std::ifstream in(ready);
    std::getline(in, mock_url);
    if (mock_url.empty()) std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(mock_url.empty());
  const std::string servers = dir.file("servers.json");
  testing::write_file(servers, Json{{"mcpServers", {{"tt", {{"type", "http"}, {"url", mock_url}}}}}}.dump());
  const std::string policy = dir.file("policy.json");
  testing::write_file(policy, kScopesPolicy.dump());
  mcp::ChildOptions options;
  options.argv = {testing::gateway_binary(), "--policy", policy, "--servers", servers};
  options.stderr_path = dir.file("gateway.stderr");
  auto gateway = mcp::ChildProcess::spawn(options);
  mcp::ClientSession client(*gateway, kWait);
  client.initialize("2025-06-18");
  Json tools = client.call("tools/list")["tools"];
  EXPECT_EQ(tools.size(), 3u) << tools.dump();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(std::holds_alternative<mcp::Response>(
        client.request("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}})));
  }
  auto limited = client.request("tools/call", {{"name", "get_me"}, {"arguments", Json::object()}});
  ASSERT_TRUE(std::holds_alternative<mcp::ErrorResponse>(limited));
  EXPECT_EQ(std::get<mcp::ErrorResponse>(limited).error.data["kind"], "rate_limited");
  auto denied = client.request("tools/call", {{"name", "create_project"}, {"arguments", {{"name", "x"}}}});
  ASSERT_TRUE(std::holds_alternative<mcp::ErrorResponse>(denied));
  std::size_t calls = 0;
  for (const auto& line : testing::read_json_lines(ledger)) calls += line.value("method", "") == "tools/call";
  EXPECT_EQ(calls, 5u);
  gateway->close_stdin();
  EXPECT_EQ(gateway->wait_exit(kWait), std::optional<int>(0));
  mock->terminate();
}

TEST(GatewayHttp, SigtermStopsTheServerAndReapsTheUpstream) {
  HttpGateway gw(kScopesPolicy);
  ASSERT_FALSE(gw.url.empty());
  const auto upstreams = testing::children_of(gw.child->pid());
  ASSERT_EQ(upstreams.size(), 1u);
  ASSERT_EQ(::kill(gw.child->pid(), SIGTERM), 0);
  auto status = gw.child->wait_exit(kWait);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 0);
  for (int pid : upstreams) EXPECT_FALSE(testing::process_alive(pid));
}

}  // namespace
}  // namespace gatecrash
