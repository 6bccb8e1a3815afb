// tests/unit-conformance-fixture.cc — the conformance fixture over the in-memory transport.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "harness/base64.h"
#include "mcp/memory_transport.h"
#include "mock_servers/conformance.h"
#include "tests/test_support.h"

namespace gatecrash::mock {
namespace {

using mcp::Json;

std::string base64_decode(std::string_view text) {
  auto bytes = gatecrash::harness::decode_base64(text);
  EXPECT_TRUE(bytes.has_value()) << "not base64";
  return bytes.value_or("");
}

std::uint32_t be32(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
  return v;
}

std::uint32_t le(const std::string& bytes, std::size_t at, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
  return v;
}

Json error_of(const mcp::Message& answer) {
  if (auto* error = std::get_if<mcp::ErrorResponse>(&answer)) {
    return Json{{"code", error->error.code},
                {"message", error->error.message},
                {"data", error->error.data}};
  }
  ADD_FAILURE() << "expected a JSON-RPC error, got " << mcp::encode(answer);
  return Json::object();
}

Json result_of(const mcp::Message& answer) {
  if (auto* response = std::get_if<mcp::Response>(&answer)) return response->result;
  ADD_FAILURE() << "expected a result, got " << mcp::encode(answer);
  return Json::object();
}

const Json kClientCapabilities = {{"sampling", Json::object()}, {"elicitation", Json::object()}};

class ConformanceFixture : public ::testing::Test {
 protected:
  testing::TempDir dir;
  Ledger ledger{dir.file("ledger.jsonl")};
  ConformanceState state;
  ConformanceHandler handler{state, ledger, "mem:1"};
  mcp::MemoryChannel channel{handler};
  mcp::ClientSession client{channel, std::chrono::milliseconds(50)};

  Json start(std::string_view version = "2025-11-25", Json capabilities = kClientCapabilities) {
    return client.initialize(version, std::move(capabilities));
  }

  mcp::Message call(std::string name, Json arguments = Json::object(), Json meta = nullptr) {
    Json params = {{"name", std::move(name)}, {"arguments", std::move(arguments)}};
    if (!meta.is_null()) params["_meta"] = std::move(meta);
    return client.request("tools/call", std::move(params));
  }

  std::string first_text(const Json& result) {
    return result.at("content").at(0).at("text").get<std::string>();
  }

  // Every non-empty message the server sent from index `from` of channel.sent() on, parsed.
  std::vector<Json> sent_since(std::size_t from) {
    std::vector<Json> out;
    for (std::size_t i = from; i < channel.sent().size(); ++i) {
      if (!channel.sent()[i].text.empty()) out.push_back(Json::parse(channel.sent()[i].text));
    }
    return out;
  }

  // Reads the server's pending request to the client, checks its method, answers it with `answer`
  // (a result object, or an error when `as_error`), and returns the request.
  Json answer_server_request(std::string_view method, Json answer, bool as_error = false) {
    auto line = channel.read_line(std::chrono::milliseconds(0));
    if (!line) {
      ADD_FAILURE() << "the server sent no request";
      return Json::object();
    }
    Json request = Json::parse(*line);
    EXPECT_EQ(request.value("method", ""), method);
    const mcp::RequestId id(request.at("id").get<std::string>());
    const std::string reply =
        as_error ? mcp::encode(mcp::make_error(id, answer.at("code").get<int>(),
                                               answer.at("message").get<std::string>()))
                 : mcp::encode(mcp::Response{id, std::move(answer)});
    channel.send_line(reply, std::chrono::milliseconds(0));
    return request;
  }
};

TEST_F(ConformanceFixture, InitializeDeclaresTheReferenceServerCapabilities) {
  Json result = start();
  EXPECT_EQ(result["protocolVersion"], "2025-11-25");
  EXPECT_EQ(result["capabilities"],
            Json::parse(
                R"({"tools":{"listChanged":true},"resources":{"subscribe":true,"listChanged":true},
                           "prompts":{"listChanged":true},"logging":{},"completions":{}})"));
  EXPECT_EQ(result["serverInfo"]["name"], "gatecrash-conformance");
}

TEST_F(ConformanceFixture, ListsEveryFixtureTheSuiteNames) {
  start();
  Json tools = client.call("tools/list")["tools"];
  std::vector<std::string> names;
  for (const Json& tool : tools) {
    names.push_back(tool["name"]);
    EXPECT_FALSE(tool.value("description", "").empty()) << tool;
    EXPECT_EQ(tool["inputSchema"]["type"], "object") << tool;
    EXPECT_TRUE(tool.contains("title")) << tool;
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "test_simple_text", "test_image_content", "test_audio_content",
                       "test_embedded_resource", "test_multiple_content_types",
                       "test_tool_with_logging", "test_tool_with_progress", "test_error_handling",
                       "test_sampling", "test_elicitation", "test_elicitation_sep1034_defaults",
                       "test_elicitation_sep1330_enums", "json_schema_2020_12_tool",
                       "test_reconnection"}));
  const Json& schema = tools[12]["inputSchema"];  // json-schema-2020-12: kept verbatim
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  EXPECT_TRUE(schema["$defs"].contains("address"));
  EXPECT_EQ(schema["additionalProperties"], false);
  EXPECT_EQ(tools[8]["inputSchema"]["required"], Json::array({"prompt"}));

