// tests/unit-async-client.cc — AsyncClientSession against an in-memory ServerSession: ids, routing,
// cancel, bounds.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "mcp/async_client.h"
#include "mcp/server_session.h"

namespace gatecrash {
namespace {

using mcp::ClientAnswer;
using mcp::ErrorObject;
using mcp::Json;

// A small server: "echo" answers at once with its arguments, "hold" keeps the request for the
// test to answer later, "ask" sends the client the request named in its arguments and answers
// with what the client said.
class TestServer final : public mcp::ServerHandler {
 public:
  mcp::ServerIdentity identity() const override {
    return {{{"name", "test-server"}, {"version", "1.0"}}, {{"tools", Json::object()}}, "be nice"};
  }
  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override {
    const Json& params = ctx->request().params;
    const std::string tool = params.is_object() ? params.value("name", "") : "";
    if (ctx->request().method != "tools/call") {
      ctx->reply_error(ErrorObject{-32601, "Method not found", nullptr}, "method_not_found");
    } else if (tool == "echo") {
      ctx->reply(params["arguments"]);
    } else if (tool == "hold") {
      held.push_back(ctx);
    } else if (tool == "ask") {
      ctx->ask_client(params["arguments"].value("method", "sampling/createMessage"), {{"q", 1}},
                      [ctx](ClientAnswer answer) {
                        if (auto* error = std::get_if<ErrorObject>(&answer)) {
                          ctx->reply({{"refused", error->code}, {"message", error->message}});
                        } else {
                          ctx->reply({{"client_said", std::get<Json>(answer)}});
                        }
                      });
    }
  }
  std::vector<std::shared_ptr<mcp::RequestContext>> held;
};

// The two sessions joined by queues, delivered by pump(): a transport in miniature.
struct Wire {
  explicit Wire(mcp::AsyncClientOptions options = {})
      : client([this](std::string line) { to_server.push_back(std::move(line)); }, options),
        server(handler, [this](mcp::Outbound out) {
          if (!out.text.empty()) to_client.push_back(std::move(out.text));
        }) {}

  void pump() {
    while (!to_server.empty() || !to_client.empty()) {
      while (!to_server.empty()) {
        std::string line = std::move(to_server.front());
        to_server.pop_front();
        server_received.push_back(Json::parse(line));
        server.receive(line);
      }
      while (!to_client.empty()) {
        std::string line = std::move(to_client.front());
        to_client.pop_front();
        client.receive(line);
      }
    }
  }

  void initialize(Json capabilities = Json::object()) {
    bool done = false;
    client.initialize("2025-06-18", std::move(capabilities), {{"name", "unit"}, {"version", "0"}},
                      [&](ClientAnswer answer) {
                        ASSERT_TRUE(std::holds_alternative<Json>(answer));
                        done = true;
                      });
    pump();
    ASSERT_TRUE(done);
    server_received.clear();
  }

  Json call_params(const std::string& tool, Json arguments = Json::object()) {
    return {{"name", tool}, {"arguments", std::move(arguments)}};
  }

