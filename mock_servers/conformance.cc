// mock_servers/conformance.cc — conformance fixtures: tools, resources, prompts, completion, logs.
#include "mock_servers/conformance.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <variant>

#include "mock_servers/mock_server.h"
#include "mock_servers/schema.h"

namespace gatecrash::mock {

using mcp::Json;
using mcp::ProtocolVersion;
using mcp::RequestContext;
using Context = std::shared_ptr<mcp::RequestContext>;

namespace {

constexpr std::string_view kLedgerServer = "conformance";

// ---- binary fixtures --------------------------------------------------------------------------

std::uint32_t crc32(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t adler32(std::string_view bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char byte : bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void put_be32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void put_le(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_png_chunk(std::string& png, std::string_view type, std::string_view data) {
  put_be32(png, static_cast<std::uint32_t>(data.size()));
  std::string typed(type);
  typed.append(data);
  png += typed;
  put_be32(png, crc32(typed));  // the CRC covers type and data, not the length
}

std::string png_bytes() {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put_be32(header, 1);                       // width
  put_be32(header, 1);                       // height
  header.append("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, adaptive filtering, no interlace
  put_png_chunk(png, "IHDR", header);
  const std::string scanline("\x00\xff\x00\x00", 4);  // filter type "none", then one red pixel
  std::string zlib("\x78\x01", 2);                    // deflate, 32 KiB window, no dictionary
  zlib.push_back('\x01');                             // the final block, stored uncompressed
  put_le(zlib, static_cast<std::uint32_t>(scanline.size()), 2);
  put_le(zlib, ~static_cast<std::uint32_t>(scanline.size()) & 0xFFFF, 2);
  zlib += scanline;
  put_be32(zlib, adler32(scanline));
  put_png_chunk(png, "IDAT", zlib);
  put_png_chunk(png, "IEND", {});
  return png;
}

std::string wav_bytes() {
  constexpr std::uint32_t kSampleRate = 8000;
  constexpr int kSamples = 40;  // 5 ms of a 400 Hz square wave, 16-bit mono PCM
  std::string samples;
  for (int i = 0; i < kSamples; ++i) {
    const std::int16_t level = (i / 10) % 2 == 0 ? 8000 : -8000;
    put_le(samples, static_cast<std::uint16_t>(level), 2);
  }
  std::string wav = "RIFF";
  put_le(wav, static_cast<std::uint32_t>(36 + samples.size()), 4);
  wav += "WAVEfmt ";
  put_le(wav, 16, 4);  // fmt chunk size
  put_le(wav, 1, 2);   // PCM
  put_le(wav, 1, 2);   // channels
  put_le(wav, kSampleRate, 4);
  put_le(wav, kSampleRate * 2, 4);  // byte rate
  put_le(wav, 2, 2);                // block align
  put_le(wav, 16, 2);               // bits per sample
  wav += "data";
  put_le(wav, static_cast<std::uint32_t>(samples.size()), 4);
  return wav + samples;
}

const std::string& png_base64() {
  static const std::string encoded = base64_encode(png_bytes());
  return encoded;
}

// ---- shapes -----------------------------------------------------------------------------------

constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};

std::optional<int> log_severity(std::string_view level) {
  auto it = std::find(kLogLevels.begin(), kLogLevels.end(), level);
  if (it == kLogLevels.end()) return std::nullopt;
  return static_cast<int>(it - kLogLevels.begin());
}

Json text_block(std::string text) { return Json{{"type", "text"}, {"text", std::move(text)}}; }
Json image_block() {
  return Json{{"type", "image"}, {"data", png_base64()}, {"mimeType", "image/png"}};
}
Json text_result(std::string text) {
  return Json{{"content", Json::array({text_block(std::move(text))})}};
}

Json error_result(std::string text) {
  Json result = text_result(std::move(text));
  result["isError"] = true;
  return result;
}

mcp::ErrorObject invalid_params(std::string problem) {
  return mcp::ErrorObject{mcp::error_code::kInvalidParams, "Invalid params: " + std::move(problem),
                          nullptr};
}

// A string member of an untrusted object, or "" (Json::value would throw on a non-string).
std::string string_member(const Json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string version_of(const RequestContext& ctx) {
  return std::string(mcp::to_string(ctx.client().version));
}

// A string member of the request's params, if it is one.
std::optional<std::string> string_param(const RequestContext& ctx, std::string_view key) {
  const Json& params = ctx.request().params;
  if (!params.is_object()) return std::nullopt;
  auto it = params.find(key);
  if (it == params.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Every list here fits one page, so any cursor is one we never issued.
bool refuse_cursor(RequestContext& ctx) {
  const Json& params = ctx.request().params;
  if (!params.is_object() || !params.contains("cursor")) return false;
  ctx.reply_error(invalid_params("unknown cursor"), "invalid_params");
  return true;
}

void put_title(Json& entry, const RequestContext& ctx, std::string_view title) {
  if (mcp::has_structured_content(ctx.client().version)) entry["title"] = title;  // 2025-06-18+
}

// ---- resources --------------------------------------------------------------------------------

struct StaticResource {
  std::string_view uri, name, title, description, mime_type;
};

constexpr std::array kStaticResources = {
    StaticResource{"test://static-text", "static-text", "Static Text Resource",
                   "A static text resource", "text/plain"},
    StaticResource{"test://static-binary", "static-binary", "Static Binary Resource",
                   "A 1x1 red PNG image, read as a base64 blob", "image/png"},
    StaticResource{"test://watched-resource", "watched-resource", "Watched Resource",
                   "A resource clients may subscribe to", "text/plain"},
};
constexpr std::string_view kTemplateUri = "test://template/{id}/data";
constexpr std::string_view kTemplatePrefix = "test://template/";
constexpr std::string_view kTemplateSuffix = "/data";

// The {id} of a URI of the template: one non-empty path segment.
std::optional<std::string> template_id(std::string_view uri) {
  if (!uri.starts_with(kTemplatePrefix) || !uri.ends_with(kTemplateSuffix)) return std::nullopt;
  if (uri.size() <= kTemplatePrefix.size() + kTemplateSuffix.size()) return std::nullopt;
  std::string_view id = uri.substr(kTemplatePrefix.size(),
                                   uri.size() - kTemplatePrefix.size() - kTemplateSuffix.size());
  if (id.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

// The one ResourceContents entry of a readable URI, or nullopt when there is no such resource.
std::optional<Json> resource_contents(std::string_view uri) {
  if (uri == "test://static-text") {
    return Json{{"uri", uri},
                {"mimeType", "text/plain"},
                {"text", "This is the content of the static text resource."}};
  }
  if (uri == "test://static-binary")
    return Json{{"uri", uri}, {"mimeType", "image/png"}, {"blob", png_base64()}};
  if (uri == "test://watched-resource") {
    return Json{{"uri", uri}, {"mimeType", "text/plain"}, {"text", "Watched resource content"}};
  }
  if (auto id = template_id(uri)) {
    Json data = {{"id", *id}, {"templateTest", true}, {"data", "Data for ID: " + *id}};
    return Json{{"uri", uri}, {"mimeType", "application/json"}, {"text", mcp::to_line(data)}};
  }
  return std::nullopt;
}

// ---- prompts ----------------------------------------------------------------------------------

struct PromptArgument {
  std::string_view name, description;
};

struct PromptSpec {
  std::string_view name, title, description;
  std::vector<PromptArgument> arguments;  // all required
  Json (*messages)(const Json& arguments);
};

Json user_message(Json content) { return Json{{"role", "user"}, {"content", std::move(content)}}; }

Json simple_prompt(const Json&) {
  return Json::array({user_message(text_block("This is a simple prompt for testing."))});
}

Json prompt_with_arguments(const Json& arguments) {
  const std::string text = "Prompt with arguments: arg1='" + arguments["arg1"].get<std::string>() +
                           "', arg2='" + arguments["arg2"].get<std::string>() + "'";
  return Json::array({user_message(text_block(text))});
}

Json prompt_with_embedded_resource(const Json& arguments) {
  const std::string uri = arguments["resourceUri"].get<std::string>();
  // A URI this server serves is embedded with its real contents; any other gets a stand-in text.
  Json resource =
      resource_contents(uri).value_or(Json{{"uri", uri},
                                           {"mimeType", "text/plain"},
                                           {"text", "Embedded resource content for testing."}});
  return Json::array({user_message(Json{{"type", "resource"}, {"resource", std::move(resource)}}),
                      user_message(text_block("Please process the embedded resource above."))});
}

Json prompt_with_image(const Json&) {
  return Json::array(
      {user_message(image_block()), user_message(text_block("Please analyze the image above."))});
}

const std::vector<PromptSpec>& prompt_specs() {
  static const std::vector<PromptSpec> specs = {
      {"test_simple_prompt", "Simple Test Prompt", "A prompt without arguments", {}, simple_prompt},
      {"test_prompt_with_arguments",
       "Prompt With Arguments",
       "A prompt that substitutes two required arguments",
       {{"arg1", "First test argument"}, {"arg2", "Second test argument"}},
       prompt_with_arguments},
      {"test_prompt_with_embedded_resource",
       "Prompt With Embedded Resource",
       "A prompt that embeds the resource named by resourceUri",
       {{"resourceUri", "URI of the resource to embed"}},
       prompt_with_embedded_resource},
      {"test_prompt_with_image",
       "Prompt With Image",
       "A prompt that carries an image",
       {},
       prompt_with_image},
  };
  return specs;
}

const PromptSpec* find_prompt(std::string_view name) {
  for (const PromptSpec& spec : prompt_specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// Completion candidates for one argument of a prompt or of the resource template.
std::vector<std::string_view> completion_candidates(std::string_view argument) {
  if (argument == "arg1") return {"hello", "help", "test", "testValue1"};
  if (argument == "arg2") return {"world", "wonder", "testValue2"};
  if (argument == "resourceUri") {
    return {"test://static-binary", "test://static-text", "test://template/123/data",
            "test://watched-resource"};
  }
  if (argument == "id") return {"1", "2", "3", "42", "123"};
  return {};
}

// ---- tools ------------------------------------------------------------------------------------

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
  static const std::string wav = base64_encode(wav_bytes());
  call.ctx->reply(
      Json{{"content",
            Json::array({Json{{"type", "audio"}, {"data", wav}, {"mimeType", "audio/wav"}}})}});
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

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return out;
}

std::string fixture_png_base64() { return png_base64(); }
std::string fixture_wav_base64() { return base64_encode(wav_bytes()); }

// ---- ConformanceState -------------------------------------------------------------------------

bool ConformanceState::subscribe(const std::string& conn, const std::string& uri) {
  std::lock_guard lock(mutex_);
  return subscriptions_[conn].insert(uri).second;
}

bool ConformanceState::unsubscribe(const std::string& conn, const std::string& uri) {
  std::lock_guard lock(mutex_);
  auto it = subscriptions_.find(conn);
  if (it == subscriptions_.end() || it->second.erase(uri) == 0) return false;
  if (it->second.empty()) subscriptions_.erase(it);
  return true;
}

std::vector<std::string> ConformanceState::subscriptions(const std::string& conn) const {
  std::lock_guard lock(mutex_);
  auto it = subscriptions_.find(conn);
  if (it == subscriptions_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void ConformanceState::forget(const std::string& conn) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(conn);
}

// ---- ConformanceHandler -----------------------------------------------------------------------

ConformanceHandler::ConformanceHandler(ConformanceState& state, Ledger& ledger, std::string conn)
    : state_(state), ledger_(ledger), conn_(std::move(conn)) {}

ConformanceHandler::~ConformanceHandler() { state_.forget(conn_); }

mcp::ServerIdentity ConformanceHandler::identity() const {
  Json capabilities = {{"tools", {{"listChanged", true}}},
                       {"resources", {{"subscribe", true}, {"listChanged", true}}},
                       {"prompts", {{"listChanged", true}}},
                       {"logging", Json::object()},
                       {"completions", Json::object()}};
  return mcp::ServerIdentity{
      Json{{"name", "gatecrash-conformance"}, {"version", "0.1.0"}}, std::move(capabilities),
      "Fixture server for the @modelcontextprotocol/conformance 0.1.16 server scenarios."};
}

void ConformanceHandler::on_request(const Context& ctx) {
  const std::string& method = ctx->request().method;
  if (method == "tools/list") return list_tools(*ctx);
  if (method == "tools/call") return call_tool(ctx);
  if (method == "resources/list") return list_resources(*ctx);
  if (method == "resources/templates/list") return list_resource_templates(*ctx);
  if (method == "resources/read") return read_resource(*ctx);
  if (method == "resources/subscribe") return subscribe(*ctx, true);
  if (method == "resources/unsubscribe") return subscribe(*ctx, false);
  if (method == "prompts/list") return list_prompts(*ctx);
  if (method == "prompts/get") return get_prompt(*ctx);
  if (method == "completion/complete") return complete(*ctx);
  if (method == "logging/setLevel") return set_log_level(*ctx);
  ctx->reply_error(
      mcp::ErrorObject{mcp::error_code::kMethodNotFound, "Method not found: " + method, nullptr},
      "method_not_found");
}

void ConformanceHandler::on_inbound(const mcp::InboundRecord& record) {
  ledger_.append_or_exit(ledger_line(record, kLedgerServer, conn_));
}

bool ConformanceHandler::send_log(RequestContext& ctx, std::string_view level,
                                  std::string text) const {
  auto severity = log_severity(level);
  if (!severity || *severity < min_log_severity_) return false;
  ctx.notify("notifications/message",
             Json{{"level", level}, {"logger", "conformance"}, {"data", std::move(text)}});
  return true;
}

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

void ConformanceHandler::list_resources(RequestContext& ctx) {
  if (refuse_cursor(ctx)) return;
  Json resources = Json::array();
  for (const StaticResource& resource : kStaticResources) {
    Json entry = {{"uri", resource.uri},
                  {"name", resource.name},
                  {"description", resource.description},
                  {"mimeType", resource.mime_type}};
    put_title(entry, ctx, resource.title);
    resources.push_back(std::move(entry));
  }
  ctx.reply(Json{{"resources", std::move(resources)}});
}

void ConformanceHandler::list_resource_templates(RequestContext& ctx) {
  if (refuse_cursor(ctx)) return;
  Json entry = {{"uriTemplate", kTemplateUri},
                {"name", "template"},
                {"description", "JSON data for any {id}, which the contents repeat"},
                {"mimeType", "application/json"}};
  put_title(entry, ctx, "Resource Template");
  ctx.reply(Json{{"resourceTemplates", Json::array({std::move(entry)})}});
}

void ConformanceHandler::read_resource(RequestContext& ctx) {
  auto uri = string_param(ctx, "uri");
  if (!uri) {
    ctx.reply_error(invalid_params("\"uri\" must be a string"), "invalid_params");
    return;
  }
  auto contents = resource_contents(*uri);
  if (!contents) {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kResourceNotFound,
                                     "Resource not found: " + *uri, Json{{"uri", *uri}}},
                    "resource_not_found");
    return;
  }
  ctx.reply(Json{{"contents", Json::array({std::move(*contents)})}});
}

void ConformanceHandler::subscribe(RequestContext& ctx, bool on) {
  auto uri = string_param(ctx, "uri");
  if (!uri) {
    ctx.reply_error(invalid_params("\"uri\" must be a string"), "invalid_params");
    return;
  }
  if (!resource_contents(*uri)) {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kResourceNotFound,
                                     "Resource not found: " + *uri, Json{{"uri", *uri}}},
                    "resource_not_found");
    return;
  }
  const bool changed = on ? state_.subscribe(conn_, *uri) : state_.unsubscribe(conn_, *uri);
  send_log(ctx, "info",
           std::string(on ? "Subscribed to resource: " : "Unsubscribed from resource: ") + *uri);
  ctx.reply(Json::object(), "ok",
            changed ? std::string(on ? "subscribed:" : "unsubscribed:") + *uri : std::string());
}

void ConformanceHandler::list_prompts(RequestContext& ctx) {
  if (refuse_cursor(ctx)) return;
  Json prompts = Json::array();
  for (const PromptSpec& spec : prompt_specs()) {
    Json arguments = Json::array();
    for (const PromptArgument& argument : spec.arguments) {
      arguments.push_back(
          Json{{"name", argument.name}, {"description", argument.description}, {"required", true}});
    }
    Json entry = {{"name", spec.name},
                  {"description", spec.description},
                  {"arguments", std::move(arguments)}};
    put_title(entry, ctx, spec.title);
    prompts.push_back(std::move(entry));
  }
  ctx.reply(Json{{"prompts", std::move(prompts)}});
}

void ConformanceHandler::get_prompt(RequestContext& ctx) {
  auto name = string_param(ctx, "name");
  if (!name) {
    ctx.reply_error(invalid_params("\"name\" must be a string"), "invalid_params");
    return;
  }
  const PromptSpec* spec = find_prompt(*name);
  if (!spec) {
    ctx.reply_error(invalid_params("Unknown prompt: " + *name), "unknown_prompt");
    return;
  }
  const Json arguments = ctx.request().params.value("arguments", Json::object());
  if (!arguments.is_object()) {
    ctx.reply_error(invalid_params("\"arguments\" must be an object"), "invalid_params");
    return;
  }
  for (const auto& [key, value] : arguments.items()) {
    if (!value.is_string()) {
      ctx.reply_error(invalid_params("prompt argument \"" + key + "\" must be a string"),
                      "invalid_params");
      return;
    }
  }
  for (const PromptArgument& argument : spec->arguments) {
    if (!arguments.contains(argument.name)) {
      ctx.reply_error(invalid_params("prompt " + *name + " needs the argument \"" +
                                     std::string(argument.name) + "\""),
                      "invalid_params");
      return;
    }
  }
  ctx.reply(Json{{"description", spec->description}, {"messages", spec->messages(arguments)}});
}

void ConformanceHandler::complete(RequestContext& ctx) {
  const Json& params = ctx.request().params;
  const Json ref = params.is_object() ? params.value("ref", Json(nullptr)) : Json(nullptr);
  const Json argument =
      params.is_object() ? params.value("argument", Json(nullptr)) : Json(nullptr);
  if (!ref.is_object() || !ref.contains("type") || !ref["type"].is_string() ||
      !argument.is_object() || !argument.contains("name") || !argument["name"].is_string() ||
      !argument.contains("value") || !argument["value"].is_string()) {
    ctx.reply_error(
        invalid_params("completion/complete needs ref{type} and argument{name, value} strings"),
        "invalid_params");
    return;
  }
  const std::string type = ref["type"].get<std::string>();
  const std::string name = argument["name"].get<std::string>();
  std::vector<std::string_view> known;  // the argument names the reference has
  if (type == "ref/prompt") {
    const PromptSpec* spec = ref.contains("name") && ref["name"].is_string()
                                 ? find_prompt(ref["name"].get<std::string>())
                                 : nullptr;
    if (!spec) {
      ctx.reply_error(invalid_params("Unknown prompt in ref: " +
                                     mcp::to_line(ref.value("name", Json(nullptr)))),
                      "unknown_prompt");
      return;
    }
    for (const PromptArgument& a : spec->arguments) known.push_back(a.name);
  } else if (type == "ref/resource") {
    if (string_member(ref, "uri") != kTemplateUri) {
      ctx.reply_error(invalid_params("Unknown resource template in ref: " +
                                     mcp::to_line(ref.value("uri", Json(nullptr)))),
                      "invalid_params");
      return;
    }
    known.push_back("id");
  } else {
    ctx.reply_error(invalid_params("ref.type must be ref/prompt or ref/resource"),
                    "invalid_params");
    return;
  }
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    ctx.reply_error(invalid_params("the reference has no argument \"" + name + "\""),
                    "invalid_params");
    return;
  }
  const std::string prefix = argument["value"].get<std::string>();
  Json values = Json::array();
  for (std::string_view candidate : completion_candidates(name)) {
    if (candidate.starts_with(prefix)) values.push_back(candidate);
  }
  const std::size_t total = values.size();
  ctx.reply(
      Json{{"completion", {{"values", std::move(values)}, {"total", total}, {"hasMore", false}}}});
}

void ConformanceHandler::set_log_level(RequestContext& ctx) {
  auto level = string_param(ctx, "level");
  auto severity = level ? log_severity(*level) : std::nullopt;
  if (!severity) {
    ctx.reply_error(
        invalid_params(
            "\"level\" must be one of debug, info, notice, warning, error, critical, alert, "
            "emergency"),
        "invalid_params");
    return;
  }
  min_log_severity_ = *severity;
  ctx.reply(Json::object(), "ok", "log_level:" + *level);
}

}  // namespace gatecrash::mock