  Json resources = client.call("resources/list")["resources"];
  ASSERT_EQ(resources.size(), 3u);
  EXPECT_EQ(resources[0]["uri"], "test://static-text");
  EXPECT_EQ(resources[1]["uri"], "test://static-binary");
  EXPECT_EQ(resources[2]["uri"], "test://watched-resource");
  for (const Json& resource : resources)
    EXPECT_TRUE(resource.contains("name") && resource.contains("mimeType"));
  Json templates = client.call("resources/templates/list")["resourceTemplates"];
  ASSERT_EQ(templates.size(), 1u);
  EXPECT_EQ(templates[0]["uriTemplate"], "test://template/{id}/data");

  Json prompts = client.call("prompts/list")["prompts"];
  ASSERT_EQ(prompts.size(), 4u);
  EXPECT_EQ(prompts[0]["name"], "test_simple_prompt");
  EXPECT_EQ(prompts[1]["name"], "test_prompt_with_arguments");
  EXPECT_EQ(prompts[1]["arguments"][0]["name"], "arg1");
  EXPECT_EQ(prompts[1]["arguments"][1]["name"], "arg2");
  EXPECT_EQ(prompts[1]["arguments"][1]["required"], true);
  EXPECT_EQ(prompts[2]["arguments"][0]["name"], "resourceUri");
  EXPECT_EQ(prompts[3]["name"], "test_prompt_with_image");

  EXPECT_EQ(error_of(client.request("tools/list", {{"cursor", "x"}}))["code"],
            mcp::error_code::kInvalidParams);
}

TEST_F(ConformanceFixture, ContentToolsReturnTheShapesTheSuiteChecks) {
  start();
  Json text = result_of(call("test_simple_text"));
  EXPECT_EQ(
      text,
      Json::parse(
          R"({"content":[{"type":"text","text":"This is a simple text response for testing."}]})"));

  Json image = result_of(call("test_image_content"))["content"][0];
  EXPECT_EQ(image["type"], "image");
  EXPECT_EQ(image["mimeType"], "image/png");
  const std::string png = base64_decode(image["data"].get<std::string>());
  ASSERT_GE(png.size(), 8u + 25 + 12);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(png, 16), 1u);           // width
  EXPECT_EQ(be32(png, 20), 1u);           // height
  EXPECT_EQ(be32(png, 29), 0x907753DEu);  // the well-known CRC of a 1x1 8-bit RGB IHDR
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
  EXPECT_EQ(be32(png, png.size() - 4), 0xAE426082u);  // IEND's CRC is a constant

  Json audio = result_of(call("test_audio_content"))["content"][0];
  EXPECT_EQ(audio["type"], "audio");
  EXPECT_EQ(audio["mimeType"], "audio/wav");
  const std::string wav = base64_decode(audio["data"].get<std::string>());
  ASSERT_GT(wav.size(), 44u);
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(le(wav, 4, 4), wav.size() - 8);
  EXPECT_EQ(wav.substr(8, 8), "WAVEfmt ");
  EXPECT_EQ(le(wav, 20, 2), 1u);  // PCM
  EXPECT_EQ(wav.substr(36, 4), "data");
  EXPECT_EQ(le(wav, 40, 4), wav.size() - 44);

  Json embedded = result_of(call("test_embedded_resource"))["content"][0];
  EXPECT_EQ(embedded["type"], "resource");
  EXPECT_EQ(embedded["resource"]["uri"], "test://embedded-resource");
  EXPECT_EQ(embedded["resource"]["mimeType"], "text/plain");
  EXPECT_FALSE(embedded["resource"]["text"].get<std::string>().empty());

  Json mixed = result_of(call("test_multiple_content_types"))["content"];
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[0]["type"], "text");
  EXPECT_EQ(mixed[1]["type"], "image");
  EXPECT_EQ(mixed[2]["type"], "resource");
  EXPECT_EQ(Json::parse(mixed[2]["resource"]["text"].get<std::string>())["value"], 123);

  Json failed = result_of(call("test_error_handling"));
  EXPECT_EQ(failed["isError"], true);
  EXPECT_EQ(first_text(failed), "This tool intentionally returns an error for testing");
}

