// gateway/session_handler.cc — tools/list filtering, tools/call enforcement, approval, forwarding.
#include "gateway/session_handler.h"

#include <cctype>
#include <map>
#include <mutex>
#include <utility>

#include "gateway/seeded_defects.h"
#include "mcp/strict_json.h"

namespace gatecrash::gateway {

using mcp::ClientAnswer;
using mcp::ErrorObject;
using mcp::RequestContext;

namespace {

ErrorObject invalid_params(std::string message) {
  return ErrorObject{mcp::error_code::kInvalidParams, "Invalid params: " + std::move(message), nullptr};
}

// The approval question: the tool and its (redacted) arguments, so what the person accepts is
// exactly what is forwarded (A17: the approval is bound to this request, not to the tool).
Json approval_request(const CatalogTool& tool, const Json& arguments, const policy::Decision& decision) {
  std::string message = "Allow the call to \"" + tool.exposed + "\" with arguments " +
                        mcp::to_line(redact(arguments)) + "?";
  if (!decision.reason.empty()) message += " Policy: " + decision.reason + ".";
  return {{"message", message},
          {"requestedSchema",
           {{"type", "object"},
            {"properties", {{"approve", {{"type", "boolean"}, {"title", "Approve this call"}}}}},
            {"required", {"approve"}}}}};
}

bool accepted(const ClientAnswer& answer) {
  const Json* result = std::get_if<Json>(&answer);
  if (!result || !result->is_object()) return false;
  auto action = result->find("action");
  if (action == result->end() || *action != "accept") return false;
  // The schema asks for {"approve": boolean}; an accept that says approve:false is a no.
  auto content = result->find("content");
  if (content != result->end() && content->is_object()) {
    auto approve = content->find("approve");
    if (approve != content->end() && approve->is_boolean()) return approve->get<bool>();
  }
  return true;
}

}  // namespace

SessionHandler::SessionHandler(Gateway& gateway, std::shared_ptr<ClientLink> link, std::function<void()> on_close)
    : gateway_(gateway), link_(std::move(link)), on_close_(std::move(on_close)) {
  gateway_.attach(link_);
}

SessionHandler::~SessionHandler() {
  if (on_close_) on_close_();
}

void SessionHandler::on_request(const std::shared_ptr<RequestContext>& ctx) {
  const std::string& method = ctx->request().method;
  if (method == "tools/call") {
    call_tool(ctx);
  } else if (method == "tools/list") {
    list_tools(ctx);
  } else if (method == "logging/setLevel") {
    ctx->reply(Json::object());  // accepted; the gateway relays upstream log messages as they come
  } else if (is_relayed(method) && offered(method)) {
    relay(ctx);
  } else {
    // Tasks, unknown methods, and resources/prompts/completion under `default: deny` (the
    // policy governs tools only) are not offered: nothing the policy does not cover reaches an
    // upstream (A8, R13).
    ctx->reply_error(ErrorObject{mcp::error_code::kMethodNotFound, "Method not found: " + method, nullptr},
                     "method_not_found");
  }
}

bool SessionHandler::is_relayed(const std::string& method) {
  static const std::string_view kRelayed[] = {"resources/list",     "resources/templates/list", "resources/read",
                                              "resources/subscribe", "resources/unsubscribe",   "prompts/list",
                                              "prompts/get",        "completion/complete"};
  for (auto relayed : kRelayed) {
    if (method == relayed) return true;
  }
  return false;
}

bool SessionHandler::offered(const std::string& method) const {
  if (gateway_.enforcer().policy()->default_action != policy::DefaultAction::allow) return false;
  const Json capabilities = gateway_.upstream_capabilities();
  if (method.rfind("resources/", 0) == 0) return capabilities.contains("resources");
  if (method.rfind("prompts/", 0) == 0) return capabilities.contains("prompts");
  return capabilities.contains("completions");
}

void SessionHandler::relay(const std::shared_ptr<RequestContext>& ctx) {
  if (link_->calls_in_flight >= gateway_.limits().max_in_flight_per_session) {
    ctx->reply_error(ErrorObject{mcp::error_code::kInternalError,
                                 "too many requests in flight on this session (the limit is " +
                                     std::to_string(gateway_.limits().max_in_flight_per_session) + ")",
                                 nullptr},
                     "overloaded");
    return;
  }
  auto call = std::make_shared<ForwardedCall>();
  call->method = ctx->request().method;
  call->params = ctx->request().params.is_null() ? Json::object() : ctx->request().params;
  if (call->params.is_object() && call->params.contains("_meta") && call->params["_meta"].is_object()) {
    Json& meta = call->params["_meta"];
    if (auto token = meta.find("progressToken"); token != meta.end()) {
      call->client_progress_token = *token;
      meta.erase("progressToken");
    }
    if (meta.empty()) call->params.erase("_meta");
  }
  attach_to_client(ctx, call);
  gateway_.relay(std::move(call));
}

void SessionHandler::list_tools(const std::shared_ptr<RequestContext>& ctx) {
  auto catalog = gateway_.catalog();
  auto policy = gateway_.enforcer().policy();
  Json tools = Json::array();
  if (catalog) {
    for (const CatalogTool& tool : catalog->tools()) {
      if (tool.status != PinStatus::pinned) continue;
      if (!policy::visible_in_listing(*policy, tool.exposed)) continue;
      tools.push_back(tool.definition);
    }
  }
  ctx->reply(Json{{"tools", std::move(tools)}});
}

void SessionHandler::call_tool(const std::shared_ptr<RequestContext>& ctx) {
  const Json& params = ctx->request().params;
  if (!params.is_object()) {
    ctx->reply_error(invalid_params("tools/call needs params {\"name\", \"arguments\"}"), "invalid_params");
    return;
  }
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    ctx->reply_error(invalid_params("\"name\" must be a string"), "invalid_params");
    return;
  }
  const std::string& name = name_it->get_ref<const std::string&>();
  Json arguments = Json::object();
#ifdef GATECRASH_SEEDED_DEFECTS
  Json defect_raw_arguments;  // unparsable_arguments: what is forwarded in place of a refusal
#endif
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) {
    // Arguments of any other shape are refused, never forwarded unvalidated (A11).
    if (!it->is_object()) {
#ifdef GATECRASH_SEEDED_DEFECTS
      if (seeded(Defect::unparsable_arguments)) defect_raw_arguments = *it;
      if (!seeded(Defect::unparsable_arguments))
#endif
      {
        ctx->reply_error(invalid_params("\"arguments\" must be an object"), "invalid_params");
        return;
      }
    } else {
      arguments = *it;
    }
  }
  Json meta = nullptr;
  if (auto it = params.find("_meta"); it != params.end() && !it->is_null()) {
    if (!it->is_object()) {
      ctx->reply_error(invalid_params("\"_meta\" must be an object"), "invalid_params");
      return;
    }
    meta = *it;
  }

  auto catalog = gateway_.catalog();
  const CatalogTool* tool = catalog ? catalog->find(name) : nullptr;
  auto policy = gateway_.enforcer().policy();
