// mock_servers/conformance_tools.cc — the conformance fixture's tools: tools/list and tools/call.
#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <utility>
#include <variant>

#include "mock_servers/conformance.h"
#include "mock_servers/conformance_internal.h"
#include "mock_servers/schema.h"

namespace gatecrash::mock {

using mcp::Json;
using mcp::ProtocolVersion;
using mcp::RequestContext;
using Context = std::shared_ptr<mcp::RequestContext>;
using namespace conformance;

namespace {

Json text_result(std::string text) {
  return Json{{"content", Json::array({text_block(std::move(text))})}};
}

Json error_result(std::string text) {
  Json result = text_result(std::move(text));
  result["isError"] = true;
  return result;
}

std::string version_of(const RequestContext& ctx) {
  return std::string(mcp::to_string(ctx.client().version));
}

struct ToolCall {
  Context ctx;
  const Json& arguments;  // already valid against the tool's schema
  const ConformanceHandler& handler;
};

void run_simple_text(ToolCall& call) {
  call.ctx->reply(text_result("This is a simple text response for testing."));
}

void run_image(ToolCall& call) { call.ctx->reply(Json{{"content", Json::array({image_block()})}}); }

void run_audio(ToolCall& call) {
  if (call.ctx->client().version < ProtocolVersion::v2025_03_26) {
    call.ctx->reply(
        error_result(
            "Audio content needs protocol version 2025-03-26 or later; this session uses " +
            version_of(*call.ctx)),
        "tool_error");
    return;
  }
  call.ctx->reply(Json{
      {"content",
       Json::array({Json{{"type", "audio"}, {"data", wav_base64()}, {"mimeType", "audio/wav"}}})}});
}

void run_embedded_resource(ToolCall& call) {
  Json resource = {{"uri", "test://embedded-resource"},
                   {"mimeType", "text/plain"},
                   {"text", "This is an embedded resource content."}};
  call.ctx->reply(Json{
      {"content", Json::array({Json{{"type", "resource"}, {"resource", std::move(resource)}}})}});
}

void run_multiple_content_types(ToolCall& call) {
  Json resource = {{"uri", "test://mixed-content-resource"},
                   {"mimeType", "application/json"},
                   {"text", mcp::to_line(Json{{"test", "data"}, {"value", 123}})}};
  call.ctx->reply(Json{
      {"content", Json::array({text_block("Multiple content types test:"), image_block(),
                               Json{{"type", "resource"}, {"resource", std::move(resource)}}})}});
}

void run_with_logging(ToolCall& call) {
  int sent = 0;
  for (const char* step :
       {"Tool execution started", "Tool processing data", "Tool execution completed"}) {
    sent += call.handler.send_log(*call.ctx, "info", step) ? 1 : 0;
  }
  call.ctx->reply(text_result("Tool with logging executed successfully; " + std::to_string(sent) +
                              " of 3 info log messages passed the session's logging level"),
                  "ok", "logged:" + std::to_string(sent));
}

void run_with_progress(ToolCall& call) {
  const Json& params = call.ctx->request().params;
  const Json meta = params.value("_meta", Json::object());
  const Json token = meta.is_object() ? meta.value("progressToken", Json(nullptr)) : Json(nullptr);
  for (int step : {0, 50, 100}) {
    call.ctx->progress(step, 100, "Completed step " + std::to_string(step) + " of 100");
  }
  const bool reported = token.is_string() || token.is_number_integer();
  call.ctx->reply(
      text_result(reported
                      ? "Reported progress 0, 50 and 100 of 100 for token " + mcp::to_line(token)
                      : "Done; no _meta.progressToken was given, so no progress was reported"),
      "ok", reported ? "progress:3" : "");
}

void run_error_handling(ToolCall& call) {
  call.ctx->reply(error_result("This tool intentionally returns an error for testing"),
                  "tool_error");
}

// The text of a CreateMessageResult: its text block, or its text blocks joined (2025-11-25 arrays).
std::optional<std::string> sampled_text(const Json& result) {
  if (!result.is_object() || !result.contains("content")) return std::nullopt;
  const Json& content = result["content"];
  const Json blocks = content.is_array() ? content : Json::array({content});
  std::optional<std::string> text;
  for (const Json& block : blocks) {
    if (string_member(block, "type") != "text" || !block.contains("text") ||
        !block["text"].is_string())
      continue;
    text =
        text ? *text + "\n" + block["text"].get<std::string>() : block["text"].get<std::string>();
  }
  return text;
}

void run_sampling(ToolCall& call) {
  const Context ctx = call.ctx;
  if (!ctx->client().capabilities.contains("sampling")) {
    ctx->reply(
        error_result(
            "test_sampling needs the sampling capability, which this client did not declare"),
        "tool_error");
    return;
  }
  Json message = user_message(text_block(call.arguments["prompt"].get<std::string>()));
  Json params = {{"messages", Json::array({std::move(message)})}, {"maxTokens", 100}};
  ctx->ask_client("sampling/createMessage", std::move(params), [ctx](mcp::ClientAnswer answer) {
    if (auto* error = std::get_if<mcp::ErrorObject>(&answer)) {
      ctx->reply(error_result("The client refused sampling/createMessage: " +
                              std::to_string(error->code) + " " + error->message),
                 "tool_error");
      return;
    }
    const Json& result = std::get<Json>(answer);
    auto text = sampled_text(result);
    if (!text) {
      ctx->reply(error_result("The sampling/createMessage result has no text content: " +
                              mcp::to_line(result)),
                 "tool_error");
      return;
    }
    const std::string model = string_member(result, "model");
    ctx->reply(text_result("LLM response: " + *text), "ok", "sampled:" + model);
  });
}

// Asks the client to fill `schema` and replies "<summary>: action=..., content=..." with its
// answer.
void elicit(ToolCall& call, std::string message, Json schema, std::string summary) {
  const Context ctx = call.ctx;
  const ProtocolVersion version = ctx->client().version;
  if (version < ProtocolVersion::v2025_06_18) {
    ctx->reply(
        error_result("Elicitation needs protocol version 2025-06-18 or later; this session uses " +
                     version_of(*ctx)),
        "tool_error");
    return;
  }
  if (!ctx->client().capabilities.contains("elicitation")) {
    ctx->reply(error_result(
                   "This tool needs the elicitation capability, which this client did not declare"),
               "tool_error");
    return;
  }
  Json params = {{"message", std::move(message)}, {"requestedSchema", schema}};
  if (version >= ProtocolVersion::v2025_11_25) params["mode"] = "form";
  auto on_answer = [ctx, schema = std::move(schema),
                    summary = std::move(summary)](mcp::ClientAnswer answer) {
    if (auto* error = std::get_if<mcp::ErrorObject>(&answer)) {
      ctx->reply(error_result("The client refused elicitation/create: " +
                              std::to_string(error->code) + " " + error->message),
                 "tool_error");
      return;
    }
    const Json& result = std::get<Json>(answer);
    const std::string action = string_member(result, "action");
    if (action != "accept" && action != "decline" && action != "cancel") {
      ctx->reply(error_result("The elicitation/create result has no valid action: " +
                              mcp::to_line(result)),
                 "tool_error");
      return;
    }
    const Json content =
        result.is_object() ? result.value("content", Json::object()) : Json::object();
    if (action == "accept") {
      if (auto problem = validate_arguments(schema, content)) {
        ctx->reply(
            error_result("The accepted elicitation content does not match the requested schema: " +
                         *problem),
            "tool_error");
        return;
      }
    }
    ctx->reply(text_result(summary + ": action=" + action + ", content=" + mcp::to_line(content)),
               "ok", "elicitation:" + action);
  };
  ctx->ask_client("elicitation/create", std::move(params), std::move(on_answer));
}

// The requested schemas of the elicitation tools, as the suite's scenario descriptions give them.
constexpr std::string_view kUserSchema = R"json({"type": "object",
  "properties": {
    "username": {"type": "string", "description": "User's response"},
    "email": {"type": "string", "description": "User's email address", "format": "email"}},
  "required": ["username", "email"]})json";