  TestServer handler;
  std::deque<std::string> to_server, to_client;
  std::vector<Json> server_received;
  mcp::AsyncClientSession client;
  mcp::ServerSession server;
};

// Collects answers by slot so tests can assert on each one. Declare it before the session: a
// session being destroyed completes what is still in flight.
struct Answers {
  std::vector<std::optional<ClientAnswer>> slots;
  mcp::AnswerCallback slot(std::size_t i) {
    if (slots.size() <= i) slots.resize(i + 1);
    return [this, i](ClientAnswer answer) {
      EXPECT_FALSE(slots[i].has_value()) << "answered twice: " << i;
      slots[i] = std::move(answer);
    };
  }
  const Json& result(std::size_t i) const { return std::get<Json>(slots.at(i).value()); }
  const ErrorObject& error(std::size_t i) const {
    return std::get<ErrorObject>(slots.at(i).value());
  }
};

TEST(AsyncClient, InitializeRecordsTheServerAndThenSendsInitialized) {
  Wire wire;
  std::optional<ClientAnswer> answer;
  wire.client.initialize("2025-06-18", {{"sampling", Json::object()}},
                         {{"name", "unit"}, {"version", "0"}},
                         [&](ClientAnswer a) { answer = std::move(a); });
  wire.pump();
  ASSERT_TRUE(answer && std::holds_alternative<Json>(*answer));
  EXPECT_EQ(std::get<Json>(*answer)["protocolVersion"], "2025-06-18");
  ASSERT_TRUE(wire.client.server().has_value());
  EXPECT_EQ(wire.client.server()->protocol_version, "2025-06-18");
  EXPECT_TRUE(wire.client.server()->capabilities.contains("tools"));
  EXPECT_EQ(wire.client.server()->server_info["name"], "test-server");
  EXPECT_EQ(wire.client.server()->instructions, "be nice");

  ASSERT_EQ(wire.server_received.size(), 2u);
  EXPECT_EQ(wire.server_received[0]["method"], "initialize");
  EXPECT_EQ(wire.server_received[0]["params"]["clientInfo"]["name"], "unit");
  EXPECT_EQ(wire.server_received[1]["method"], "notifications/initialized");
  ASSERT_TRUE(wire.server.client().has_value());
  EXPECT_TRUE(wire.server.client()->capabilities.contains("sampling"));
}

TEST(AsyncClient, AnInitializeResultWithAVersionWeDoNotSpeakIsAnError) {
  std::vector<std::string> sent;
  mcp::AsyncClientSession client([&](std::string line) { sent.push_back(std::move(line)); });
  std::optional<ClientAnswer> answer;
  client.initialize("2025-06-18", Json::object(), Json::object(),
                    [&](ClientAnswer a) { answer = std::move(a); });
  client.receive(
      R"({"jsonrpc":"2.0","id":"u-1","result":{"protocolVersion":"1999-01-01","capabilities":{}}})");
  ASSERT_TRUE(answer && std::holds_alternative<ErrorObject>(*answer));
  EXPECT_EQ(std::get<ErrorObject>(*answer).message,
            "the server chose protocol version \"1999-01-01\", which we do not speak");
  EXPECT_EQ(sent.size(), 1u);  // no notifications/initialized
  EXPECT_FALSE(client.server().has_value());
}

TEST(AsyncClient, IdsAreOursAndCallersNeverChooseThem) {
  Answers answers;
  Wire wire;
  wire.initialize();
  auto a = wire.client.request("tools/call", wire.call_params("echo", {{"n", 1}}), answers.slot(0));
  auto b = wire.client.request("tools/call", wire.call_params("echo", {{"n", 2}}), answers.slot(1));
  EXPECT_EQ(a.id, 2u);  // initialize was u-1
  EXPECT_EQ(b.id, 3u);
  EXPECT_EQ(mcp::AsyncClientSession::wire_id(b), mcp::RequestId("u-3"));
  wire.pump();
  EXPECT_EQ(wire.server_received[0]["id"], "u-2");
  EXPECT_EQ(wire.server_received[1]["id"], "u-3");
  EXPECT_EQ(answers.result(0)["n"], 1);
  EXPECT_EQ(answers.result(1)["n"], 2);

  mcp::AsyncClientSession continued([](std::string) {},
                                    mcp::AsyncClientOptions{mcp::default_limits(), 101});
  EXPECT_EQ(continued.request("ping", nullptr, [](ClientAnswer) {}).id, 101u);
  EXPECT_EQ(continued.next_request_id(), 102u);
}

TEST(AsyncClient, OutOfOrderAnswersReachTheirOwnCallbacks) {
  Answers answers;
  Wire wire;
  wire.initialize();
  for (int i = 0; i < 5; ++i) {
    wire.client.request("tools/call", wire.call_params("hold"),
                        answers.slot(static_cast<std::size_t>(i)));
  }
  wire.pump();
  ASSERT_EQ(wire.handler.held.size(), 5u);
  EXPECT_EQ(wire.client.in_flight(), 5u);
  for (int i = 4; i >= 0; --i) wire.handler.held[static_cast<std::size_t>(i)]->reply({{"slot", i}});
  wire.pump();
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(answers.result(i)["slot"], i);
  EXPECT_EQ(wire.client.in_flight(), 0u);
  EXPECT_EQ(wire.client.stats().answers_received, 6u);  // initialize too
}

TEST(AsyncClient, ServerErrorsArriveAsErrorObjects) {
  Answers answers;
  Wire wire;
  wire.initialize();
  wire.client.request("resources/list", nullptr, answers.slot(0));
  wire.pump();
  EXPECT_EQ(answers.error(0).code, -32601);
  EXPECT_EQ(answers.error(0).message, "Method not found");
}

TEST(AsyncClient, NotificationsGoToTheNotificationHandler) {
  Answers answers;
  Wire wire;
  std::vector<mcp::Notification> seen;
  wire.client.on_notification([&](mcp::Notification n) { seen.push_back(std::move(n)); });
  wire.initialize();
  wire.server.notify("notifications/tools/list_changed");
  wire.client.request("tools/call", wire.call_params("hold"), answers.slot(0));
  wire.pump();
  wire.handler.held.at(0)->notify("notifications/message",
                                  {{"level", "info"}, {"data", "working"}});
  wire.handler.held.at(0)->reply(Json::object());
  wire.pump();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "notifications/tools/list_changed");
  EXPECT_EQ(seen[1].method, "notifications/message");
  EXPECT_EQ(seen[1].params["data"], "working");
  EXPECT_EQ(wire.client.stats().notifications_received, 2u);
}

TEST(AsyncClient, AServerRequestIsAnsweredByTheHandlerEvenLater) {
  Answers answers;
  Wire wire;
  std::vector<std::pair<mcp::Request, mcp::AnswerCallback>> asked;
  wire.client.on_server_request([&](mcp::Request r, mcp::AnswerCallback respond) {
    asked.emplace_back(std::move(r), std::move(respond));
  });
  wire.initialize({{"sampling", Json::object()}});
  wire.client.request("tools/call", wire.call_params("ask"), answers.slot(0));
  wire.pump();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].first.method, "sampling/createMessage");
  EXPECT_EQ(asked[0].first.params["q"], 1);
  EXPECT_FALSE(answers.slots[0].has_value());
  asked[0].second(Json{{"model", "m-1"}});
  asked[0].second(Json{{"model", "twice"}});  // a second answer is ignored
  wire.pump();
  EXPECT_EQ(answers.result(0)["client_said"]["model"], "m-1");
  EXPECT_EQ(wire.client.stats().server_requests, 1u);
}