TEST_F(ConformanceFixture, LogMessagesPrecedeTheResultAndFollowTheLevel) {
  start();
  EXPECT_EQ(client.call("logging/setLevel", {{"level", "debug"}}), Json::object());
  const std::size_t mark = channel.sent().size();
  const mcp::RequestId id = client.send_request(
      "tools/call", {{"name", "test_tool_with_logging"}, {"arguments", Json::object()}});
  Json result = result_of(client.await_answer(id));
  std::vector<Json> sent = sent_since(mark);
  ASSERT_EQ(sent.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sent[i]["method"], "notifications/message");
    EXPECT_EQ(sent[i]["params"]["level"], "info");
  }
  EXPECT_EQ(sent[0]["params"]["data"], "Tool execution started");
  EXPECT_EQ(sent[2]["params"]["data"], "Tool execution completed");
  EXPECT_EQ(sent[3]["id"], id.to_json());  // the result comes last

  EXPECT_EQ(client.call("logging/setLevel", {{"level", "error"}}), Json::object());
  const std::size_t quiet = channel.sent().size();
  result = result_of(call("test_tool_with_logging"));
  EXPECT_EQ(sent_since(quiet).size(), 1u);  // only the result
  EXPECT_NE(first_text(result).find("0 of 3"), std::string::npos);

  EXPECT_EQ(error_of(client.request("logging/setLevel", {{"level", "loud"}}))["code"],
            mcp::error_code::kInvalidParams);
}

TEST_F(ConformanceFixture, ProgressUsesTheRequestTokenAndPrecedesTheResult) {
  start();
  const std::size_t mark = channel.sent().size();
  Json result = result_of(
      call("test_tool_with_progress", Json::object(), {{"progressToken", "progress-test-1"}}));
  std::vector<Json> sent = sent_since(mark);
  ASSERT_EQ(sent.size(), 4u);
  double last = -1;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sent[i]["method"], "notifications/progress");
    EXPECT_EQ(sent[i]["params"]["progressToken"], "progress-test-1");
    EXPECT_EQ(sent[i]["params"]["total"], 100);
    EXPECT_GT(sent[i]["params"]["progress"].get<double>(), last);
    last = sent[i]["params"]["progress"].get<double>();
  }
  EXPECT_EQ(last, 100);
  EXPECT_TRUE(sent[3].contains("result"));

  const std::size_t numbered = channel.sent().size();
  result_of(call("test_tool_with_progress", Json::object(), {{"progressToken", 7}}));
  EXPECT_EQ(sent_since(numbered).at(0)["params"]["progressToken"], 7);

  const std::size_t untracked = channel.sent().size();
  result = result_of(call("test_tool_with_progress"));
  EXPECT_EQ(sent_since(untracked).size(), 1u);  // no token, no progress
}

