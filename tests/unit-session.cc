// tests/unit-session.cc — server lifecycle, negotiation, batches, cancellation, over the memory transport.
#include <gtest/gtest.h>

#include "mcp/memory_transport.h"

namespace gatecrash::mcp {
namespace {

// A handler with a synchronous echo, a request held open until released, and one that drops
// its context unanswered. It logs inbound records and when each was reported.
class ProbeHandler final : public ServerHandler {
 public:
  ServerIdentity identity() const override {
    return {Json{{"name", "probe"}, {"version", "1"}}, Json{{"tools", Json::object()}}, "be nice"};
  }
  void on_request(const std::shared_ptr<RequestContext>& ctx) override {
    const std::string& method = ctx->request().method;
    if (method == "echo") {
      ctx->progress(1, 2, "half");
      ctx->reply(ctx->request().params.is_null() ? Json::object() : ctx->request().params, "ok", "echoed");
    } else if (method == "hold") {
      held.push_back(ctx);
    } else if (method == "drop") {
      // Returning without replying and without keeping ctx: the session must answer -32603.
    } else {
      ctx->reply_error(ErrorObject{error_code::kMethodNotFound, "Method not found: " + method, nullptr},
                       "method_not_found");
    }
  }
  void on_inbound(const InboundRecord& record) override { records.push_back(record); }

