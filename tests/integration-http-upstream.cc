// tests/integration-http-upstream.cc — HttpUpstream against gatecrash-mock over HTTP (a real
// process, killed mid-call) and an in-process StreamableHttpServer scripted for the rest.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "mcp/child_process.h"
#include "mcp/http_server.h"
#include "mcp/http_upstream.h"
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

const ErrorObject* error_of(const std::optional<ClientAnswer>& answer) {
  return answer ? std::get_if<ErrorObject>(&*answer) : nullptr;
}
const Json* result_of(const std::optional<ClientAnswer>& answer) {
  return answer ? std::get_if<Json>(&*answer) : nullptr;
}
std::string first_text(const Json& call_result) {
  return call_result["content"][0]["text"].get<std::string>();
}
Json text_result(std::string text) {
  return {{"content", Json::array({{{"type", "text"}, {"text", std::move(text)}}})}};
}
Json call(const std::string& tool, Json arguments = Json::object()) {
  return {{"name", tool}, {"arguments", std::move(arguments)}};
}

// gatecrash-mock --transport http on an ephemeral loopback port, found through --ready-file.
struct MockProcess {
  explicit MockProcess(const std::string& catalog) {
    const std::string ready = dir.file("url");
    mcp::ChildOptions options;
    options.argv = {testing::mock_binary(),
                    "--catalog",
                    catalog,
                    "--transport",
                    "http",
                    "--listen",
                    "127.0.0.1:0",
                    "--ledger",
                    ledger,
                    "--ready-file",
                    ready,
                    "--seed",
                    "7"};
    options.stderr_path = dir.file("stderr.txt");
    child = mcp::ChildProcess::spawn(options);
    for (int i = 0; i < 400 && url.empty(); ++i) {
      std::ifstream in(ready);
      std::getline(in, url);
      if (url.empty()) std::this_thread::sleep_for(25ms);
    }
  }
  ~MockProcess() {
    if (child) child->terminate(500ms);  // reaps it
  }
  void kill() { ::killpg(child->pid(), SIGKILL); }

  testing::TempDir dir;
  std::string ledger = dir.file("ledger.jsonl");
  std::unique_ptr<mcp::ChildProcess> child;
  std::string url;
};

// What the in-process server saw; written on its threads, read by the test.
struct ServerLog {
  std::vector<std::string> request_ids(const std::string& method) {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& [m, id] : requests)
      if (m == method) out.push_back(id);
    return out;
  }
  std::vector<Json> cancels() {
    std::lock_guard lock(mu);
    return cancelled;
  }
  int hanging_now() {
    std::lock_guard lock(mu);
    return hanging;
  }

  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> requests;  // method, id (once answered)
  int hanging = 0;                                            // calls of the hang tool received
  std::vector<Json> cancelled;  // params of each notifications/cancelled
  int gets = 0;                 // GET requests admitted
};

// Tools that make the server behave as a test needs: echo, hang (never answers), chatty (a
// notification first), ask (sampling through the client), huge (a big answer, optionally on SSE).
class ScriptedHandler : public mcp::ServerHandler {
 public:
  explicit ScriptedHandler(ServerLog& log) : log_(log) {}

  mcp::ServerIdentity identity() const override {
    return {{{"name", "scripted"}, {"version", "1"}}, {{"tools", Json::object()}}, ""};
  }

  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override {
    const Json& params = ctx->request().params;
    const std::string tool = params.value("name", "");
    const Json arguments = params.value("arguments", Json::object());
    if (tool == "echo") {
      ctx->reply(text_result(arguments.value("text", "")));
    } else if (tool == "hang") {
      hanging_.push_back(ctx);
      std::lock_guard lock(log_.mu);
      ++log_.hanging;
    } else if (tool == "chatty") {
      ctx->notify("notifications/message", {{"level", "info"}, {"data", "working"}});
      ctx->reply(text_result("done"));
    } else if (tool == "ask") {
      ctx->ask_client("sampling/createMessage", {{"messages", Json::array()}, {"maxTokens", 5}},
                      [ctx](ClientAnswer answer) {
                        if (auto* result = std::get_if<Json>(&answer))
                          ctx->reply(text_result("client said " + first_text(*result)));
                        else
                          ctx->reply(text_result("client refused"));
                      });
    } else if (tool == "huge") {
      if (arguments.value("notify_first", false))
        ctx->notify("notifications/message", {{"level", "info"}, {"data", "big one coming"}});
      ctx->reply(text_result(std::string(arguments.value("bytes", 0), 'x')));
    } else {
      ctx->reply_error(
          ErrorObject{mcp::error_code::kInvalidParams, "unknown tool " + tool, nullptr},
          "unknown_tool");
    }
  }

