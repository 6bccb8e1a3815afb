// gateway/gateway.cc — upstream lifecycle, tool pinning, call forwarding and routing back.
#include "gateway/gateway.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <stdexcept>

#include "gateway/upstream_factory.h"

namespace gatecrash::gateway {

namespace net = boost::asio;
using mcp::ClientAnswer;
using mcp::ErrorObject;

// One upstream and what the core keeps about it. Touched only on the upstream's strand (which,
// with one io thread, is the io thread).
struct Gateway::Slot {
  std::size_t index = 0;
  UpstreamSpec spec;
  std::unique_ptr<mcp::Upstream> upstream;
  // Calls forwarded and not yet answered, by our handle id: server-to-client requests and
  // notifications are routed to their clients through these.
  std::map<std::uint64_t, std::shared_ptr<ForwardedCall>> in_flight;
  std::map<std::string, std::weak_ptr<ForwardedCall>> by_progress_token;
  std::chrono::milliseconds backoff{0};
  std::chrono::steady_clock::time_point ready_since{};
  std::unique_ptr<net::steady_timer> restart_timer;
  bool relisting = false;
  bool relist_again = false;
  // tools/call requests that arrived while the upstream's tools were being re-listed: they wait
  // for the new listing and are checked against it, so a call that follows a list_changed can
  // never reach a tool whose change is still being looked at (S2).
  std::vector<std::shared_ptr<ForwardedCall>> held;
};

namespace {

// Server-to-client requests a client must have declared a capability for.
std::optional<std::string_view> capability_for(std::string_view method) {
  if (method == "sampling/createMessage") return "sampling";
  if (method == "elicitation/create") return "elicitation";
  if (method == "roots/list") return "roots";
  return std::nullopt;
}

std::vector<std::unique_ptr<mcp::Upstream>> make_upstreams(net::io_context& io, const GatewayOptions& options) {
  std::vector<std::unique_ptr<mcp::Upstream>> upstreams;
  for (const auto& spec : options.servers) {
    upstreams.push_back(make_upstream(io, spec, options.limits, options.upstream_stderr));
  }
  return upstreams;
}

}  // namespace

// `options` is copied, not moved: make_upstreams reads it in the same argument list.
Gateway::Gateway(net::io_context& io, GatewayOptions options, std::shared_ptr<const policy::Policy> policy,
                 AuditLog& audit)
    : Gateway(io, options, std::move(policy), audit, make_upstreams(io, options)) {}

Gateway::Gateway(net::io_context& io, GatewayOptions options, std::shared_ptr<const policy::Policy> policy,
                 AuditLog& audit, std::vector<std::unique_ptr<mcp::Upstream>> upstreams)
    : io_(io),
      options_(std::move(options)),
      audit_(audit),
      enforcer_(std::move(policy), options_.policy_path, audit,
                options_.counters_path.empty() ? nullptr : std::make_unique<CounterJournal>(options_.counters_path)) {
  if (upstreams.size() != options_.servers.size()) {
    throw std::invalid_argument("Gateway: one upstream per servers entry is needed");
  }
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    auto slot = std::make_unique<Slot>();
    slot->index = i;
    slot->spec = options_.servers[i];
    slot->upstream = std::move(upstreams[i]);
    slot->restart_timer = std::make_unique<net::steady_timer>(io_);
    Slot* raw = slot.get();
    slot->upstream->on_exit([this, raw](const mcp::UpstreamExit& exit) { on_upstream_exit(*raw, exit); });
    slot->upstream->on_server_request([this, raw](mcp::Request request, mcp::AnswerCallback respond) {
      on_server_request(*raw, std::move(request), std::move(respond));
    });
    slot->upstream->on_notification(
        [this, raw](mcp::Notification notification) { on_notification(*raw, std::move(notification)); });
    slots_.push_back(std::move(slot));
  }
}

Gateway::~Gateway() {
  stopping_ = true;
  for (auto& slot : slots_) slot->restart_timer->cancel();
  slots_.clear();  // each upstream's destructor stops and reaps its child
}

std::shared_ptr<const ToolCatalog> Gateway::catalog() const {
  std::lock_guard lock(catalog_mu_);
  return catalog_;
}

