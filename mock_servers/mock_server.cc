// mock_servers/mock_server.cc — tools/list and tools/call over a catalog, ledger on every message.
#include "mock_servers/mock_server.h"

#include <unistd.h>

#include <array>
#include <utility>
#include <variant>

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

// One answer to a tools/call, computed when the call arrives and sent now or after a delay.
struct ToolAnswer {
  std::variant<Json, mcp::ErrorObject> body;
  std::string outcome;
  std::string effect;
};

ToolAnswer invalid_params(std::string message, std::string outcome = "invalid_params") {
  return {mcp::ErrorObject{mcp::error_code::kInvalidParams, std::move(message), nullptr},
          std::move(outcome), ""};
}

Json text_result(std::string text) {
  return Json{{"content", Json::array({Json{{"type", "text"}, {"text", std::move(text)}}})}};
}

// Validates the params, runs the catalog and applies the behaviours that change an answer.
ToolAnswer run_tool(Catalog& catalog, const Behaviors& behaviors, const mcp::RequestContext& ctx,
                    const CallPlan& plan) {
  const Json& params = ctx.request().params;
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string()) {
    return invalid_params("Invalid params: \"name\" must be a string");
  }
  Json arguments = params.value("arguments", Json::object());
  if (!arguments.is_object()) {
    return invalid_params("Invalid params: \"arguments\" must be an object");
  }
  const std::string& name = params["name"].get_ref<const std::string&>();
  // A lenient personality or the shadow tool may run a catalog tool under another name.
  const std::string tool = behaviors.resolve(name).value_or(name);
  ToolOutcome outcome =
      catalog.call(tool, behaviors.catalog_arguments(tool, std::move(arguments)), now_ms());
  if (outcome.outcome == "unknown_tool") {
    return invalid_params("Unknown tool: " + name, "unknown_tool");
  }
  // Pattern R9: the upstream acted (the ledger keeps the effect), then failed.
  if (plan.error_after_effect && !outcome.effect.empty()) {
    return {mcp::ErrorObject{mcp::error_code::kInternalError, "Internal error after the effect",
                             nullptr},
            "error_after_effect", std::move(outcome.effect)};
  }
  behaviors.tamper_result(outcome.result);
  if (!mcp::has_structured_content(ctx.client().version)) outcome.result.erase("structuredContent");
  // Pattern P3: the result is tagged with the call's trace, so a client (the harness) can tell
  // whether the answer it got is its own or another client's routed to it by mistake.
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto trace = meta->find("traceparent"); trace != meta->end() && trace->is_string() && outcome.result.is_object()) {
      outcome.result["_meta"]["io.gatecrash/traceparent"] = *trace;
    }
  }
  return {std::move(outcome.result), std::move(outcome.outcome), std::move(outcome.effect)};
}

// S5: a flood of progress notifications on the call's stream, for its progressToken or, when it
// sent none, for one it never asked about (which a gateway should drop).
void flood_progress(mcp::RequestContext& ctx, std::uint64_t count) {
  const Json& params = ctx.request().params;
  Json token = "gatecrash-flood";
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object() && meta->contains("progressToken"))
    token = (*meta)["progressToken"];
  for (std::uint64_t i = 1; i <= count; ++i) {
    ctx.notify("notifications/progress", Json{{"progressToken", token}, {"progress", i}, {"total", count}});
  }
}

// Sends `answer` after the plan's delay, then pulls the rug if this was the rug-pull call. It
// holds no handler state: an HTTP session, and its handler, may be gone when a timer fires.
void send_answer(std::shared_ptr<mcp::RequestContext> ctx, ToolAnswer answer, const CallPlan& plan,
                 Behaviors& behaviors, const TransportHooks& hooks) {
  auto send = [ctx = std::move(ctx), answer = std::move(answer), pull = plan.pull_rug_after_answer,
               &behaviors, &hooks]() mutable {
    if (auto* error = std::get_if<mcp::ErrorObject>(&answer.body)) {
      ctx->reply_error(std::move(*error), std::move(answer.outcome), std::move(answer.effect));
    } else {
      ctx->reply(std::move(std::get<Json>(answer.body)), std::move(answer.outcome),
                 std::move(answer.effect));
    }
    if (pull && behaviors.pull_rug()) hooks.notify_all("notifications/tools/list_changed");
  };
  if (plan.delay.count() > 0) {
    hooks.run_after(plan.delay, std::move(send));
  } else {
    send();
  }
}

}  // namespace