  void on_inbound(const mcp::InboundRecord& record) override {
    std::lock_guard lock(log_.mu);
    if (record.kind == "request") log_.requests.emplace_back(record.method, record.id.dump());
    if (record.method == "notifications/cancelled") log_.cancelled.push_back(*record.params);
  }

 private:
  ServerLog& log_;
  std::vector<std::shared_ptr<mcp::RequestContext>> hanging_;
};

// A StreamableHttpServer on its own threads serving ScriptedHandler sessions.
struct ScriptedServer {
  explicit ScriptedServer(mcp::HttpServerOptions options = {}) {
    auto admit = std::move(options.admit);
    options.admit = [this,
                     admit](const mcp::HttpRequestInfo& info) -> std::optional<mcp::HttpRejection> {
      if (info.method == "GET") {
        std::lock_guard lock(log.mu);
        ++log.gets;
      }
      return admit ? admit(info) : std::nullopt;
    };
    server = std::make_unique<mcp::StreamableHttpServer>(
        options, [this](const std::string&) { return std::make_unique<ScriptedHandler>(log); });
    server->start();
  }
  ~ScriptedServer() { server->stop(); }

  ServerLog log;
  std::unique_ptr<mcp::StreamableHttpServer> server;
};

// A loopback port nothing listens on (it was free a moment ago).
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

class HttpUpstreamTest : public ::testing::Test {
 protected:
  static mcp::HttpUpstreamOptions options(const std::string& name, const std::string& url) {
    mcp::HttpUpstreamOptions o;
    o.name = name;
    o.url = url;
    o.connect_timeout = 2s;
    return o;
  }

  void start_ready(mcp::HttpUpstream& upstream) {
    std::optional<ClientAnswer> ready;
    upstream.start([&](ClientAnswer answer) { ready = std::move(answer); });
    ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
    ASSERT_TRUE(result_of(ready)) << error_of(ready)->message;
    ASSERT_EQ(upstream.state(), mcp::UpstreamState::ready);
  }

  void stop_and_expect_dead(mcp::HttpUpstream& upstream) {
    bool stopped = false;
    upstream.stop([&] { stopped = true; });
    EXPECT_EQ(upstream.in_flight(), 0u);  // failed at once, not when the DELETE is answered
    ASSERT_TRUE(run_until(io, [&] { return stopped; }));
    EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
  }

  std::optional<ClientAnswer> call_and_wait(mcp::HttpUpstream& upstream, const std::string& tool,
                                            Json arguments = Json::object()) {
    std::optional<ClientAnswer> answer;
    upstream.request("tools/call", call(tool, std::move(arguments)),
                     [&](ClientAnswer a) { answer = std::move(a); });
    EXPECT_TRUE(run_until(io, [&] { return answer.has_value(); }));
    return answer;
  }

  boost::asio::io_context io;
};