mcp::ServerIdentity Gateway::identity() const {
  Json capabilities = {{"tools", {{"listChanged", true}}}, {"logging", Json::object()}};
  // Resources, prompts and completion are not governed by the policy's tool rules: they are
  // offered only when the policy's default is allow.
  if (enforcer_.policy()->default_action == policy::DefaultAction::allow) {
    const Json offered = upstream_capabilities();  // a named copy: items() must not outlive it
    for (const auto& [name, value] : offered.items()) capabilities[name] = value;
  }
  return mcp::ServerIdentity{Json{{"name", "gatecrash-gateway"}, {"version", "0.1.0"}}, std::move(capabilities), ""};
}

Json Gateway::upstream_capabilities() const {
  std::lock_guard lock(capabilities_mu_);
  return upstream_capabilities_;
}

// ---------------- startup ----------------

void Gateway::start(std::function<void(std::optional<ConfigError>)> done) {
  struct Startup {
    std::vector<UpstreamListing> listings;
    std::size_t pending = 0;
    std::optional<ConfigError> error;
    bool finished = false;
    net::steady_timer deadline;
    std::function<void(std::optional<ConfigError>)> done;
    explicit Startup(net::io_context& io) : deadline(io) {}
  };
  auto startup = std::make_shared<Startup>(io_);
  startup->listings.resize(slots_.size());
  startup->pending = slots_.size();
  startup->done = std::move(done);

  auto finish = [this, startup]() {
    if (startup->finished) return;
    startup->finished = true;
    startup->deadline.cancel();
    if (!startup->error) {
      auto built = ToolCatalog::build(options_.naming, startup->listings);
      if (auto* error = std::get_if<ConfigError>(&built)) {
        startup->error = *error;
      } else {
        std::lock_guard lock(catalog_mu_);
        catalog_ = std::make_shared<const ToolCatalog>(std::get<ToolCatalog>(std::move(built)));
      }
    }
    net::post(io_, [startup]() { startup->done(startup->error); });
  };

  startup->deadline.expires_after(options_.limits.startup_timeout);
  startup->deadline.async_wait([this, startup, finish](const boost::system::error_code& ec) {
    if (ec || startup->finished) return;
    std::string names;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (startup->listings[i].server.empty()) names += (names.empty() ? "" : ", ") + slots_[i]->spec.name;
    }
    startup->error = ConfigError{std::string(config_error::kUpstreamStart), "", "",
                                 "upstream(s) " + names + " not ready within " +
                                     std::to_string(options_.limits.startup_timeout.count()) + " ms"};
    finish();
  });

  for (auto& owned : slots_) {
    Slot* slot = owned.get();
    slot->upstream->dispatch([this, slot, startup, finish]() {
      slot->upstream->start([this, slot, startup, finish](ClientAnswer answer) {
        if (startup->finished) return;
        if (auto* error = std::get_if<ErrorObject>(&answer)) {
          if (!startup->error) {
            startup->error = ConfigError{std::string(config_error::kUpstreamStart), "",
                                         "/mcpServers/" + slot->spec.name,
                                         "upstream \"" + slot->spec.name + "\" failed to start: " + error->message};
          }
          finish();
          return;
        }
        slot->ready_since = std::chrono::steady_clock::now();
        if (auto description = slot->upstream->server()) {
          std::lock_guard lock(capabilities_mu_);
          for (const char* capability : {"resources", "prompts", "completions"}) {
            const Json& offered = description->capabilities.contains(capability) ? description->capabilities[capability] : Json();
            if (!offered.is_object()) continue;
            // Sub-flags (subscribe, listChanged) are relayed as the upstreams declare them.
            if (!upstream_capabilities_.contains(capability)) upstream_capabilities_[capability] = Json::object();
            upstream_capabilities_[capability].update(offered);
          }
        }
        list_tools(*slot, [slot, startup, finish](std::variant<UpstreamListing, std::string> listed) {
          if (startup->finished) return;
          if (auto* why = std::get_if<std::string>(&listed)) {
            if (!startup->error) {
              startup->error = ConfigError{std::string(config_error::kUpstreamStart), "",
                                           "/mcpServers/" + slot->spec.name,
                                           "upstream \"" + slot->spec.name + "\": tools/list failed: " + *why};
            }
            finish();
            return;
          }
          startup->listings[slot->index] = std::get<UpstreamListing>(std::move(listed));
          if (--startup->pending == 0) finish();
        });
      });
    });
  }
  if (slots_.empty()) finish();
}

