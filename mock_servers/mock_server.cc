// mock_servers/mock_server.cc — tools/list and tools/call over a catalog, ledger on every message.
#include "mock_servers/mock_server.h"

#include <unistd.h>

#include <array>

namespace gatecrash::mock {

using mcp::Json;

namespace {

// Argument names whose values are credentials: the ledger keeps only their hash.
constexpr std::array kSecretArguments = {"app_password", "api_token", "password", "token", "api_key", "secret"};

std::int64_t now_ms() { return mcp::realtime_ns() / 1'000'000; }

Json strip_for_version(const Json& tool, mcp::ProtocolVersion version) {
  if (mcp::has_tool_annotations(version) && mcp::has_structured_content(version)) return tool;
  Json copy = tool;
  if (!mcp::has_tool_annotations(version)) copy.erase("annotations");
  if (!mcp::has_structured_content(version)) {
    copy.erase("title");
    copy.erase("outputSchema");
  }
  return copy;
}

}  // namespace

MockServerHandler::MockServerHandler(Catalog& catalog, Ledger& ledger, std::string conn)
    : catalog_(catalog), ledger_(ledger), conn_(std::move(conn)) {}

mcp::ServerIdentity MockServerHandler::identity() const {
  return mcp::ServerIdentity{catalog_.server_info(), Json{{"tools", {{"listChanged", true}}}}, {}};
}

void MockServerHandler::on_request(const std::shared_ptr<mcp::RequestContext>& ctx) {
  const std::string& method = ctx->request().method;
  if (method == "tools/list") return list_tools(*ctx);
  if (method == "tools/call") return call_tool(*ctx);
  ctx->reply_error(mcp::ErrorObject{mcp::error_code::kMethodNotFound, "Method not found: " + method, nullptr},
                   "method_not_found");
}

void MockServerHandler::list_tools(mcp::RequestContext& ctx) {
  const Json& params = ctx.request().params;
  // One page holds every tool; any cursor is therefore one we never issued.
  if (params.is_object() && params.contains("cursor")) {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kInvalidParams, "Invalid params: unknown cursor", nullptr},
                    "invalid_params");
    return;
  }
  Json tools = Json::array();
  for (const Json& tool : catalog_.tools()) tools.push_back(strip_for_version(tool, ctx.client().version));
  ctx.reply(Json{{"tools", std::move(tools)}});
}

void MockServerHandler::call_tool(mcp::RequestContext& ctx) {
  const Json& params = ctx.request().params;
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kInvalidParams, "Invalid params: \"name\" must be a string",
                                     nullptr},
                    "invalid_params");
    return;
  }
  const Json arguments = params.value("arguments", Json::object());
  if (!arguments.is_object()) {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kInvalidParams,
                                     "Invalid params: \"arguments\" must be an object", nullptr},
                    "invalid_params");
    return;
  }
  const std::string& name = params["name"].get_ref<const std::string&>();
  ToolOutcome outcome = catalog_.call(name, arguments, now_ms());
  if (outcome.outcome == "unknown_tool") {
    ctx.reply_error(mcp::ErrorObject{mcp::error_code::kInvalidParams, "Unknown tool: " + name, nullptr},
                    "unknown_tool");
    return;
  }
  if (!mcp::has_structured_content(ctx.client().version)) outcome.result.erase("structuredContent");
  ctx.reply(std::move(outcome.result), std::move(outcome.outcome), std::move(outcome.effect));
}

void MockServerHandler::on_inbound(const mcp::InboundRecord& record) {
  ledger_.append_or_exit(ledger_line(record, catalog_.name(), conn_));
}

Json ledger_line(const mcp::InboundRecord& record, std::string_view server, std::string_view conn) {
  Json line = {{"t_ns", record.received_ns},
               {"server", server},
               {"pid", static_cast<std::int64_t>(::getpid())},
               {"conn", conn},
               {"kind", record.kind},
               {"method", record.method},
               {"id", record.id},
               {"outcome", record.outcome},
               {"effect", record.effect}};
  const Json& params = record.params;
  if (params.is_object()) {
    if (auto meta = params.find("_meta"); meta != params.end()) line["meta"] = *meta;
    if (record.method == "tools/call") {
      if (auto name = params.find("name"); name != params.end()) line["tool"] = *name;
      Json arguments = params.value("arguments", Json(nullptr));
      Json auth = Json::object();
      if (arguments.is_object()) {
        for (const char* key : kSecretArguments) {
          auto it = arguments.find(key);
          if (it == arguments.end()) continue;
          auth[key] = credential_hash(it->is_string() ? it->get<std::string>() : it->dump());
          *it = "<redacted>";
        }
      }
      line["arguments"] = std::move(arguments);
      if (!auth.empty()) line["auth"] = std::move(auth);
    }
  }
  if (record.kind == "invalid") line["raw"] = record.raw;
  return line;
}

}  // namespace gatecrash::mock