TEST(AsyncClient, AServerRequestWithoutAHandlerGetsMethodNotFound) {
  Answers answers;
  Wire wire;
  wire.initialize();
  wire.client.request("tools/call", wire.call_params("ask", {{"method", "roots/list"}}),
                      answers.slot(0));
  wire.pump();
  EXPECT_EQ(answers.result(0)["refused"], -32601);
  EXPECT_EQ(answers.result(0)["message"], "Method not found: roots/list");
}

TEST(AsyncClient, PingFromTheServerIsAnsweredWithoutAHandler) {
  Answers answers;
  Wire wire;
  wire.initialize();
  wire.client.request("tools/call", wire.call_params("ask", {{"method", "ping"}}), answers.slot(0));
  wire.pump();
  EXPECT_EQ(answers.result(0)["client_said"], Json::object());
}

TEST(AsyncClient, ARespondDroppedUnansweredAnswersInternalError) {
  Answers answers;
  Wire wire;
  wire.client.on_server_request([](mcp::Request, mcp::AnswerCallback) {});  // forgets it
  wire.initialize();
  wire.client.request("tools/call", wire.call_params("ask"), answers.slot(0));
  wire.pump();
  EXPECT_EQ(answers.result(0)["refused"], -32603);
  EXPECT_EQ(answers.result(0)["message"],
            "Internal error: the client dropped the request unanswered");
}

TEST(AsyncClient, CancelTellsTheServerAndCompletesTheCallback) {
  Answers answers;
  Wire wire;
  wire.initialize();
  auto handle = wire.client.request("tools/call", wire.call_params("hold"), answers.slot(0));
  wire.pump();
  ASSERT_TRUE(wire.client.cancel(handle, "the user gave up"));
  EXPECT_EQ(answers.error(0).code, mcp::client_error_code::kRequestCancelled);
  EXPECT_EQ(answers.error(0).message, "the request was cancelled: the user gave up");
  EXPECT_FALSE(wire.client.cancel(handle));  // no longer in flight
  wire.pump();
  const Json& cancelled = wire.server_received.back();
  EXPECT_EQ(cancelled["method"], "notifications/cancelled");
  EXPECT_EQ(cancelled["params"]["requestId"], "u-2");
  EXPECT_EQ(cancelled["params"]["reason"], "the user gave up");
  EXPECT_TRUE(wire.handler.held.at(0)->cancelled());
}