constexpr std::string_view kDefaultsSchema = R"json({"type": "object", "required": [],
  "properties": {
    "name": {"type": "string", "description": "User name", "default": "John Doe"},
    "age": {"type": "integer", "description": "User age", "default": 30},
    "score": {"type": "number", "description": "User score", "default": 95.5},
    "status": {"type": "string", "description": "User status",
               "enum": ["active", "inactive", "pending"], "default": "active"},
    "verified": {"type": "boolean", "description": "Verification status", "default": true}}})json";

constexpr std::string_view kEnumsSchema = R"json({"type": "object", "required": [],
  "properties": {
    "untitledSingle": {"type": "string", "description": "Select one option",
                       "enum": ["option1", "option2", "option3"]},
    "titledSingle": {"type": "string", "description": "Select one option with titles",
                     "oneOf": [{"const": "value1", "title": "First Option"},
                               {"const": "value2", "title": "Second Option"},
                               {"const": "value3", "title": "Third Option"}]},
    "legacyEnum": {"type": "string", "description": "Select one option (legacy)",
                   "enum": ["opt1", "opt2", "opt3"],
                   "enumNames": ["Option One", "Option Two", "Option Three"]},
    "untitledMulti": {"type": "array", "description": "Select multiple options",
                      "minItems": 1, "maxItems": 3,
                      "items": {"type": "string", "enum": ["option1", "option2", "option3"]}},
    "titledMulti": {"type": "array", "description": "Select multiple options with titles",
                    "minItems": 1, "maxItems": 3,
                    "items": {"anyOf": [{"const": "value1", "title": "First Choice"},
                                        {"const": "value2", "title": "Second Choice"},
                                        {"const": "value3", "title": "Third Choice"}]}}}})json";