void Gateway::list_tools(Slot& slot, std::function<void(std::variant<UpstreamListing, std::string>)> done) {
  auto acc = std::make_shared<UpstreamListing>();
  acc->server = slot.spec.name;
  list_page(slot, acc, nullptr, 0, std::move(done));
}

void Gateway::list_page(Slot& slot, std::shared_ptr<UpstreamListing> acc, Json cursor, std::size_t page,
                        std::function<void(std::variant<UpstreamListing, std::string>)> done) {
  if (page >= options_.limits.max_list_pages) {
    done("more than " + std::to_string(options_.limits.max_list_pages) + " pages of tools");
    return;
  }
  Json params = Json::object();
  if (!cursor.is_null()) params["cursor"] = cursor;
  Slot* raw = &slot;
  slot.upstream->request(
      "tools/list", std::move(params),
      [this, raw, acc, page, done = std::move(done)](ClientAnswer answer) mutable {
        if (auto* error = std::get_if<ErrorObject>(&answer)) {
          done(error->message);
          return;
        }
        const Json& result = std::get<Json>(answer);
        if (!result.is_object() || !result.contains("tools") || !result["tools"].is_array()) {
          done("the answer has no \"tools\" array");
          return;
        }
        for (const Json& tool : result["tools"]) acc->tools.push_back(tool);
        auto next = result.find("nextCursor");
        if (next != result.end() && next->is_string() && !next->get_ref<const std::string&>().empty()) {
          list_page(*raw, acc, *next, page + 1, std::move(done));
          return;
        }
        done(std::move(*acc));
      },
      options_.limits.upstream_timeout);
}

// ---------------- shutdown and reload ----------------

void Gateway::stop(std::function<void()> stopped) {
  stopping_ = true;
  auto remaining = std::make_shared<std::size_t>(slots_.size());
  auto stopped_shared = std::make_shared<std::function<void()>>(std::move(stopped));
  if (slots_.empty()) {
    net::post(io_, [stopped_shared]() { if (*stopped_shared) (*stopped_shared)(); });
    return;
  }
  for (auto& owned : slots_) {
    Slot* slot = owned.get();
    slot->restart_timer->cancel();
    slot->upstream->dispatch([slot, remaining, stopped_shared]() {
      slot->upstream->stop([remaining, stopped_shared]() {
        if (--*remaining == 0 && *stopped_shared) (*stopped_shared)();
      });
    });
  }
}

void Gateway::reload(std::function<void()> done) {
  if (auto errors = enforcer_.reload()) {
    std::cerr << "gatecrash-gateway: SIGHUP: the new policy is invalid; keeping the old one:\n" << *errors;
  } else {
    std::cerr << "gatecrash-gateway: SIGHUP: policy reloaded from " << enforcer_.policy_path() << "\n";
  }
  // Re-pin: list every upstream again and accept what it offers now.
  struct Relisting {
    std::vector<UpstreamListing> listings;
    std::size_t pending = 0;
    bool failed = false;
    std::function<void()> done;
  };
  auto state = std::make_shared<Relisting>();
  state->listings.resize(slots_.size());
  state->pending = slots_.size();
  state->done = std::move(done);
  auto finish = [this, state]() {
    if (!state->failed) {
      std::vector<ListingNote> notes;
      auto built = ToolCatalog::build(options_.naming, state->listings, &notes);
      if (auto* error = std::get_if<ConfigError>(&built)) {
        std::cerr << "gatecrash-gateway: SIGHUP: keeping the old tool pins: " << error->message << "\n";
        audit_.write("repin", {{"ok", false}, {"error", error->message}});
      } else {
        {
          std::lock_guard lock(catalog_mu_);
          catalog_ = std::make_shared<const ToolCatalog>(std::get<ToolCatalog>(std::move(built)));
        }
        audit_.write("repin", {{"ok", true}});
      }
    } else {
      std::cerr << "gatecrash-gateway: SIGHUP: an upstream could not be listed; keeping the old tool pins\n";
      audit_.write("repin", {{"ok", false}, {"error", "an upstream could not be listed"}});
    }
    broadcast("notifications/tools/list_changed");
    if (state->done) state->done();
  };
  if (slots_.empty()) {
    finish();
    return;
  }
  for (auto& owned : slots_) {
    Slot* slot = owned.get();
    slot->upstream->dispatch([this, slot, state, finish]() {
      list_tools(*slot, [slot, state, finish](std::variant<UpstreamListing, std::string> listed) {
        if (auto* listing = std::get_if<UpstreamListing>(&listed)) state->listings[slot->index] = std::move(*listing);
        else state->failed = true;
        if (--state->pending == 0) finish();
      });
    });
  }
}

