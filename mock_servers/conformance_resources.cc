// mock_servers/conformance_resources.cc — the conformance fixture's resources, prompts, completion.
#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "mock_servers/conformance.h"
#include "mock_servers/conformance_internal.h"

namespace gatecrash::mock {

using mcp::Json;
using mcp::RequestContext;
using namespace conformance;

namespace {

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

}  // namespace

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

}  // namespace gatecrash::mock