TEST_F(HttpUpstreamTest, TwoHundredPipelinedCallsToTheMockAreEachAnsweredAndLedgeredOnce) {
  MockProcess mock("mock-mcp");
  ASSERT_FALSE(mock.url.empty()) << "the mock did not start";
  mcp::HttpUpstream upstream(io, options("mock-mcp", mock.url));
  start_ready(upstream);
  ASSERT_TRUE(upstream.server().has_value());
  EXPECT_EQ(upstream.server()->protocol_version, "2025-11-25");
  EXPECT_EQ(upstream.server()->server_info["name"], "mock-mcp-adapter");
  const std::string session = upstream.session_id();
  EXPECT_FALSE(session.empty());

  std::optional<ClientAnswer> listed;
  upstream.request("tools/list", nullptr, [&](ClientAnswer a) { listed = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return listed.has_value(); }));
  ASSERT_NE(result_of(listed), nullptr) << error_of(listed)->message;
  EXPECT_GT((*result_of(listed))["tools"].size(), 3u);

  constexpr int kCalls = 200;
  std::vector<std::optional<ClientAnswer>> answers(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(upstream.request(
        "tools/call", call("get_batch", {{"batchId", "probe-" + std::to_string(i)}}),
        [&answers, i](ClientAnswer a) { answers[static_cast<std::size_t>(i)] = std::move(a); }));
  }
  EXPECT_EQ(upstream.in_flight(), static_cast<std::size_t>(kCalls));
  ASSERT_TRUE(run_until(
      io, [&] { return upstream.in_flight() == 0; }, 60s));
  for (int i = 0; i < kCalls; ++i) {
    const Json* result = result_of(answers[static_cast<std::size_t>(i)]);
    ASSERT_NE(result, nullptr) << "call " << i << ": "
                               << error_of(answers[static_cast<std::size_t>(i)])->message;
    EXPECT_EQ(first_text(*result), "Batch not found: probe-" + std::to_string(i));
  }
  stop_and_expect_dead(upstream);

  std::multiset<std::string> batches;
  std::multiset<std::string> ids;
  const auto lines = testing::read_json_lines(mock.ledger);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0]["method"], "initialize");
  EXPECT_EQ(lines[1]["method"], "notifications/initialized");
  for (const Json& line : lines) {
    EXPECT_EQ(line["conn"], "http:" + session);
    if (line["kind"] == "request" && line["method"] == "tools/call") {
      batches.insert(line["arguments"]["batchId"].get<std::string>());
      ids.insert(line["id"].get<std::string>());
    }
  }
  EXPECT_EQ(batches.size(), static_cast<std::size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(batches.count("probe-" + std::to_string(i)), 1u);
  for (const auto& id : ids) EXPECT_EQ(ids.count(id), 1u) << id;
}