void run_elicitation(ToolCall& call) {
  static const Json schema = Json::parse(kUserSchema);
  elicit(call, call.arguments["message"].get<std::string>(), schema, "User response");
}

void run_elicitation_defaults(ToolCall& call) {
  static const Json schema = Json::parse(kDefaultsSchema);
  elicit(call, "Please review and update the form fields with defaults", schema,
         "Elicitation completed");
}

void run_elicitation_enums(ToolCall& call) {
  static const Json schema = Json::parse(kEnumsSchema);
  elicit(call, "Please select options from the enum fields", schema, "Elicitation completed");
}

void run_json_schema_2020_12(ToolCall& call) {
  call.ctx->reply(
      text_result("JSON Schema 2020-12 tool called with: " + mcp::to_line(call.arguments)));
}

void run_reconnection(ToolCall& call) {
  // The session layer gives a handler no way to close the request's SSE stream, so the result
  // goes out on the POST stream at once; the suite's server-sse-polling reports that as INFO.
  call.ctx->reply(
      text_result("Reconnection test completed; the result was sent on the request's own stream"));
}

// The tools as tools/list serves them (titles dropped before 2025-06-18), in the suite's order.
constexpr std::string_view kToolsJson = R"json([
  {"name": "test_simple_text", "title": "Simple Text",
   "description": "Returns one text block",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_image_content", "title": "Image Content",
   "description": "Returns a 1x1 PNG image block",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_audio_content", "title": "Audio Content",
   "description": "Returns a short WAV audio block",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_embedded_resource", "title": "Embedded Resource",
   "description": "Returns an embedded text resource",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_multiple_content_types", "title": "Multiple Content Types",
   "description": "Returns text, image and resource blocks",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_tool_with_logging", "title": "Tool With Logging",
   "description": "Sends three info notifications/message before its result",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_tool_with_progress", "title": "Tool With Progress",
   "description": "Reports progress 0, 50 and 100 of 100 for the request's progressToken",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_error_handling", "title": "Error Handling",
   "description": "Always fails with an isError result",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_sampling", "title": "Sampling",
   "description": "Asks the client to sample an LLM (sampling/createMessage), returns the answer",
   "inputSchema": {"type": "object", "additionalProperties": false, "required": ["prompt"],
                   "properties": {"prompt": {"type": "string",
                                             "description": "The prompt to send to the LLM"}}}},
  {"name": "test_elicitation", "title": "Elicitation",
   "description": "Asks the user for a username and email (elicitation/create)",
   "inputSchema": {"type": "object", "additionalProperties": false, "required": ["message"],
                   "properties": {"message": {"type": "string",
                                              "description": "The message to show the user"}}}},
  {"name": "test_elicitation_sep1034_defaults", "title": "Elicitation Defaults",
   "description": "Elicits primitive fields that carry default values (SEP-1034)",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "test_elicitation_sep1330_enums", "title": "Elicitation Enums",
   "description": "Elicits the five enum schema variants of SEP-1330",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}},
  {"name": "json_schema_2020_12_tool", "title": "JSON Schema 2020-12",
   "description": "Lists an input schema with $schema, $defs and additionalProperties (SEP-1613)",
   "inputSchema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "$defs": {"address": {"type": "object",
                                         "properties": {"street": {"type": "string"},
                                                        "city": {"type": "string"}}}},
                   "properties": {"name": {"type": "string"},
                                  "address": {"$ref": "#/$defs/address"}},
                   "additionalProperties": false}},
  {"name": "test_reconnection", "title": "Reconnection",
   "description": "The SEP-1699 polling tool; answers on the request's own stream",
   "inputSchema": {"type": "object", "properties": {}, "additionalProperties": false}}
])json";