#ifdef GATECRASH_SEEDED_DEFECTS
  std::string folded_name;  // case_insensitive_names: the catalog's spelling, decided in place of the client's
  if (!tool && catalog && seeded(Defect::case_insensitive_names)) {
    auto fold = [](std::string text) {
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    };
    for (const CatalogTool& candidate : catalog->tools()) {
      if (fold(candidate.exposed) == fold(name)) {
        tool = &candidate;
        folded_name = candidate.exposed;
      }
    }
  }
  const bool hidden = !seeded(Defect::hidden_callable) && policy::is_hidden(*policy, name);
#else
  const bool hidden = policy::is_hidden(*policy, name);
#endif
  // Unknown and hidden tools fail alike, before anything else is looked at (hiding leaks nothing).
  if (!tool || hidden) {
    gateway_.audit().write("decision", {{"identity", link_->identity},
                                        {"session", link_->session},
                                        {"tool", name},
                                        {"request_id", ctx->request().id.to_json()},
                                        {"verdict", "unknown_tool"},
                                        {"rule", tool ? "hide" : "catalog"},
                                        {"arguments", redact(arguments)}});
    ctx->reply_error(unknown_tool_error(name), "unknown_tool");
    return;
  }
  if (tool->status != PinStatus::pinned) {
    gateway_.audit().write("decision", {{"identity", link_->identity},
                                        {"session", link_->session},
                                        {"tool", name},
                                        {"request_id", ctx->request().id.to_json()},
                                        {"verdict", "tool_changed"},
                                        {"rule", "pinning"},
                                        {"status", std::string(to_string(tool->status))}});
    ctx->reply_error(tool_changed_error(name, tool->status == PinStatus::changed   ? "changed"
                                              : tool->status == PinStatus::added ? "added"
                                                                                 : "removed"),
                     "tool_changed");
    return;
  }
  if (link_->calls_in_flight >= gateway_.limits().max_in_flight_per_session) {
    ctx->reply_error(ErrorObject{mcp::error_code::kInternalError,
                                 "too many calls in flight on this session (the limit is " +
                                     std::to_string(gateway_.limits().max_in_flight_per_session) + ")",
                                 nullptr},
                     "overloaded");
    return;
  }

  policy::Call call{name, std::move(arguments), link_->identity, link_->session, false};
