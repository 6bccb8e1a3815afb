// mock_servers/conformance.cc — conformance fixture handler: dispatch, subscriptions, logging.
//
// The methods live by area: conformance_tools.cc (tools/list, tools/call), conformance_resources.cc
// (resources, prompts, completion), conformance_media.cc (the PNG, WAV and base64 fixtures).
#include "mock_servers/conformance.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "mock_servers/conformance_internal.h"
#include "mock_servers/mock_server.h"

namespace gatecrash::mock {

using mcp::Json;
using mcp::RequestContext;
using Context = std::shared_ptr<mcp::RequestContext>;
using namespace conformance;

namespace {

constexpr std::string_view kLedgerServer = "conformance";

constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};

std::optional<int> log_severity(std::string_view level) {
  auto it = std::find(kLogLevels.begin(), kLogLevels.end(), level);
  if (it == kLogLevels.end()) return std::nullopt;
  return static_cast<int>(it - kLogLevels.begin());
}

}  // namespace

// ---- shapes shared by the conformance*.cc files -----------------------------------------------

Json conformance::text_block(std::string text) {
  return Json{{"type", "text"}, {"text", std::move(text)}};
}

Json conformance::image_block() {
  return Json{{"type", "image"}, {"data", png_base64()}, {"mimeType", "image/png"}};
}

Json conformance::user_message(Json content) {
  return Json{{"role", "user"}, {"content", std::move(content)}};
}

mcp::ErrorObject conformance::invalid_params(std::string problem) {
  return mcp::ErrorObject{mcp::error_code::kInvalidParams, "Invalid params: " + std::move(problem),
                          nullptr};
}

std::string conformance::string_member(const Json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::string> conformance::string_param(const RequestContext& ctx,
                                                     std::string_view key) {
  const Json& params = ctx.request().params;
  if (!params.is_object()) return std::nullopt;
  auto it = params.find(key);
  if (it == params.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool conformance::refuse_cursor(RequestContext& ctx) {
  const Json& params = ctx.request().params;
  if (!params.is_object() || !params.contains("cursor")) return false;
  ctx.reply_error(invalid_params("unknown cursor"), "invalid_params");
  return true;
}

void conformance::put_title(Json& entry, const RequestContext& ctx, std::string_view title) {
  if (mcp::has_structured_content(ctx.client().version)) entry["title"] = title;  // 2025-06-18+
}

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