TEST_F(HttpUpstreamTest, ASamplingRequestOnTheAnswerStreamIsAnsweredThroughTheHandler) {
  MockProcess mock("conformance");
  ASSERT_FALSE(mock.url.empty()) << "the mock did not start";
  auto o = options("conformance", mock.url);
  o.capabilities = {{"sampling", Json::object()}};
  mcp::HttpUpstream upstream(io, o);
  std::vector<std::string> asked;
  upstream.on_server_request([&](mcp::Request request, mcp::AnswerCallback respond) {
    asked.push_back(request.method);
    respond(Json{{"role", "assistant"},
                 {"content", {{"type", "text"}, {"text", "hello from the test"}}},
                 {"model", "test-model"},
                 {"stopReason", "endTurn"}});
  });
  start_ready(upstream);
  auto answer = call_and_wait(upstream, "test_sampling", {{"prompt", "say hi"}});
  ASSERT_NE(result_of(answer), nullptr) << error_of(answer)->message;
  EXPECT_EQ(first_text(*result_of(answer)), "LLM response: hello from the test");
  EXPECT_EQ(asked, std::vector<std::string>{"sampling/createMessage"});
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, NotificationsOnTheGetStreamAndBeforeAnAnswerReachTheHandler) {
  ScriptedServer server;
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  std::vector<std::string> notes;
  upstream.on_notification([&](mcp::Notification n) { notes.push_back(n.method); });
  start_ready(upstream);

  server.server->notify(upstream.session_id(), "notifications/tools/list_changed");
  ASSERT_TRUE(run_until(io, [&] { return !notes.empty(); }));
  EXPECT_EQ(notes, std::vector<std::string>{"notifications/tools/list_changed"});

  std::optional<ClientAnswer> answer;
  std::vector<std::string> notes_at_answer;
  upstream.request("tools/call", call("chatty"), [&](ClientAnswer a) {
    notes_at_answer = notes;
    answer = std::move(a);
  });
  ASSERT_TRUE(run_until(io, [&] { return answer.has_value(); }));
  ASSERT_NE(result_of(answer), nullptr) << error_of(answer)->message;
  EXPECT_EQ(notes_at_answer, (std::vector<std::string>{"notifications/tools/list_changed",
                                                       "notifications/message"}));
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, AServerRequestFromTheInProcessServerIsAnsweredThroughTheHandler) {
  ScriptedServer server;
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  upstream.on_server_request([&](mcp::Request request, mcp::AnswerCallback respond) {
    EXPECT_EQ(request.method, "sampling/createMessage");
    respond(text_result("pong"));
  });
  start_ready(upstream);
  auto answer = call_and_wait(upstream, "ask");
  ASSERT_NE(result_of(answer), nullptr) << error_of(answer)->message;
  EXPECT_EQ(first_text(*result_of(answer)), "client said pong");
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, EveryRequestCarriesTheMcpHeadersAndTheConfiguredOnes) {
  struct Seen {
    std::string method, session, version, accept, extra;
  };
  std::mutex mu;
  std::vector<Seen> seen;
  mcp::HttpServerOptions server_options;
  server_options.admit =
      [&](const mcp::HttpRequestInfo& info) -> std::optional<mcp::HttpRejection> {
    std::lock_guard lock(mu);
    seen.push_back({info.method, info.session_id, info.header("mcp-protocol-version"),
                    info.header("accept"), info.header("x-test")});
    return std::nullopt;
  };
  ScriptedServer server(server_options);
  auto o = options("scripted", server.server->url());
  o.headers = {{"X-Test", "yes"}};
  o.protocol_version = "2025-06-18";
  mcp::HttpUpstream upstream(io, o);
  start_ready(upstream);
  EXPECT_EQ(upstream.server()->protocol_version, "2025-06-18");
  const std::string session = upstream.session_id();
  auto answer = call_and_wait(upstream, "echo", {{"text", "hi"}});
  ASSERT_NE(result_of(answer), nullptr) << error_of(answer)->message;
  stop_and_expect_dead(upstream);

  std::lock_guard lock(mu);
  ASSERT_GE(seen.size(),
            4u);  // initialize, initialized, the call, DELETE (and the GET, if in time)
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].session, "");
  EXPECT_EQ(seen[0].version, "");
  EXPECT_EQ(seen[0].accept, "application/json, text/event-stream");
  EXPECT_EQ(seen.back().method, "DELETE");
  for (std::size_t i = 0; i < seen.size(); ++i) {
    SCOPED_TRACE(seen[i].method + " #" + std::to_string(i));
    EXPECT_EQ(seen[i].extra, "yes");
    if (i == 0) continue;
    EXPECT_EQ(seen[i].session, session);
    EXPECT_EQ(seen[i].version, "2025-06-18");
    if (seen[i].method == "GET") {
      EXPECT_EQ(seen[i].accept, "text/event-stream");
    }
  }
}