  std::vector<std::shared_ptr<RequestContext>> held;
  std::vector<InboundRecord> records;
};

Json answer_json(ClientSession& client, const RequestId& id) { return to_json(client.await_answer(id)); }

class SessionTest : public ::testing::Test {
 protected:
  ProbeHandler handler;
  MemoryChannel channel{handler};
  ClientSession client{channel, std::chrono::milliseconds(50)};
};

TEST_F(SessionTest, NegotiatesEachSupportedVersionAndFallsBackToNewest) {
  for (ProtocolVersion v : kSupportedVersions) {
    ProbeHandler h;
    MemoryChannel ch(h);
    ClientSession c(ch, std::chrono::milliseconds(50));
    Json result = c.initialize(to_string(v));
    EXPECT_EQ(result["protocolVersion"], to_string(v));
    EXPECT_EQ(result["serverInfo"]["name"], "probe");
    EXPECT_EQ(result["instructions"], "be nice");
    EXPECT_TRUE(result["capabilities"].contains("tools"));
  }
  Json result = client.initialize("1999-01-01");
  EXPECT_EQ(result["protocolVersion"], "2025-11-25");
}

TEST_F(SessionTest, RequestsBeforeInitializeAreRefusedButPingIsServed) {
  Json refused = answer_json(client, client.send_request("echo", Json{{"a", 1}}));
  EXPECT_EQ(refused["error"]["code"], error_code::kInvalidRequest);
  EXPECT_EQ(handler.records.back().outcome, "not_initialized");
  Json pong = answer_json(client, client.send_request("ping"));
  EXPECT_EQ(pong["result"], Json::object());
  client.initialize();
  Json echoed = answer_json(client, client.send_request("echo", Json{{"a", 1}}));
  EXPECT_EQ(echoed["result"]["a"], 1);
}

TEST_F(SessionTest, SecondInitializeAndMalformedInitializeAreRefused) {
  Json bad = answer_json(client, client.send_request("initialize", Json{{"capabilities", Json::object()}}));
  EXPECT_EQ(bad["error"]["code"], error_code::kInvalidParams);
  client.initialize();
  Json again = answer_json(client, client.send_request("initialize", Json{{"protocolVersion", "2025-11-25"}}));
  EXPECT_EQ(again["error"]["code"], error_code::kInvalidRequest);
}

TEST_F(SessionTest, InboundIsRecordedBeforeItsAnswerIsSent) {
  client.initialize();
  const std::size_t sent_before = channel.sent().size();
  channel.send_line(R"({"jsonrpc":"2.0","id":"e","method":"echo","params":{"_meta":{"progressToken":"t"}}})",
                    std::chrono::milliseconds(1));
  const InboundRecord& record = handler.records.back();
  EXPECT_EQ(record.kind, "request");
  EXPECT_EQ(record.method, "echo");
  EXPECT_EQ(record.effect, "echoed");
  // Progress first, then the answer, both tied to the frame; the answer completes it.
  ASSERT_EQ(channel.sent().size(), sent_before + 2);
  EXPECT_NE(channel.sent()[sent_before].text.find("notifications/progress"), std::string::npos);
  EXPECT_FALSE(channel.sent()[sent_before].completes_frame);
  EXPECT_TRUE(channel.sent()[sent_before + 1].completes_frame);
}

TEST_F(SessionTest, BadLinesAreAnsweredAndTheSessionGoesOn) {
  client.initialize();
  channel.send_line("{not json", std::chrono::milliseconds(1));
  auto parse_error = channel.read_line(std::chrono::milliseconds(1));
  ASSERT_TRUE(parse_error);
  EXPECT_EQ(Json::parse(*parse_error)["error"]["code"], error_code::kParseError);
  EXPECT_TRUE(Json::parse(*parse_error)["id"].is_null());
  EXPECT_EQ(handler.records.back().kind, "invalid");
  EXPECT_EQ(handler.records.back().raw, "{not json");

  channel.send_line(R"({"jsonrpc":"2.0","id":9,"id":10,"method":"echo"})", std::chrono::milliseconds(1));
  EXPECT_EQ(Json::parse(*channel.read_line(std::chrono::milliseconds(1)))["error"]["code"],
            error_code::kInvalidRequest);

  Json echoed = answer_json(client, client.send_request("echo", Json{{"still", "alive"}}));
  EXPECT_EQ(echoed["result"]["still"], "alive");
}

TEST_F(SessionTest, BatchesOnlyOn20250326) {
  client.initialize("2025-11-25");
  channel.send_line(R"([{"jsonrpc":"2.0","id":1,"method":"echo"}])", std::chrono::milliseconds(1));
  Json refused = Json::parse(*channel.read_line(std::chrono::milliseconds(1)));
  EXPECT_EQ(refused["error"]["code"], error_code::kInvalidRequest);
  EXPECT_TRUE(handler.records.back().kind == "invalid");

  ProbeHandler h;
  MemoryChannel ch(h);
  ClientSession c(ch, std::chrono::milliseconds(50));
  c.initialize("2025-03-26");
  ch.send_line(R"([{"jsonrpc":"2.0","id":1,"method":"echo","params":{"n":1}},)"
               R"({"jsonrpc":"2.0","method":"notifications/x"},)"
               R"({"jsonrpc":"2.0","id":2,"method":"nope"},)"
               R"({"jsonrpc":"2.0","id":3.5,"method":"echo"},)"
               R"({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}])",
               std::chrono::milliseconds(1));
  auto line = ch.read_line(std::chrono::milliseconds(1));
  ASSERT_TRUE(line);
  Json answers = Json::parse(*line);
  ASSERT_TRUE(answers.is_array());
  ASSERT_EQ(answers.size(), 4u);  // no answer for the notification
  EXPECT_EQ(answers[0]["result"]["n"], 1);
  EXPECT_EQ(answers[1]["error"]["code"], error_code::kMethodNotFound);
  EXPECT_EQ(answers[2]["error"]["code"], error_code::kInvalidRequest);
  EXPECT_EQ(answers[3]["error"]["code"], error_code::kInvalidRequest);  // initialize cannot be batched
  EXPECT_FALSE(ch.read_line(std::chrono::milliseconds(1)));
}

TEST_F(SessionTest, DuplicateInFlightIdIsRefused) {
  client.initialize();
  channel.send_line(R"({"jsonrpc":"2.0","id":"x","method":"hold"})", std::chrono::milliseconds(1));
  channel.send_line(R"({"jsonrpc":"2.0","id":"x","method":"echo"})", std::chrono::milliseconds(1));
  Json refused = Json::parse(*channel.read_line(std::chrono::milliseconds(1)));
  EXPECT_EQ(refused["id"], "x");
  EXPECT_EQ(refused["error"]["code"], error_code::kInvalidRequest);
  ASSERT_EQ(handler.held.size(), 1u);
  handler.held[0]->reply(Json{{"released", true}});
  Json released = Json::parse(*channel.read_line(std::chrono::milliseconds(1)));
  EXPECT_EQ(released["result"]["released"], true);
}

TEST_F(SessionTest, CancelledRequestGetsNoAnswer) {
  client.initialize();
  RequestId held = client.send_request("hold");
  client.notify("notifications/cancelled", Json{{"requestId", held.to_json()}, {"reason", "test"}});
  EXPECT_EQ(handler.records.back().outcome, "cancelled");
  ASSERT_EQ(handler.held.size(), 1u);
  EXPECT_TRUE(handler.held[0]->cancelled());
  handler.held[0]->reply(Json::object());
  EXPECT_FALSE(channel.read_line(std::chrono::milliseconds(1)));
  // Cancelling an unknown id is ignored silently.
  client.notify("notifications/cancelled", Json{{"requestId", 424242}});
  EXPECT_EQ(handler.records.back().outcome, "ignored");
  EXPECT_FALSE(channel.read_line(std::chrono::milliseconds(1)));
}

TEST_F(SessionTest, DroppedRequestIsAnsweredWithInternalError) {
  client.initialize();
  Json dropped = answer_json(client, client.send_request("drop"));
  EXPECT_EQ(dropped["error"]["code"], error_code::kInternalError);
  EXPECT_EQ(handler.records.back().outcome, "dropped");
}

TEST_F(SessionTest, ServerToClientRequestRoundTrip) {
  client.initialize();
  RequestId held = client.send_request("hold");
  ASSERT_EQ(handler.held.size(), 1u);
  Json seen;
  handler.held[0]->ask_client("roots/list", Json::object(), [&](ClientAnswer answer) {
    seen = std::get<Json>(answer);
    handler.held[0]->reply(Json{{"roots_seen", seen["roots"].size()}});
  });
  Json asked = Json::parse(*channel.read_line(std::chrono::milliseconds(1)));
  EXPECT_EQ(asked["method"], "roots/list");
  channel.send_line(to_line(Json{{"jsonrpc", "2.0"}, {"id", asked["id"]}, {"result", {{"roots", Json::array({1, 2})}}}}),
                    std::chrono::milliseconds(1));
  Json final_answer = answer_json(client, held);
  EXPECT_EQ(final_answer["result"]["roots_seen"], 2);
}

}  // namespace
}  // namespace gatecrash::mcp