// ---------------- upstream failures ----------------

void Gateway::on_upstream_exit(Slot& slot, const mcp::UpstreamExit& exit) {
  slot.in_flight.clear();  // the upstream has failed each of them already
  slot.by_progress_token.clear();
  slot.relisting = false;
  for (auto& call : std::exchange(slot.held, {})) {
    call->link->post([call, message = exit.message]() {
      call->done(ErrorObject{mcp::error_code::kInternalError, message + " while the call was waiting", nullptr});
    });
  }
  if (stopping_ || exit.requested) return;
  std::cerr << "gatecrash-gateway: " << exit.message << "\n";
  audit_.write("upstream_exit", {{"upstream", slot.spec.name}, {"status", exit.status}, {"message", exit.message}});
  schedule_restart(slot);
}

void Gateway::schedule_restart(Slot& slot) {
  const auto& limits = options_.limits;
  // An upstream that ran a while before dying starts again quickly; one that keeps dying waits
  // longer each time, up to the maximum.
  const bool was_stable = slot.ready_since != std::chrono::steady_clock::time_point{} &&
                          std::chrono::steady_clock::now() - slot.ready_since > std::chrono::seconds(10);
  if (was_stable || slot.backoff.count() == 0) slot.backoff = limits.restart_backoff_min;
  else slot.backoff = std::min(slot.backoff * 2, limits.restart_backoff_max);
  slot.ready_since = {};
  Slot* raw = &slot;
  slot.restart_timer->expires_after(slot.backoff);
  slot.restart_timer->async_wait([this, raw](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    raw->upstream->dispatch([this, raw]() {
      if (stopping_) return;
      raw->upstream->restart([this, raw](ClientAnswer answer) {
        if (std::holds_alternative<ErrorObject>(answer)) return;  // on_exit follows and retries
        raw->ready_since = std::chrono::steady_clock::now();
        audit_.write("upstream_ready", {{"upstream", raw->spec.name}});
        relist(*raw);
      });
    });
  });
}

// Re-lists one upstream (after list_changed or a restart) and compares it with the pins.
void Gateway::relist(Slot& slot) {
  if (slot.relisting) {
    slot.relist_again = true;
    return;
  }
  slot.relisting = true;
  Slot* raw = &slot;
  list_tools(slot, [this, raw](std::variant<UpstreamListing, std::string> listed) {
    raw->relisting = false;
    if (auto* listing = std::get_if<UpstreamListing>(&listed)) {
      std::vector<std::string> changed;
      std::vector<ListingNote> notes;
      {
        std::lock_guard lock(catalog_mu_);
        if (catalog_) {
          auto copy = std::make_shared<ToolCatalog>(*catalog_);
          changed = copy->relist(raw->index, *listing, &notes);
          catalog_ = std::move(copy);
        }
      }
      for (const auto& name : changed) {
        auto current = catalog();
        const CatalogTool* tool = current ? current->find(name) : nullptr;
        const std::string status = tool ? std::string(to_string(tool->status)) : "unknown";
        std::cerr << "gatecrash-gateway: upstream " << raw->spec.name << ": tool \"" << name << "\" " << status
                  << " since it was pinned; refused until reload (SIGHUP)\n";
        audit_.write("tool_changed", {{"upstream", raw->spec.name}, {"tool", name}, {"status", status}});
      }
      for (const auto& n : notes) audit_.write("listing_note", {{"upstream", n.server}, {"message", n.message}});
      if (!changed.empty()) broadcast("notifications/tools/list_changed");
    } else {
      audit_.write("relist_failed", {{"upstream", raw->spec.name}, {"error", std::get<std::string>(listed)}});
    }
    if (raw->relist_again) {
      raw->relist_again = false;
      relist(*raw);
      return;
    }
    // Calls that waited are checked against the pins as they are now.
    auto held = std::move(raw->held);
    raw->held.clear();
    auto current = catalog();
    for (auto& call : held) {
      const CatalogTool* tool = current ? current->find(call->tool) : nullptr;
      if (tool && tool->status != PinStatus::pinned) {
        const std::string what = tool->status == PinStatus::changed ? "changed" : tool->status == PinStatus::added ? "added" : "removed";
        audit_.write("decision", {{"identity", call->link->identity},
                                  {"session", call->link->session},
                                  {"tool", call->tool},
                                  {"verdict", "tool_changed"},
                                  {"rule", "pinning"},
                                  {"status", what}});
        call->link->post([call, error = tool_changed_error(call->tool, what)]() { call->done(error); });
        continue;
      }
      send(*raw, std::move(call));
    }
  });
}