TEST_F(HttpUpstreamTest, ARequestNobodyAnswersTimesOutAndTheServerIsToldToCancel) {
  ScriptedServer server;
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  start_ready(upstream);
  std::optional<ClientAnswer> answer;
  ASSERT_TRUE(upstream.request(
      "tools/call", call("hang"), [&](ClientAnswer a) { answer = std::move(a); }, 200ms));
  ASSERT_TRUE(run_until(
      io, [&] { return answer.has_value(); }, 5s));
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->code, -32001);
  EXPECT_EQ(error_of(answer)->message, "upstream scripted timed out after 200 ms");
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);  // a slow call does not end the session

  ASSERT_TRUE(run_until(io, [&] { return !server.log.cancels().empty(); }));
  const Json cancel = server.log.cancels().front();
  EXPECT_EQ(cancel["requestId"], "u-2");
  EXPECT_EQ(cancel["reason"], "upstream scripted timed out after 200 ms");

  std::optional<ClientAnswer> dropped;
  auto handle =
      upstream.request("tools/call", call("hang"), [&](ClientAnswer a) { dropped = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return server.log.hanging_now() == 2; }));
  EXPECT_TRUE(upstream.cancel(handle, "changed my mind"));
  ASSERT_NE(error_of(dropped), nullptr);
  EXPECT_EQ(error_of(dropped)->code, mcp::client_error_code::kRequestCancelled);
  EXPECT_FALSE(upstream.cancel(handle));
  ASSERT_TRUE(run_until(io, [&] { return server.log.cancels().size() == 2; }));
  EXPECT_EQ(server.log.cancels()[1]["requestId"], "u-3");
  EXPECT_EQ(server.log.cancels()[1]["reason"], "changed my mind");

  auto echoed = call_and_wait(upstream, "echo", {{"text", "still here"}});
  ASSERT_NE(result_of(echoed), nullptr) << error_of(echoed)->message;
  EXPECT_EQ(first_text(*result_of(echoed)), "still here");
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, AKeptAliveConnectionTheServerClosedMeanwhileIsReplaced) {
  mcp::HttpServerOptions server_options;
  server_options.limits.http_read_timeout = 100ms;  // it closes connections idle this long
  ScriptedServer server(server_options);
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  start_ready(upstream);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    auto echoed = call_and_wait(upstream, "echo", {{"text", "again"}});
    ASSERT_NE(result_of(echoed), nullptr) << error_of(echoed)->message;
    io.run_for(300ms);  // long enough for the server to close the connection we keep
  }
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, KillingTheServerMidCallFailsTheCallAndReportsOneExit) {
  MockProcess mock("conformance");
  ASSERT_FALSE(mock.url.empty()) << "the mock did not start";
  auto o = options("conformance", mock.url);
  o.capabilities = {{"sampling", Json::object()}};
  mcp::HttpUpstream upstream(io, o);
  std::vector<mcp::AnswerCallback> unanswered;  // keeps test_sampling waiting on us
  upstream.on_server_request(
      [&](mcp::Request, mcp::AnswerCallback respond) { unanswered.push_back(respond); });
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);

  std::optional<ClientAnswer> answer;
  upstream.request("tools/call", call("test_sampling", {{"prompt", "wait"}}),
                   [&](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return !unanswered.empty(); }));
  EXPECT_FALSE(answer.has_value());

  mock.kill();
  ASSERT_TRUE(run_until(io, [&] { return answer.has_value() && !exits.empty(); }));
  const std::string lost = "upstream conformance is unreachable at " + mock.url + ": ";
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->code, -32603);
  EXPECT_EQ(error_of(answer)->message.rfind(lost, 0), 0u) << error_of(answer)->message;
  EXPECT_TRUE(error_of(answer)->message.ends_with(" while the call was in flight"));
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
  io.run_for(300ms);  // whatever else notices the death must not report it again
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].status, -1);
  EXPECT_FALSE(exits[0].requested);
  EXPECT_EQ(exits[0].message.rfind(lost, 0), 0u) << exits[0].message;

  std::optional<ClientAnswer> refused;
  EXPECT_FALSE(
      upstream.request("tools/list", nullptr, [&](ClientAnswer a) { refused = std::move(a); }));
  EXPECT_FALSE(refused.has_value());  // not inside request()
  ASSERT_TRUE(run_until(io, [&] { return refused.has_value(); }));
  EXPECT_EQ(error_of(refused)->message, "upstream conformance is not ready (dead)");
  unanswered.clear();  // answers the lost session's request: nothing is sent
  io.run_for(50ms);
}