#ifdef GATECRASH_SEEDED_DEFECTS
  if (!folded_name.empty()) call.tool = folded_name;
  CallContext context{tool->server, ctx->request().id.to_json()};
  context.defect_skip_conditions = seeded(Defect::conditions_skip_meta) && meta.is_object();
  context.defect_no_charge = seeded(Defect::check_then_increment) || seeded(Defect::refund_on_error);
#else
  const CallContext context{tool->server, ctx->request().id.to_json()};
#endif
#ifdef GATECRASH_SEEDED_DEFECTS
  if (seeded(Defect::batch_first_only) && defect_batch_frame_ == ctx->frame()) {
    forward(ctx, *tool, std::move(call.arguments), std::move(meta));
    return;
  }
#endif
  policy::Decision decision = gateway_.enforcer().decide(call, context);
#ifdef GATECRASH_SEEDED_DEFECTS
  if (seeded(Defect::batch_first_only)) defect_batch_frame_ = decision.allowed() ? ctx->frame() : 0;
#endif
  switch (decision.verdict) {
    case policy::Verdict::allow:
#ifdef GATECRASH_SEEDED_DEFECTS
      if (context.defect_no_charge) {
        // Charged when the answer comes back (a race), or only if it is not an error (a refund).
        defect_after_answer_ = [gateway = &gateway_, call, context](const ClientAnswer& answer) mutable {
          const Json* result = std::get_if<Json>(&answer);
          const bool failed = result == nullptr || (result->is_object() && result->value("isError", false));
          if (failed && seeded(Defect::refund_on_error)) return;
          context.defect_no_charge = false;
          gateway->enforcer().decide(call, context);
        };
      }
      if (!defect_raw_arguments.is_null()) call.arguments = std::move(defect_raw_arguments);
#endif
      forward(ctx, *tool, std::move(call.arguments), std::move(meta));
      return;
    case policy::Verdict::approval_required: {
      const Json& caps = ctx->client().capabilities;
      if (caps.is_object() && caps.contains("elicitation")) {
        ask_approval(ctx, *tool, std::move(call), std::move(decision), std::move(meta));
        return;
      }
      break;
    }
    default:
      break;
  }
  ctx->reply_error(refusal_error(decision, name), std::string(policy::to_string(decision.verdict)));
}

void SessionHandler::ask_approval(const std::shared_ptr<RequestContext>& ctx, const CatalogTool& tool,
                                  policy::Call call, policy::Decision decision, Json meta) {
  struct Pending {
    bool settled = false;
  };
  auto pending = std::make_shared<Pending>();
  ++link_->calls_in_flight;
  auto link = link_;
  Gateway* gateway = &gateway_;
  // The tool is looked up again when the answer comes: the catalog may have changed meanwhile.
  const std::string exposed = tool.exposed;
  const std::string server = tool.server;
  auto refuse = [ctx, link, decision, exposed](std::string why) {
    policy::Decision refused = decision;
    refused.reason = decision.reason.empty() ? why : decision.reason + " (" + why + ")";
    ctx->reply_error(refusal_error(refused, exposed), "approval_required");
  };
  link_->post_after(gateway_.limits().approval_timeout, [pending, link, refuse]() {
    if (pending->settled) return;
    pending->settled = true;
    --link->calls_in_flight;
    refuse("approval timed out");
  });
  Json question = approval_request(tool, call.arguments, decision);  // before `call` is moved below
  ctx->ask_client("elicitation/create", std::move(question),
                  [this, pending, link, gateway, ctx, call = std::move(call), exposed, server, refuse,
                   meta = std::move(meta)](ClientAnswer answer) mutable {
                    if (pending->settled) return;
                    pending->settled = true;
                    --link->calls_in_flight;
                    const bool yes = accepted(answer);
                    gateway->audit().write("approval", {{"identity", call.identity},
                                                        {"session", call.session},
                                                        {"tool", call.tool},
                                                        {"request_id", ctx->request().id.to_json()},
                                                        {"accepted", yes}});
                    if (!yes) {
                      refuse("the client did not approve");
                      return;
                    }
                    // Decide again: the call is charged now, and may meanwhile be over a limit.
                    auto catalog = gateway->catalog();
                    const CatalogTool* current = catalog ? catalog->find(exposed) : nullptr;
                    if (!current || current->status != PinStatus::pinned) {
                      ctx->reply_error(tool_changed_error(exposed, "changed"), "tool_changed");
                      return;
                    }
                    call.approved = true;
                    policy::Decision second = gateway->enforcer().decide(call, CallContext{server, ctx->request().id.to_json()});
                    if (!second.allowed()) {
                      ctx->reply_error(refusal_error(second, exposed), std::string(policy::to_string(second.verdict)));
                      return;
                    }
                    forward(ctx, *current, std::move(call.arguments), std::move(meta));
                  });
}