// ---------------- forwarding ----------------

void Gateway::forward(std::shared_ptr<ForwardedCall> call) {
  Slot* slot = slots_.at(call->upstream).get();
  slot->upstream->dispatch([this, slot, call = std::move(call)]() mutable {
    if (slot->relisting && call->method == "tools/call") {
      slot->held.push_back(std::move(call));
      return;
    }
    send(*slot, std::move(call));
  });
}

void Gateway::send(Slot& slot_ref, std::shared_ptr<ForwardedCall> call) {
  Slot* slot = &slot_ref;
  {
    if (call->cancel_requested) {
      call->link->post([call]() { call->done(ErrorObject{-32800, "Request cancelled", nullptr}); });
      return;
    }
    // Sent once: nothing reads the call's params after this, so they are moved, not copied.
    Json params = std::move(call->params);
    if (!call->client_progress_token.is_null()) {
      call->progress_token = "gc-p-" + std::to_string(++next_progress_token_);
      params["_meta"]["progressToken"] = call->progress_token;
      slot->by_progress_token[call->progress_token] = call;
    }
    auto answered = [slot, call](ClientAnswer answer) {
      slot->in_flight.erase(call->handle.id);
      if (!call->progress_token.empty()) slot->by_progress_token.erase(call->progress_token);
      call->link->post([call, answer = std::move(answer)]() mutable { call->done(std::move(answer)); });
    };
    mcp::RequestHandle handle =
        slot->upstream->request(call->method, std::move(params), answered, options_.limits.upstream_timeout);
    if (handle) {
      call->handle = handle;
      slot->in_flight[handle.id] = call;
    }
  }
}

void Gateway::cancel(std::shared_ptr<ForwardedCall> call) {
  Slot* slot = slots_.at(call->upstream).get();
  slot->upstream->dispatch([slot, call = std::move(call)]() {
    if (call->handle) slot->upstream->cancel(call->handle, "cancelled by the client");
    else call->cancel_requested = true;
  });
}

// ---------------- resources, prompts, completion ----------------

namespace {
struct ListSpec {
  std::string_view method;
  std::string_view capability;
  std::string_view key;  // the array in the result
};
constexpr ListSpec kListMethods[] = {
    {"resources/list", "resources", "resources"},
    {"resources/templates/list", "resources", "resourceTemplates"},
    {"prompts/list", "prompts", "prompts"},
};
}  // namespace

void Gateway::relay(std::shared_ptr<ForwardedCall> call) {
  net::post(io_, [this, call = std::move(call)]() mutable {
    for (const auto& spec : kListMethods) {
      if (call->method == spec.method) {
        fan_out_list(std::move(call), std::string(spec.capability), std::string(spec.key));
        return;
      }
    }
    std::string why;
    auto upstream = route_for(call->method, call->params, why);
    if (!upstream) {
      call->link->post([call, why]() { call->done(ErrorObject{mcp::error_code::kInvalidParams, why, nullptr}); });
      return;
    }
    call->upstream = *upstream;
    forward(std::move(call));
  });
}

std::optional<std::size_t> Gateway::route_for(const std::string& method, const Json& params, std::string& why) {
  const bool prompt_side = method == "prompts/get" ||
                           (method == "completion/complete" && params.is_object() && params.contains("ref") &&
                            params["ref"].is_object() && params["ref"].value("type", "") == "ref/prompt");
  const std::string capability = prompt_side ? "prompts" : "resources";
  std::string key;
  if (params.is_object()) {
    if (method == "prompts/get" && params.contains("name") && params["name"].is_string()) key = params["name"];
    else if (method.rfind("resources/", 0) == 0 && params.contains("uri") && params["uri"].is_string()) key = params["uri"];
    else if (method == "completion/complete" && params.contains("ref") && params["ref"].is_object()) {
      const Json& ref = params["ref"];
      if (ref.contains("name") && ref["name"].is_string()) key = ref["name"];
      else if (ref.contains("uri") && ref["uri"].is_string()) key = ref["uri"];
    }
  }
  const auto& routes = prompt_side ? prompt_routes_ : resource_routes_;
  if (auto it = routes.find(key); it != routes.end()) return it->second;
  // Not listed yet (or listed by nobody): with a single upstream offering the capability there
  // is only one place it can be.
  std::optional<std::size_t> only;
  for (const auto& slot : slots_) {
    auto description = slot->upstream->server();
    if (!description || !description->capabilities.contains(capability)) continue;
    if (only) {
      why = (prompt_side ? "Unknown prompt: " : "Unknown resource: ") + key;
      return std::nullopt;
    }
    only = slot->index;
  }
  if (!only) why = "Method not found: " + method;
  return only;
}