TEST_F(HttpUpstreamTest, RestartFailsWhatIsInFlightDeletesTheOldSessionAndStartsANewOne) {
  ScriptedServer server;
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);
  const std::string first_session = upstream.session_id();
  std::optional<ClientAnswer> pending;
  upstream.request("tools/call", call("hang"), [&](ClientAnswer a) { pending = std::move(a); });
  std::optional<ClientAnswer> ready;
  upstream.restart([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_NE(error_of(pending), nullptr);  // failed by the stop at once
  EXPECT_EQ(error_of(pending)->message,
            "upstream scripted was restarted while the call was in flight");
  ASSERT_TRUE(run_until(io, [&] { return ready.has_value(); }));
  ASSERT_NE(result_of(ready), nullptr) << error_of(ready)->message;
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  EXPECT_NE(upstream.session_id(), first_session);
  EXPECT_EQ(server.server->session_count(), 1u);  // the old one was deleted first
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_TRUE(exits[0].requested);
  EXPECT_EQ(exits[0].message, "upstream scripted was restarted");
  // Ids go on across sessions, so a late answer from the old one could never be mistaken.
  EXPECT_EQ(server.log.request_ids("initialize"), (std::vector<std::string>{"\"u-1\"", "\"u-3\""}));

  auto echoed = call_and_wait(upstream, "echo", {{"text", "new session"}});
  ASSERT_NE(result_of(echoed), nullptr) << error_of(echoed)->message;
  stop_and_expect_dead(upstream);
  EXPECT_EQ(exits.size(), 2u);
}

TEST_F(HttpUpstreamTest, StopFailsEverythingInFlightAndDeletesTheSession) {
  ScriptedServer server;
  mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);
  std::vector<std::optional<ClientAnswer>> answers(5);
  for (auto& answer : answers)
    upstream.request("tools/call", call("hang"),
                     [&answer](ClientAnswer a) { answer = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return server.log.hanging_now() == 5; }));
  EXPECT_EQ(upstream.in_flight(), 5u);
  stop_and_expect_dead(upstream);
  for (const auto& answer : answers) {
    ASSERT_NE(error_of(answer), nullptr);
    EXPECT_EQ(error_of(answer)->message,
              "upstream scripted was stopped while the call was in flight");
  }
  EXPECT_EQ(server.server->session_count(), 0u);
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_TRUE(exits[0].requested);
  EXPECT_EQ(exits[0].message, "upstream scripted was stopped");
  EXPECT_FALSE(upstream.notify("notifications/roots/list_changed"));
}

TEST_F(HttpUpstreamTest, AnUnreachableOrHttpsUrlFailsStartWithAClearError) {
  const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/mcp";
  mcp::HttpUpstream ghost(io, options("ghost", url));
  std::vector<mcp::UpstreamExit> exits;
  ghost.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  std::optional<ClientAnswer> ready;
  ghost.start([&](ClientAnswer a) { ready = std::move(a); });
  ASSERT_TRUE(run_until(
      io, [&] { return ready.has_value() && !exits.empty(); }, 10s));
  ASSERT_NE(error_of(ready), nullptr);
  EXPECT_EQ(error_of(ready)->message,
            "upstream ghost is unreachable at " + url + ": connection refused");
  EXPECT_EQ(ghost.state(), mcp::UpstreamState::dead);
  EXPECT_FALSE(exits[0].requested);

  // TEST-NET-1 is never routed: the connect times out, or fails at once without a route.
  auto o = options("blackhole", "http://192.0.2.1:9/mcp");
  o.connect_timeout = 300ms;
  mcp::HttpUpstream blackhole(io, o);
  std::optional<ClientAnswer> never;
  blackhole.start([&](ClientAnswer a) { never = std::move(a); });
  ASSERT_TRUE(run_until(
      io, [&] { return never.has_value(); }, 5s));
  ASSERT_NE(error_of(never), nullptr);
  EXPECT_EQ(error_of(never)->message.rfind(
                "upstream blackhole is unreachable at http://192.0.2.1:9/mcp: ", 0),
            0u)
      << error_of(never)->message;

  mcp::HttpUpstream tls(io, options("tls", "https://127.0.0.1:1/mcp"));
  bool exited = false;
  tls.on_exit([&](const mcp::UpstreamExit&) { exited = true; });
  std::optional<ClientAnswer> refused;
  tls.start([&](ClientAnswer a) { refused = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return refused.has_value(); }));
  ASSERT_NE(error_of(refused), nullptr);
  EXPECT_EQ(error_of(refused)->message,
            "upstream tls cannot start: https is not supported, only plain http:// URLs: "
            "https://127.0.0.1:1/mcp");
  io.run_for(20ms);
  EXPECT_FALSE(exited);
}