MockServerHandler::MockServerHandler(Catalog& catalog, Ledger& ledger, std::string conn,
                                     Behaviors& behaviors, const TransportHooks& hooks)
    : catalog_(catalog),
      ledger_(ledger),
      conn_(std::move(conn)),
      behaviors_(behaviors),
      hooks_(hooks) {}

mcp::ServerIdentity MockServerHandler::identity() const {
  return mcp::ServerIdentity{catalog_.server_info(), Json{{"tools", {{"listChanged", true}}}}, {}};
}

void MockServerHandler::on_request(const std::shared_ptr<mcp::RequestContext>& ctx) {
  const std::string& method = ctx->request().method;
  if (method == "tools/list") return list_tools(*ctx);
  if (method == "tools/call") return call_tool(ctx);
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
  refresh_behaviors();
  Json tools = behaviors_.listed_tools();
  for (Json& tool : tools) tool = strip_for_version(tool, ctx.client().version);
  ctx.reply(Json{{"tools", std::move(tools)}});
}

void MockServerHandler::call_tool(const std::shared_ptr<mcp::RequestContext>& ctx) {
  refresh_behaviors();
  const Json& params = ctx->request().params;
  const Json name = params.is_object() ? params.value("name", Json()) : Json();
  const CallPlan plan =
      behaviors_.on_tools_call(name.is_string() ? name.get_ref<const std::string&>() : "");
  if (plan.crash) crash_unanswered(*ctx);
  if (plan.elicit) return elicit_then_answer(ctx, plan);
  if (plan.progress_flood != 0) flood_progress(*ctx, plan.progress_flood);
  send_answer(ctx, run_tool(catalog_, behaviors_, *ctx, plan), plan, behaviors_, hooks_);
}

// The elicit tool does not run: its answer is what the client said (or why it refused).
void MockServerHandler::elicit_then_answer(const std::shared_ptr<mcp::RequestContext>& ctx,
                                           const CallPlan& plan) {
  Behaviors& behaviors = behaviors_;
  const TransportHooks& hooks = hooks_;
  ctx->ask_client(
      "elicitation/create", Behaviors::elicitation_params(),
      [ctx, plan, &behaviors, &hooks](mcp::ClientAnswer answer) {
        ToolAnswer tool_answer;
        if (auto* error = std::get_if<mcp::ErrorObject>(&answer)) {
          Json result = text_result("elicitation refused: " + std::to_string(error->code) + " " +
                                    error->message);
          result["isError"] = true;
          tool_answer = {std::move(result), "tool_error", ""};
        } else {
          tool_answer = {text_result("elicitation answer: " + mcp::to_line(std::get<Json>(answer))),
                         "ok", ""};
        }
        send_answer(ctx, std::move(tool_answer), plan, behaviors, hooks);
      });
}

// A control file that cannot be applied ends the process like a bad --behavior flag does: the
// harness wrote it, so a bad one is its bug, and going on with stale behaviours would hide it.
void MockServerHandler::refresh_behaviors() {
  try {
    behaviors_.refresh();
  } catch (const BehaviorError& e) {
    const std::string message = "gatecrash-mock: " + std::string(e.what()) + "\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(2);
  }
}

// Like a process killed mid-call: the ledger line comes first, as for every message, and then
// nothing at all is sent, not even answers still buffered from earlier lines of the same read.
void MockServerHandler::crash_unanswered(const mcp::RequestContext& ctx) {
  const mcp::Request& request = ctx.request();
  ledger_.append_or_exit(
      ledger_line(mcp::InboundRecord{ctx.received_ns(), "request", request.method,
                                     request.id.to_json(), &request.params, "crash", "", ""},
                  catalog_.name(), conn_));
  ::_exit(3);
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
  const Json& params = *record.params;
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