void Gateway::remember_routes(std::size_t upstream, const std::string& method, const Json& items) {
  for (const Json& item : items) {
    if (!item.is_object()) continue;
    if (method == "prompts/list") {
      if (item.contains("name") && item["name"].is_string()) prompt_routes_.emplace(item["name"], upstream);
    } else {
      for (const char* field : {"uri", "uriTemplate"}) {
        if (item.contains(field) && item[field].is_string()) resource_routes_.emplace(item[field], upstream);
      }
    }
  }
}

void Gateway::fan_out_list(std::shared_ptr<ForwardedCall> call, const std::string& capability, const std::string& key) {
  struct Gather {
    std::vector<Json> per_upstream;
    std::size_t pending = 0;
    std::optional<ErrorObject> error;
  };
  auto gather = std::make_shared<Gather>();
  std::vector<Slot*> offering;
  for (auto& slot : slots_) {
    auto description = slot->upstream->server();
    if (description && description->capabilities.contains(capability)) offering.push_back(slot.get());
  }
  gather->per_upstream.resize(slots_.size(), Json::array());
  gather->pending = offering.size();
  auto finish = [this, call, gather, key]() {
    Json merged = Json::array();
    for (std::size_t u = 0; u < gather->per_upstream.size(); ++u) {
      remember_routes(u, call->method, gather->per_upstream[u]);
      for (auto& item : gather->per_upstream[u]) merged.push_back(std::move(item));
    }
    mcp::ClientAnswer answer = Json{{key, std::move(merged)}};
    if (gather->error) answer = *gather->error;
    call->link->post([call, answer = std::move(answer)]() mutable { call->done(std::move(answer)); });
  };
  if (offering.empty()) {
    finish();
    return;
  }
  for (Slot* slot : offering) {
    // Every page of every upstream, bounded like tools/list.
    auto page = std::make_shared<std::function<void(Json, std::size_t)>>();
    *page = [this, slot, call, gather, key, finish, page](Json cursor, std::size_t number) {
      Json params = Json::object();
      if (!cursor.is_null()) params["cursor"] = cursor;
      slot->upstream->request(
          call->method, std::move(params),
          [this, slot, gather, key, finish, page, number](mcp::ClientAnswer answer) mutable {
            auto done_one = [&]() {
              *page = nullptr;  // breaks the self-reference
              if (--gather->pending == 0) finish();
            };
            if (auto* error = std::get_if<ErrorObject>(&answer)) {
              if (!gather->error) gather->error = *error;
              done_one();
              return;
            }
            const Json& result = std::get<Json>(answer);
            if (result.is_object() && result.contains(key) && result[key].is_array()) {
              for (const auto& item : result[key]) gather->per_upstream[slot->index].push_back(item);
            }
            auto next = result.is_object() ? result.find("nextCursor") : result.end();
            if (next != result.end() && next->is_string() && number + 1 < options_.limits.max_list_pages) {
              (*page)(*next, number + 1);
              return;
            }
            done_one();
          },
          options_.limits.upstream_timeout);
    };
    slot->upstream->dispatch([page]() { (*page)(nullptr, 0); });
  }
}

void Gateway::attach(const std::shared_ptr<ClientLink>& link) {
  std::lock_guard lock(links_mu_);
  std::erase_if(links_, [](const std::weak_ptr<ClientLink>& weak) { return weak.expired(); });
  links_.push_back(link);
}