TEST_F(HttpUpstreamTest, ASessionTheServerForgetsIsLostOnTheNextRequest) {
  ScriptedServer server;
  auto o = options("scripted", server.server->url());
  o.first_stream_backoff = 3s;  // the ended GET stream must not notice first
  mcp::HttpUpstream upstream(io, o);
  std::vector<mcp::UpstreamExit> exits;
  upstream.on_exit([&](const mcp::UpstreamExit& e) { exits.push_back(e); });
  start_ready(upstream);
  const std::string session = upstream.session_id();
  server.server->close_session(session);
  for (int i = 0; i < 400 && server.server->session_count() != 0; ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(server.server->session_count(), 0u);

  auto answer = call_and_wait(upstream, "echo", {{"text", "anyone?"}});
  const std::string lost =
      "upstream scripted lost its session: the server answered 404 to session id " + session;
  ASSERT_NE(error_of(answer), nullptr);
  EXPECT_EQ(error_of(answer)->code, -32603);
  EXPECT_EQ(error_of(answer)->message, lost + " while the call was in flight");
  ASSERT_TRUE(run_until(io, [&] { return !exits.empty(); }));
  EXPECT_EQ(exits[0].message, lost);
  EXPECT_FALSE(exits[0].requested);
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::dead);
}

TEST_F(HttpUpstreamTest, AnAnswerOverTheLimitFailsOnlyItsRequest) {
  ScriptedServer server;
  auto o = options("scripted", server.server->url());
  o.limits.max_message_bytes = 64 * 1024;
  mcp::HttpUpstream upstream(io, o);
  start_ready(upstream);
  auto as_json = call_and_wait(upstream, "huge", {{"bytes", 256 * 1024}});
  ASSERT_NE(error_of(as_json), nullptr);
  EXPECT_EQ(error_of(as_json)->code, -32603);
  EXPECT_EQ(error_of(as_json)->message,
            "upstream scripted sent an answer too large: the answer exceeds 65536 bytes");
  auto as_event = call_and_wait(upstream, "huge", {{"bytes", 256 * 1024}, {"notify_first", true}});
  ASSERT_NE(error_of(as_event), nullptr);
  EXPECT_EQ(error_of(as_event)->message,
            "upstream scripted sent an answer too large: an event exceeds 65536 bytes");
  auto small = call_and_wait(upstream, "huge", {{"bytes", 1000}, {"notify_first", true}});
  ASSERT_NE(result_of(small), nullptr) << error_of(small)->message;
  EXPECT_EQ(first_text(*result_of(small)).size(), 1000u);
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, HttpErrorsFailTheRequestWithTheStatusAndTheServersError) {
  std::mutex mu;
  std::string refusal;  // when set, every POST in a session is refused with this body
  mcp::HttpServerOptions server_options;
  server_options.admit =
      [&](const mcp::HttpRequestInfo& info) -> std::optional<mcp::HttpRejection> {
    if (info.header("authorization") != "Bearer right") {
      return mcp::HttpRejection{
          401,
          R"({"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized"}})",
          {}};
    }
    std::lock_guard lock(mu);
    if (info.method == "POST" && !info.session_id.empty() && !refusal.empty())
      return mcp::HttpRejection{503, refusal, {}};
    return std::nullopt;
  };
  ScriptedServer server(server_options);

  auto o = options("guarded", server.server->url());
  o.headers = {{"Authorization", "Bearer wrong"}};
  mcp::HttpUpstream refused(io, o);
  std::optional<ClientAnswer> not_ready;
  refused.start([&](ClientAnswer a) { not_ready = std::move(a); });
  ASSERT_TRUE(run_until(io, [&] { return not_ready.has_value(); }));
  ASSERT_NE(error_of(not_ready), nullptr);
  EXPECT_EQ(error_of(not_ready)->message,
            "upstream guarded failed to initialize: answered HTTP 401: Unauthorized");
  EXPECT_EQ(error_of(not_ready)->data["httpStatus"], 401);

  o.headers = {{"Authorization", "Bearer right"}};
  mcp::HttpUpstream upstream(io, o);
  start_ready(upstream);
  {
    std::lock_guard lock(mu);
    refusal = R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"busy"}})";
  }
  auto busy = call_and_wait(upstream, "echo", {{"text", "x"}});
  ASSERT_NE(error_of(busy), nullptr);
  EXPECT_EQ(error_of(busy)->code, -32603);
  EXPECT_EQ(error_of(busy)->message, "upstream guarded answered HTTP 503: busy");
  EXPECT_EQ(error_of(busy)->data["httpStatus"], 503);
  EXPECT_EQ(error_of(busy)->data["error"]["message"], "busy");
  {
    // A JSON-RPC error naming the request is its answer as sent. Ids so far: u-1 (initialize),
    // u-2 (the busy call): this is u-3.
    std::lock_guard lock(mu);
    refusal = R"({"jsonrpc":"2.0","id":"u-3","error":{"code":-32099,"message":"not now"}})";
  }
  auto named = call_and_wait(upstream, "echo", {{"text", "x"}});
  ASSERT_NE(error_of(named), nullptr);
  EXPECT_EQ(error_of(named)->code, -32099);
  EXPECT_EQ(error_of(named)->message, "not now");
  {
    std::lock_guard lock(mu);
    refusal.clear();
  }
  auto fine = call_and_wait(upstream, "echo", {{"text", "fine"}});
  ASSERT_NE(result_of(fine), nullptr) << error_of(fine)->message;
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, TheGetStreamIsReopenedAfterItGoesSilent) {
  mcp::HttpServerOptions server_options;
  server_options.sse_keepalive = 200ms;  // also how soon the server notices a closed stream
  ScriptedServer server(server_options);
  auto o = options("scripted", server.server->url());
  o.stream_idle_timeout = 120ms;  // shorter than the keep-alive: every stream goes silent
  o.first_stream_backoff = 50ms;
  o.last_stream_backoff = 400ms;
  mcp::HttpUpstream upstream(io, o);
  std::vector<mcp::Notification> notes;
  upstream.on_notification([&](mcp::Notification n) { notes.push_back(std::move(n)); });
  start_ready(upstream);
  ASSERT_TRUE(run_until(io, [&] {
    std::lock_guard lock(server.log.mu);
    return server.log.gets >= 3;
  }));
  // A notification written to a stream the server has not yet noticed gone is lost: send until
  // one arrives.
  ASSERT_TRUE(run_until(io, [&] {
    if (notes.empty())
      server.server->notify(upstream.session_id(), "notifications/tools/list_changed");
    return run_until(
        io, [&] { return !notes.empty(); }, 150ms);
  }));
  EXPECT_EQ(notes.front().method, "notifications/tools/list_changed");
  EXPECT_EQ(upstream.state(), mcp::UpstreamState::ready);
  stop_and_expect_dead(upstream);
}

TEST_F(HttpUpstreamTest, TheDestructorFailsWhatIsInFlight) {
  ScriptedServer server;
  std::optional<ClientAnswer> pending;
  {
    mcp::HttpUpstream upstream(io, options("scripted", server.server->url()));
    start_ready(upstream);
    upstream.request("tools/call", call("hang"), [&](ClientAnswer a) { pending = std::move(a); });
    io.run_for(20ms);
  }
  ASSERT_NE(error_of(pending), nullptr);
  EXPECT_EQ(error_of(pending)->message,
            "upstream scripted was shut down while the call was in flight");
  io.restart();
  io.run_for(50ms);  // late handlers of the gone upstream find nothing to do
}

}  // namespace
}  // namespace gatecrash