TEST(AsyncClient, ExpireCompletesWithTheTransportsErrorAndALateAnswerIsDropped) {
  Answers answers;
  Wire wire;
  wire.initialize();
  auto handle = wire.client.request("tools/call", wire.call_params("hold"), answers.slot(0));
  wire.pump();
  ASSERT_TRUE(
      wire.client.expire(handle, ErrorObject{-32001, "upstream x timed out after 5 ms", nullptr}));
  EXPECT_EQ(answers.error(0).code, -32001);
  wire.pump();
  EXPECT_EQ(wire.server_received.back()["params"]["reason"], "upstream x timed out after 5 ms");
  // The answer that comes anyway (the handler ignores the cancellation) has nowhere to go.
  wire.client.receive(R"({"jsonrpc":"2.0","id":"u-2","result":{}})");
  EXPECT_EQ(wire.client.stats().unknown_answers, 1u);
}

TEST(AsyncClient, InitializeIsNeverCancelledOnTheWire) {
  std::vector<std::string> sent;
  mcp::AsyncClientSession client([&](std::string line) { sent.push_back(std::move(line)); });
  std::optional<ClientAnswer> answer;
  auto handle = client.initialize("2025-06-18", Json::object(), Json::object(),
                                  [&](ClientAnswer a) { answer = a; });
  ASSERT_TRUE(client.expire(handle, ErrorObject{-32001, "timed out", nullptr}));
  EXPECT_TRUE(answer && std::holds_alternative<ErrorObject>(*answer));
  EXPECT_EQ(sent.size(), 1u);
}

TEST(AsyncClient, FailAllCompletesEveryCallbackOnceAndSendsNothing) {
  Answers answers;
  Wire wire;
  wire.initialize();
  for (std::size_t i = 0; i < 3; ++i)
    wire.client.request("tools/call", wire.call_params("hold"), answers.slot(i));
  wire.pump();
  const std::size_t sent_before = wire.server_received.size();
  wire.client.fail_all(ErrorObject{-32603, "upstream gone", nullptr});
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(answers.error(i).message, "upstream gone");
  EXPECT_EQ(wire.client.in_flight(), 0u);
  wire.pump();
  EXPECT_EQ(wire.server_received.size(), sent_before);
  // The server's answers, if they ever come, are unknown now.
  for (auto& ctx : wire.handler.held) ctx->reply(Json::object());
  wire.pump();
  EXPECT_EQ(wire.client.stats().unknown_answers, 3u);
}