struct ToolRunner {
  std::string_view name;
  void (*run)(ToolCall&);
};

constexpr std::array kToolRunners = {
    ToolRunner{"test_simple_text", run_simple_text},
    ToolRunner{"test_image_content", run_image},
    ToolRunner{"test_audio_content", run_audio},
    ToolRunner{"test_embedded_resource", run_embedded_resource},
    ToolRunner{"test_multiple_content_types", run_multiple_content_types},
    ToolRunner{"test_tool_with_logging", run_with_logging},
    ToolRunner{"test_tool_with_progress", run_with_progress},
    ToolRunner{"test_error_handling", run_error_handling},
    ToolRunner{"test_sampling", run_sampling},
    ToolRunner{"test_elicitation", run_elicitation},
    ToolRunner{"test_elicitation_sep1034_defaults", run_elicitation_defaults},
    ToolRunner{"test_elicitation_sep1330_enums", run_elicitation_enums},
    ToolRunner{"json_schema_2020_12_tool", run_json_schema_2020_12},
    ToolRunner{"test_reconnection", run_reconnection},
};

const Json& listed_tools() {
  static const Json tools = Json::parse(kToolsJson);
  return tools;
}

// What a tool's arguments are checked against: its input schema with local "#/$defs/X"
// references of top-level properties inlined, because the validator does not follow $ref.
Json validation_schema(const Json& input_schema) {
  Json schema = input_schema;
  if (!schema.contains("properties") || !schema.contains("$defs")) return schema;
  for (auto& [key, property] : schema["properties"].items()) {
    const std::string ref = string_member(property, "$ref");
    const std::string prefix = "#/$defs/";
    if (ref.starts_with(prefix) && schema["$defs"].contains(ref.substr(prefix.size()))) {
      property = schema["$defs"][ref.substr(prefix.size())];
    }
  }
  return schema;
}
}  // namespace

void ConformanceHandler::list_tools(RequestContext& ctx) {
  if (refuse_cursor(ctx)) return;
  Json tools = listed_tools();
  if (!mcp::has_structured_content(ctx.client().version)) {
    for (Json& tool : tools) tool.erase("title");  // titles arrived in 2025-06-18
  }
  ctx.reply(Json{{"tools", std::move(tools)}});
}

void ConformanceHandler::call_tool(const Context& ctx) {
  const Json& params = ctx->request().params;
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    ctx->reply_error(invalid_params("\"name\" must be a string"), "invalid_params");
    return;
  }
  const Json arguments = params.value("arguments", Json::object());
  if (!arguments.is_object()) {
    ctx->reply_error(invalid_params("\"arguments\" must be an object"), "invalid_params");
    return;
  }
  const std::string& name = params["name"].get_ref<const std::string&>();
  const Json& tools = listed_tools();
  auto tool =
      std::find_if(tools.begin(), tools.end(), [&](const Json& t) { return t["name"] == name; });
  auto runner = std::find_if(kToolRunners.begin(), kToolRunners.end(),
                             [&](const ToolRunner& r) { return r.name == name; });
  if (tool == tools.end() || runner == kToolRunners.end()) {
    ctx->reply_error(invalid_params("Unknown tool: " + name), "unknown_tool");
    return;
  }
  if (auto problem = validate_arguments(validation_schema((*tool)["inputSchema"]), arguments)) {
    const std::string message = "Invalid arguments for tool " + name + ": " + *problem;
    // From 2025-11-25 a validation failure is a tool-execution error (mcp-protocol.md §6.5).
    if (mcp::input_errors_are_tool_results(ctx->client().version)) {
      ctx->reply(error_result(message), "invalid_arguments");
    } else {
      ctx->reply_error(invalid_params(message), "invalid_arguments");
    }
    return;
  }
  ToolCall call{ctx, arguments, *this};
  runner->run(call);
}

}  // namespace gatecrash::mock