void Gateway::broadcast(const std::string& method) {
  std::vector<std::shared_ptr<ClientLink>> live;
  {
    std::lock_guard lock(links_mu_);
    std::erase_if(links_, [](const std::weak_ptr<ClientLink>& weak) { return weak.expired(); });
    for (auto& weak : links_) {
      if (auto link = weak.lock()) live.push_back(std::move(link));
    }
  }
  for (auto& link : live) link->notify(method, nullptr);
}

// ---------------- traffic from upstreams ----------------

// The call a message from an upstream belongs to when only one client session has calls in
// flight there (its most recent call); otherwise nullptr. Over stdio an upstream cannot say
// which request a server-to-client request belongs to, so anything else would be a guess that
// could hand one client's sampling or elicitation to another.
std::shared_ptr<ForwardedCall> Gateway::sole_caller(Slot& slot) const {
  std::shared_ptr<ForwardedCall> chosen;
  for (auto& [id, call] : slot.in_flight) {
    if (chosen && chosen->link != call->link) return nullptr;
    chosen = call;  // ids grow, so the last one seen is the most recent
  }
  return chosen;
}

void Gateway::on_server_request(Slot& slot, mcp::Request request, mcp::AnswerCallback respond) {
  auto capability = capability_for(request.method);
  auto call = sole_caller(slot);
  const auto refuse = [&](const std::string& why) {
    audit_.write("server_request_refused", {{"upstream", slot.spec.name}, {"method", request.method}, {"reason", why}});
    respond(ErrorObject{mcp::error_code::kInvalidRequest, "gatecrash-gateway refused " + request.method + ": " + why,
                        nullptr});
  };
  if (!capability) {
    refuse("not a server-to-client request the gateway relays");
    return;
  }
  if (!call) {
    refuse(slot.in_flight.empty() ? "no client call is in flight on this upstream (unsolicited)"
                                  : "calls of several client sessions are in flight; it cannot be attributed");
    return;
  }
  Slot* raw = &slot;
  auto respond_shared = std::make_shared<mcp::AnswerCallback>(std::move(respond));
  call->link->post([raw, call, request = std::move(request), capability, respond_shared]() mutable {
    const Json& caps = call->ctx->client().capabilities;
    if (!caps.is_object() || !caps.contains(std::string(*capability))) {
      raw->upstream->dispatch([respond_shared, method = request.method]() {
        (*respond_shared)(ErrorObject{mcp::error_code::kInvalidRequest,
                                      "gatecrash-gateway refused " + method + ": the client did not declare that capability",
                                      nullptr});
      });
      return;
    }
    call->ctx->ask_client(request.method, request.params, [raw, respond_shared](ClientAnswer answer) mutable {
      raw->upstream->dispatch(
          [respond_shared, answer = std::move(answer)]() mutable { (*respond_shared)(std::move(answer)); });
    });
  });
}

void Gateway::on_notification(Slot& slot, mcp::Notification notification) {
  if (notification.method == "notifications/tools/list_changed") {
    relist(slot);
    return;
  }
  if (notification.method == "notifications/progress") {
    if (!notification.params.is_object()) return;
    auto token = notification.params.find("progressToken");
    if (token == notification.params.end() || !token->is_string()) return;
    auto it = slot.by_progress_token.find(token->get<std::string>());
    if (it == slot.by_progress_token.end()) return;
    auto call = it->second.lock();
    if (!call) return;
    Json params = notification.params;
    params["progressToken"] = call->client_progress_token;
    call->link->post([call, params = std::move(params)]() mutable {
      call->ctx->notify("notifications/progress", std::move(params));
    });
    return;
  }
  if (notification.method == "notifications/message") {
    // Log messages go to the one client they can be attributed to, like server requests.
    if (auto call = sole_caller(slot)) {
      call->link->post([call, params = std::move(notification.params)]() mutable {
        call->ctx->notify("notifications/message", std::move(params));
      });
    }
    return;
  }
  if (notification.method == "notifications/resources/list_changed" ||
      notification.method == "notifications/prompts/list_changed") {
    broadcast(notification.method);
    return;
  }
  if (notification.method == "notifications/resources/updated") {
    std::vector<std::shared_ptr<ClientLink>> live;
    {
      std::lock_guard lock(links_mu_);
      for (auto& weak : links_) {
        if (auto link = weak.lock()) live.push_back(std::move(link));
      }
    }
    for (auto& link : live) link->notify(notification.method, notification.params);
    return;
  }
  // Anything else (unknown methods) is dropped.
}

}  // namespace gatecrash::gateway