TEST(AsyncClient, AnswersToIdsNotInFlightAreCountedAndDropped) {
  int calls = 0;
  mcp::AsyncClientSession client([](std::string) {});
  client.request("ping", nullptr, [&](ClientAnswer) { ++calls; });
  client.receive(R"({"jsonrpc":"2.0","id":"u-999","result":{}})");
  client.receive(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  client.receive(R"({"jsonrpc":"2.0","id":"u-01","result":{}})");
  client.receive(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(client.stats().unknown_answers, 4u);
  client.receive(R"({"jsonrpc":"2.0","id":"u-1","result":{}})");
  EXPECT_EQ(calls, 1);
}

TEST(AsyncClient, TheInFlightCapRefusesTheExcessAtOnce) {
  mcp::AsyncClientOptions options;
  options.limits.max_in_flight_requests = 3;
  Answers answers;
  Wire wire(options);
  wire.initialize();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(wire.client.request("tools/call", wire.call_params("hold"), answers.slot(i)));
  }
  auto refused = wire.client.request("tools/call", wire.call_params("hold"), answers.slot(3));
  EXPECT_FALSE(refused);
  EXPECT_EQ(answers.error(3).message, "too many requests in flight: the limit is 3");
  wire.pump();
  EXPECT_EQ(wire.handler.held.size(), 3u);  // the refused one never reached the server
  wire.handler.held[0]->reply(Json::object());
  wire.pump();
  EXPECT_TRUE(wire.client.request("tools/call", wire.call_params("echo"), answers.slot(4)));
}

TEST(AsyncClient, InvalidLinesAreCountedAndReported) {
  std::vector<mcp::InvalidServerLine> reported;
  mcp::AsyncClientSession client([](std::string) {});
  client.on_invalid_line([&](const mcp::InvalidServerLine& line) { reported.push_back(line); });
  client.receive("server starting up...");
  client.receive(R"({"jsonrpc":"2.0","id":"u-1","result":{},"error":{"code":1,"message":"x"}})");
  client.reject_line(
      "{\"jsonrpc\":",
      mcp::DecodeError{ErrorObject{-32600, "line too long", nullptr}, std::nullopt, "too_large"});
  EXPECT_EQ(client.stats().invalid_lines, 3u);
  ASSERT_EQ(reported.size(), 3u);
  EXPECT_EQ(reported[0].error.kind, "parse_error");
  EXPECT_EQ(reported[0].excerpt, "server starting up...");
  EXPECT_EQ(reported[1].error.kind, "mixed_shape");
  EXPECT_EQ(reported[2].error.kind, "too_large");
}

TEST(AsyncClient, ABrokenAnswerFailsItsRequestInsteadOfLeavingItWaiting) {
  mcp::AsyncClientSession client([](std::string) {});
  std::optional<ClientAnswer> answer;
  client.request("tools/list", nullptr, [&](ClientAnswer a) { answer = std::move(a); });
  client.receive(R"({"jsonrpc":"2.0","id":"u-1","result":[1,2]})");
  ASSERT_TRUE(answer && std::holds_alternative<ErrorObject>(*answer));
  EXPECT_EQ(std::get<ErrorObject>(*answer).code, -32603);
  EXPECT_EQ(std::get<ErrorObject>(*answer).message,
            "the server's answer was invalid: \"result\" must be an object");
  EXPECT_EQ(client.stats().invalid_lines, 1u);
}

TEST(AsyncClient, BatchedAnswersAreMatchedOneByOne) {
  Answers answers;
  mcp::AsyncClientSession client([](std::string) {});
  client.request("a", nullptr, answers.slot(0));
  client.request("b", nullptr, answers.slot(1));
  client.receive(
      R"([{"jsonrpc":"2.0","id":"u-2","result":{"b":true}},{"jsonrpc":"2.0","id":"u-1","error":{"code":-5,"message":"no"}}])");
  EXPECT_EQ(answers.error(0).code, -5);
  EXPECT_EQ(answers.result(1)["b"], true);
}

// A transport that delivers synchronously makes callbacks run inside request(); the session
// must register first and tolerate requests sent from inside callbacks.
TEST(AsyncClient, ASynchronousTransportAndReentrantRequestsWork) {
  TestServer handler;
  std::unique_ptr<mcp::ServerSession> server;
  mcp::AsyncClientSession client([&](std::string line) { server->receive(line); });
  server = std::make_unique<mcp::ServerSession>(handler, [&](mcp::Outbound out) {
    if (!out.text.empty()) client.receive(out.text);
  });
  bool initialized = false;
  client.initialize("2025-11-25", Json::object(), Json::object(),
                    [&](ClientAnswer a) { initialized = std::holds_alternative<Json>(a); });
  ASSERT_TRUE(initialized);
  std::vector<int> order;
  client.request("tools/call", {{"name", "echo"}, {"arguments", {{"n", 1}}}}, [&](ClientAnswer a) {
    order.push_back(std::get<Json>(a)["n"].get<int>());
    client.request("tools/call", {{"name", "echo"}, {"arguments", {{"n", 2}}}},
                   [&](ClientAnswer b) { order.push_back(std::get<Json>(b)["n"].get<int>()); });
  });
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST(AsyncClient, DestroyingTheSessionCompletesWhatIsInFlight) {
  std::optional<ClientAnswer> answer;
  {
    mcp::AsyncClientSession client([](std::string) {});
    client.request("tools/list", nullptr, [&](ClientAnswer a) { answer = std::move(a); });
  }
  ASSERT_TRUE(answer && std::holds_alternative<ErrorObject>(*answer));
  EXPECT_EQ(std::get<ErrorObject>(*answer).code, mcp::client_error_code::kConnectionClosed);
}

}  // namespace
}  // namespace gatecrash