void SessionHandler::forward(const std::shared_ptr<RequestContext>& ctx, const CatalogTool& tool, Json arguments,
                             Json meta) {
  auto call = std::make_shared<ForwardedCall>();
  call->upstream = tool.upstream;
  call->tool = tool.exposed;
  // What goes upstream is rebuilt from what was validated: the upstream's own name for the tool,
  // the parsed arguments re-serialised, and _meta (progressToken is replaced by the core).
  call->params = Json::object();
  call->params["name"] = tool.upstream_name;
  call->params["arguments"] = std::move(arguments);  // moved: an initializer list would copy it
  if (meta.is_object()) {
    if (auto token = meta.find("progressToken"); token != meta.end()) {
      call->client_progress_token = *token;
      meta.erase("progressToken");
    }
    if (!meta.empty()) call->params["_meta"] = std::move(meta);
  }
  attach_to_client(ctx, call);
  gateway_.forward(std::move(call));
}

// Binds a call to the client's request: counted in flight on the session, answered through
// `done` (on the front), and cancelled upstream if the client cancels.
void SessionHandler::attach_to_client(const std::shared_ptr<RequestContext>& ctx,
                                      const std::shared_ptr<ForwardedCall>& call) {
  call->link = link_;
  call->ctx = ctx;
  ++link_->calls_in_flight;
  Gateway* gateway = &gateway_;
  ctx->on_cancel([gateway, weak = std::weak_ptr<ForwardedCall>(call)]() {
    if (auto forwarded = weak.lock()) gateway->cancel(forwarded);
  });
#ifdef GATECRASH_SEEDED_DEFECTS
  if (seeded(Defect::ids_not_rewritten)) {
    // One table for every session, keyed by the client's id: the last client to use an id gets
    // the next answer for it, whoever it belonged to. The reply is posted to that client's front.
    struct Route {
      std::weak_ptr<mcp::RequestContext> ctx;
      std::weak_ptr<ClientLink> link;
    };
    static std::mutex routes_mutex;
    static std::map<std::string, Route> routes;
    const std::string key = ctx->request().id.to_json().dump();
    {
      std::lock_guard lock(routes_mutex);
      routes[key] = Route{ctx, link_};
    }
    call->done = [weak_link = std::weak_ptr<ClientLink>(link_), ctx, key](ClientAnswer answer) {
      if (auto link = weak_link.lock()) --link->calls_in_flight;
      Route route;
      {
        std::lock_guard lock(routes_mutex);
        if (auto it = routes.find(key); it != routes.end()) {
          route = it->second;
          routes.erase(it);
        }
      }
      auto deliver = [answer](const std::shared_ptr<mcp::RequestContext>& to) {
        if (const auto* error = std::get_if<ErrorObject>(&answer)) to->reply_error(*error, "error");
        else to->reply(std::get<Json>(answer));
      };
      auto target = route.ctx.lock();
      auto target_link = route.link.lock();
      if (target && target_link && target != ctx) {
        target_link->post([deliver, target]() { deliver(target); });
        return;
      }
      deliver(ctx);
    };
    return;
  }
  call->done = [weak_link = std::weak_ptr<ClientLink>(link_), ctx, after = std::exchange(defect_after_answer_, nullptr)](ClientAnswer answer) {
    if (after) after(answer);
#else
  call->done = [weak_link = std::weak_ptr<ClientLink>(link_), ctx](ClientAnswer answer) {
#endif
    if (auto link = weak_link.lock()) --link->calls_in_flight;
    if (auto* error = std::get_if<ErrorObject>(&answer)) ctx->reply_error(std::move(*error), "error");
    else ctx->reply(std::move(std::get<Json>(answer)));
  };
}

}  // namespace gatecrash::gateway