TEST_F(ConformanceFixture, SamplingRoundTripReturnsTheModelAnswer) {
  start();
  const mcp::RequestId id = client.send_request(
      "tools/call",
      {{"name", "test_sampling"}, {"arguments", {{"prompt", "Test prompt for sampling"}}}});
  Json request = answer_server_request(
      "sampling/createMessage",
      {{"role", "assistant"},
       {"content", {{"type", "text"}, {"text", "This is a test response from the client"}}},
       {"model", "test-model"},
       {"stopReason", "endTurn"}});
  EXPECT_EQ(request["params"]["maxTokens"], 100);
  EXPECT_EQ(request["params"]["messages"][0]["role"], "user");
  EXPECT_EQ(request["params"]["messages"][0]["content"]["text"], "Test prompt for sampling");
  Json result = result_of(client.await_answer(id));
  EXPECT_EQ(first_text(result), "LLM response: This is a test response from the client");
  EXPECT_FALSE(result.contains("isError"));

  // A client that refuses the sampling request turns the call into a tool-execution error.
  const mcp::RequestId refused = client.send_request(
      "tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "again"}}}});
  answer_server_request("sampling/createMessage",
                        {{"code", -1}, {"message", "User rejected sampling"}}, true);
  result = result_of(client.await_answer(refused));
  EXPECT_EQ(result["isError"], true);
  EXPECT_NE(first_text(result).find("User rejected sampling"), std::string::npos);
}

TEST_F(ConformanceFixture, SamplingNeedsTheClientCapability) {
  start("2025-11-25", Json::object());
  Json result = result_of(call("test_sampling", {{"prompt", "hi"}}));
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(channel.read_line(std::chrono::milliseconds(0)).has_value());  // nothing was asked
}

TEST_F(ConformanceFixture, ElicitationAsksForUsernameAndEmail) {
  start();
  const mcp::RequestId id = client.send_request(
      "tools/call", {{"name", "test_elicitation"},
                     {"arguments", {{"message", "Please provide your information"}}}});
  Json request = answer_server_request(
      "elicitation/create",
      {{"action", "accept"},
       {"content", {{"username", "testuser"}, {"email", "test@example.com"}}}});
  EXPECT_EQ(request["params"]["message"], "Please provide your information");
  EXPECT_EQ(request["params"]["mode"], "form");
  EXPECT_EQ(request["params"]["requestedSchema"]["required"], Json::array({"username", "email"}));
  Json result = result_of(client.await_answer(id));
  const std::string content = R"({"email":"test@example.com","username":"testuser"})";
  EXPECT_EQ(first_text(result), "User response: action=accept, content=" + content);

  const mcp::RequestId declined = client.send_request(
      "tools/call", {{"name", "test_elicitation"}, {"arguments", {{"message", "again"}}}});
  answer_server_request("elicitation/create", {{"action", "decline"}});
  EXPECT_EQ(first_text(result_of(client.await_answer(declined))),
            "User response: action=decline, content={}");
}

TEST_F(ConformanceFixture, ElicitationSep1034SendsADefaultForEveryPrimitive) {
  start();
  const mcp::RequestId id =
      client.send_request("tools/call", {{"name", "test_elicitation_sep1034_defaults"}});
  Json request = answer_server_request("elicitation/create", {{"action", "accept"},
                                                              {"content",
                                                               {{"name", "Jane Smith"},
                                                                {"age", 25},
                                                                {"score", 88},
                                                                {"status", "inactive"},
                                                                {"verified", false}}}});
  const Json& properties = request["params"]["requestedSchema"]["properties"];
  EXPECT_EQ(properties["name"]["default"], "John Doe");
  EXPECT_EQ(properties["age"]["type"], "integer");
  EXPECT_EQ(properties["age"]["default"], 30);
  EXPECT_EQ(properties["score"]["default"], 95.5);
  EXPECT_EQ(properties["status"]["enum"], Json::array({"active", "inactive", "pending"}));
  EXPECT_EQ(properties["status"]["default"], "active");
  EXPECT_EQ(properties["verified"]["default"], true);
  Json result = result_of(client.await_answer(id));
  EXPECT_EQ(first_text(result).rfind("Elicitation completed: action=accept, content=", 0), 0u);
}

TEST_F(ConformanceFixture, ElicitationSep1330SendsTheFiveEnumVariantsAndChecksTheAnswer) {
  start();
  const Json accepted = {{"action", "accept"},
                         {"content",
                          {{"untitledSingle", "option1"},
                           {"titledSingle", "value1"},
                           {"legacyEnum", "opt1"},
                           {"untitledMulti", {"option1", "option2"}},
                           {"titledMulti", {"value1", "value2"}}}}};
  const mcp::RequestId id =
      client.send_request("tools/call", {{"name", "test_elicitation_sep1330_enums"}});
  Json request = answer_server_request("elicitation/create", accepted);
  const Json& p = request["params"]["requestedSchema"]["properties"];
  EXPECT_TRUE(p["untitledSingle"]["enum"].is_array());
  EXPECT_FALSE(p["untitledSingle"].contains("oneOf") || p["untitledSingle"].contains("enumNames"));
  EXPECT_EQ(p["titledSingle"]["oneOf"][0],
            Json::parse(R"({"const":"value1","title":"First Option"})"));
  EXPECT_FALSE(p["titledSingle"].contains("enum"));
  EXPECT_EQ(p["legacyEnum"]["enumNames"].size(), p["legacyEnum"]["enum"].size());
  EXPECT_EQ(p["untitledMulti"]["type"], "array");
  EXPECT_EQ(p["untitledMulti"]["items"]["type"], "string");
  EXPECT_TRUE(p["titledMulti"]["items"]["anyOf"].is_array());
  EXPECT_FALSE(p["titledMulti"]["items"].contains("enum"));
  EXPECT_FALSE(result_of(client.await_answer(id)).contains("isError"));

  // Content outside the offered options is reported, not echoed as a success.
  Json wrong = accepted;
  wrong["content"]["untitledSingle"] = "option9";
  const mcp::RequestId second =
      client.send_request("tools/call", {{"name", "test_elicitation_sep1330_enums"}});
  answer_server_request("elicitation/create", wrong);
  Json result = result_of(client.await_answer(second));
  EXPECT_EQ(result["isError"], true);
  EXPECT_NE(first_text(result).find("/untitledSingle"), std::string::npos);
}

TEST_F(ConformanceFixture, ElicitationFollowsTheNegotiatedVersion) {
  start("2025-06-18");
  const mcp::RequestId id =
      client.send_request("tools/call", {{"name", "test_elicitation_sep1034_defaults"}});
  Json request = answer_server_request("elicitation/create", {{"action", "cancel"}});
  EXPECT_FALSE(request["params"].contains("mode"));  // mode arrived in 2025-11-25
  EXPECT_EQ(first_text(result_of(client.await_answer(id))),
            "Elicitation completed: action=cancel, content={}");

  ConformanceHandler old_handler(state, ledger, "mem:old");
  mcp::MemoryChannel old_channel(old_handler);
  mcp::ClientSession old_client(old_channel, std::chrono::milliseconds(50));
  old_client.initialize("2025-03-26", kClientCapabilities);
  Json result = old_client.call_tool("test_elicitation", {{"message", "hi"}});
  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(old_client.call("tools/list")["tools"][0].contains("title"));
}

TEST_F(ConformanceFixture, ResourcesReadAndNotFound) {
  start();
  Json text = client.call("resources/read", {{"uri", "test://static-text"}})["contents"][0];
  EXPECT_EQ(text, Json::parse(R"({"uri":"test://static-text","mimeType":"text/plain",
                                 "text":"This is the content of the static text resource."})"));
  Json binary = client.call("resources/read", {{"uri", "test://static-binary"}})["contents"][0];
  EXPECT_EQ(binary["mimeType"], "image/png");
  EXPECT_EQ(binary["blob"], fixture_png_base64());
  Json templated =
      client.call("resources/read", {{"uri", "test://template/123/data"}})["contents"][0];
  EXPECT_EQ(templated["uri"], "test://template/123/data");
  EXPECT_EQ(templated["mimeType"], "application/json");
  EXPECT_EQ(Json::parse(templated["text"].get<std::string>())["id"], "123");

  for (const char* missing :
       {"test://nothing", "test://template//data", "test://template/a/b/data"}) {
    Json error = error_of(client.request("resources/read", {{"uri", missing}}));
    EXPECT_EQ(error["code"], mcp::error_code::kResourceNotFound) << missing;
    EXPECT_EQ(error["data"]["uri"], missing);
  }
  EXPECT_EQ(error_of(client.request("resources/read", Json::object()))["code"],
            mcp::error_code::kInvalidParams);
}

TEST_F(ConformanceFixture, SubscriptionsAreTrackedPerConnection) {
  start();
  EXPECT_EQ(client.call("resources/subscribe", {{"uri", "test://watched-resource"}}),
            Json::object());
  EXPECT_EQ(state.subscriptions("mem:1"), std::vector<std::string>{"test://watched-resource"});
  EXPECT_EQ(client.call("resources/unsubscribe", {{"uri", "test://watched-resource"}}),
            Json::object());
  EXPECT_TRUE(state.subscriptions("mem:1").empty());
  EXPECT_EQ(error_of(client.request("resources/subscribe", {{"uri", "test://nothing"}}))["code"],
            mcp::error_code::kResourceNotFound);
  {
    ConformanceHandler other(state, ledger, "mem:2");
    mcp::MemoryChannel other_channel(other);
    mcp::ClientSession other_client(other_channel, std::chrono::milliseconds(50));
    other_client.initialize();
    other_client.call("resources/subscribe", {{"uri", "test://static-text"}});
    EXPECT_EQ(state.subscriptions("mem:2").size(), 1u);
  }
  EXPECT_TRUE(state.subscriptions("mem:2").empty());  // an ended session watches nothing
}

TEST_F(ConformanceFixture, PromptsSubstituteAndEmbed) {
  start();
  Json simple = client.call("prompts/get", {{"name", "test_simple_prompt"}})["messages"];
  EXPECT_EQ(simple[0]["role"], "user");
  EXPECT_EQ(simple[0]["content"]["text"], "This is a simple prompt for testing.");
  Json with_args =
      client.call("prompts/get", {{"name", "test_prompt_with_arguments"},
                                  {"arguments", {{"arg1", "testValue1"}, {"arg2", "testValue2"}}}});
  EXPECT_EQ(with_args["messages"][0]["content"]["text"],
            "Prompt with arguments: arg1='testValue1', arg2='testValue2'");
  Json embedded = client.call(
      "prompts/get", {{"name", "test_prompt_with_embedded_resource"},
                      {"arguments", {{"resourceUri", "test://example-resource"}}}})["messages"];
  EXPECT_EQ(embedded[0]["content"]["type"], "resource");
  EXPECT_EQ(embedded[0]["content"]["resource"]["uri"], "test://example-resource");
  Json real = client.call("prompts/get",
                          {{"name", "test_prompt_with_embedded_resource"},
                           {"arguments", {{"resourceUri", "test://static-text"}}}})["messages"];
  EXPECT_EQ(real[0]["content"]["resource"]["text"],
            "This is the content of the static text resource.");
  Json image = client.call("prompts/get", {{"name", "test_prompt_with_image"}})["messages"];
  EXPECT_EQ(image[0]["content"]["type"], "image");
  EXPECT_EQ(image[0]["content"]["mimeType"], "image/png");
  EXPECT_EQ(image[1]["content"]["type"], "text");

  EXPECT_EQ(error_of(client.request("prompts/get", {{"name", "nope"}}))["code"],
            mcp::error_code::kInvalidParams);
  EXPECT_EQ(
      error_of(client.request("prompts/get", {{"name", "test_prompt_with_arguments"},
                                              {"arguments", {{"arg1", "only one"}}}}))["code"],
      mcp::error_code::kInvalidParams);
  EXPECT_EQ(error_of(client.request("prompts/get",
                                    {{"name", "test_prompt_with_arguments"},
                                     {"arguments", {{"arg1", 1}, {"arg2", "x"}}}}))["code"],
            mcp::error_code::kInvalidParams);
}

TEST_F(ConformanceFixture, CompletionFiltersCandidatesByPrefix) {
  start();
  Json completion =
      client.call("completion/complete",
                  {{"ref", {{"type", "ref/prompt"}, {"name", "test_prompt_with_arguments"}}},
                   {"argument", {{"name", "arg1"}, {"value", "test"}}}})["completion"];
  EXPECT_EQ(completion["values"], Json::array({"test", "testValue1"}));
  EXPECT_EQ(completion["total"], 2);
  EXPECT_EQ(completion["hasMore"], false);
  Json ids = client.call("completion/complete",
                         {{"ref", {{"type", "ref/resource"}, {"uri", "test://template/{id}/data"}}},
                          {"argument", {{"name", "id"}, {"value", "1"}}}})["completion"];
  EXPECT_EQ(ids["values"], Json::array({"1", "123"}));
  EXPECT_EQ(error_of(client.request("completion/complete",
                                    {{"ref", {{"type", "ref/prompt"}, {"name", "nope"}}},
                                     {"argument", {{"name", "arg1"}, {"value", ""}}}}))["code"],
            mcp::error_code::kInvalidParams);
  EXPECT_EQ(
      error_of(client.request("completion/complete",
                              {{"ref", {{"type", "ref/prompt"}, {"name", "test_simple_prompt"}}},
                               {"argument", {{"name", "arg1"}, {"value", ""}}}}))["code"],
      mcp::error_code::kInvalidParams);
}

TEST_F(ConformanceFixture, ProtocolErrorsAndArgumentErrorsByVersion) {
  start();
  Json unknown = error_of(call("no_such_tool"));
  EXPECT_EQ(unknown["code"], mcp::error_code::kInvalidParams);
  EXPECT_NE(unknown["message"].get<std::string>().find("Unknown tool: no_such_tool"),
            std::string::npos);
  EXPECT_EQ(error_of(client.request("sampling/createMessage", Json::object()))["code"],
            mcp::error_code::kMethodNotFound);
  // 2025-11-25: bad arguments are tool-execution errors.
  EXPECT_EQ(result_of(call("test_sampling"))["isError"], true);
  EXPECT_EQ(result_of(call("test_simple_text", {{"unexpected", 1}}))["isError"], true);
  EXPECT_EQ(error_of(client.request("tools/call",
                                    {{"name", "test_simple_text"}, {"arguments", "x"}}))["code"],
            mcp::error_code::kInvalidParams);

  ConformanceHandler older(state, ledger, "mem:older");
  mcp::MemoryChannel older_channel(older);
  mcp::ClientSession older_client(older_channel, std::chrono::milliseconds(50));
  older_client.initialize("2025-06-18", kClientCapabilities);
  Json before = error_of(older_client.request(
      "tools/call", {{"name", "test_sampling"}, {"arguments", Json::object()}}));
  EXPECT_EQ(before["code"],
            mcp::error_code::kInvalidParams);  // before 2025-11-25: a protocol error

  ConformanceHandler oldest(state, ledger, "mem:oldest");
  mcp::MemoryChannel oldest_channel(oldest);
  mcp::ClientSession oldest_client(oldest_channel, std::chrono::milliseconds(50));
  oldest_client.initialize("2024-11-05", kClientCapabilities);
  EXPECT_EQ(oldest_client.call_tool("test_audio_content")["isError"],
            true);  // no audio blocks in 2024-11-05
}

TEST_F(ConformanceFixture, LedgerHasOneLinePerInboundMessage) {
  start();
  call("test_simple_text");
  call("no_such_tool");
  call("test_error_handling");
  const mcp::RequestId id = client.send_request(
      "tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "p"}}}});
  answer_server_request(
      "sampling/createMessage",
      {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "x"}}}, {"model", "m"}});
  result_of(client.await_answer(id));

  auto lines = testing::read_json_lines(ledger.path());
  ASSERT_EQ(lines.size(), 7u);  // initialize, initialized, 4 tools/call, the sampling response
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["server"], "conformance");
    EXPECT_EQ(lines[i]["conn"], "mem:1");
    EXPECT_EQ(lines[i]["seq"], i + 1);
  }
  EXPECT_EQ(lines[0]["method"], "initialize");
  EXPECT_EQ(lines[1]["method"], "notifications/initialized");
  EXPECT_EQ(lines[2]["tool"], "test_simple_text");
  EXPECT_EQ(lines[2]["outcome"], "ok");
  EXPECT_EQ(lines[3]["outcome"], "unknown_tool");
  EXPECT_EQ(lines[4]["outcome"], "tool_error");
  // The client's answer reaches the server before the tool can finish, so it is ledgered first.
  EXPECT_EQ(lines[5]["kind"], "response");
  EXPECT_EQ(lines[5]["outcome"], "ok");
  EXPECT_EQ(lines[6]["tool"], "test_sampling");
  EXPECT_EQ(lines[6]["effect"], "sampled:m");
}

}  // namespace
}  // namespace gatecrash::mock
