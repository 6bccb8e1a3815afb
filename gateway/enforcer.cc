// gateway/enforcer.cc — decisions under one lock, audit lines, policy reload.
#include "gateway/enforcer.h"

#include <chrono>

namespace gatecrash::gateway {

namespace {

// Counters whose windows hold nothing are dropped every this many decisions, so keys made up by
// churning identities and sessions do not accumulate (X3).
constexpr std::uint64_t kPruneEvery = 4096;

Json charges_json(const std::vector<policy::Charge>& charges) {
  Json out = Json::array();
  for (const auto& charge : charges) {
    out.push_back({{"rule", charge.rule},
                   {"counter", charge.counter},
                   {"scope", std::string(policy::to_string(charge.scope))},
                   {"scope_key", charge.scope_key},
                   {"amount", charge.amount},
                   {"value", charge.value},
                   {"max", charge.max}});
  }
  return out;
}

}  // namespace

Enforcer::Enforcer(std::shared_ptr<const policy::Policy> policy, std::string policy_path, AuditLog& audit,
                   std::unique_ptr<CounterJournal> journal)
    : policy_(std::move(policy)), policy_path_(std::move(policy_path)), audit_(audit), journal_(std::move(journal)) {}

policy::Decision Enforcer::decide(const policy::Call& call, const CallContext& context) {
  policy::Decision decision;
  {
    std::lock_guard lock(mu_);
    // With a journal the clock is read under its lock, so charges are journaled in time order.
    if (journal_) journal_->acquire(counters_, *policy_);
    const policy::TimePoint now(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch()));
#ifdef GATECRASH_SEEDED_DEFECTS
    decision = decide_defective(call, context, now);
#else
    decision = policy::decide(*policy_, call, counters_, now);
#endif
    if (journal_) journal_->release(decision.charges, now);
    if (++decisions_ % kPruneEvery == 0) counters_.prune(now);
  }
  if (audit_.enabled()) {
    Json line = {{"identity", call.identity},
                 {"session", call.session},
                 {"tool", call.tool},
                 {"upstream", context.upstream},
                 {"request_id", context.request_id},
                 {"verdict", std::string(policy::to_string(decision.verdict))},
                 {"rule", decision.rule},
                 {"reason", decision.reason},
                 {"approved", call.approved},
                 {"counters", charges_json(decision.charges)},
                 {"arguments", redact(call.arguments)}};
    if (decision.verdict == policy::Verdict::rate_limited) {
      line["retry_after_ms"] = decision.retry_after.count();
    }
    audit_.write("decision", std::move(line));
  }
  return decision;
}

#ifdef GATECRASH_SEEDED_DEFECTS
// The seeded defects that live in the policy's reading: a changed copy of the policy, or charges
// made on a scratch copy of the counters (the caller charges later, or never).
policy::Decision Enforcer::decide_defective(const policy::Call& call, const CallContext& context, policy::TimePoint now) {
  policy::Policy variant = *policy_;
  auto each_limit = [&](auto&& change) {
    for (auto& [name, rules] : variant.tools) {
      for (auto& limit : rules.limits) change(limit.window, limit.scope);
    }
    if (variant.wildcard) {
      for (auto& limit : variant.wildcard->limits) change(limit.window, limit.scope);
    }
    for (auto& [name, spec] : variant.counters) change(spec.window, spec.scope);
  };
  if (seeded(Defect::fixed_windows)) each_limit([](policy::Window& window, policy::Scope&) { window.mode = policy::WindowMode::fixed; });
  if (seeded(Defect::session_scope)) {
    each_limit([](policy::Window&, policy::Scope& scope) {
      if (scope == policy::Scope::grant) scope = policy::Scope::session;
    });
  }
  if (seeded(Defect::hidden_callable)) variant.hide.clear();
  if (context.defect_skip_conditions) {
    for (auto& [name, rules] : variant.tools) rules.conditions.clear();
    if (variant.wildcard) variant.wildcard->conditions.clear();
  }
  if (context.defect_no_charge) {
    policy::Counters scratch = counters_;
    policy::Decision decision = policy::decide(variant, call, scratch, now);
    decision.charges.clear();  // nothing charged: nothing for the journal either
    return decision;
  }
  return policy::decide(variant, call, counters_, now);
}
#endif

std::optional<std::string> Enforcer::reload() {
  auto loaded = policy::load_policy_file(policy_path_);
  if (!loaded.ok()) {
    std::string errors = loaded.error_text();
    audit_.write("reload", {{"ok", false}, {"policy", policy_path_}, {"errors", errors}});
    return errors;
  }
  {
    std::lock_guard lock(mu_);
    policy_ = std::make_shared<const policy::Policy>(std::move(*loaded.policy));
  }
  audit_.write("reload", {{"ok", true}, {"policy", policy_path_}});
  return std::nullopt;
}

std::shared_ptr<const policy::Policy> Enforcer::policy() const {
  std::lock_guard lock(mu_);
  return policy_;
}

bool Enforcer::visible_in_listing(std::string_view tool) const {
  return policy::visible_in_listing(*policy(), tool);
}

mcp::ErrorObject unknown_tool_error(std::string_view tool) {
  return {mcp::error_code::kInvalidParams, "Unknown tool: " + std::string(tool), nullptr};
}

mcp::ErrorObject tool_changed_error(std::string_view tool, std::string_view what) {
  return {-32001,
          "denied by policy: the upstream " + std::string(what) + " tool \"" + std::string(tool) +
              "\" after it was pinned; it stays refused until the gateway is reloaded (SIGHUP)",
          Json{{"kind", "tool_changed"}, {"rule", "pinning"}}};
}

mcp::ErrorObject refusal_error(const policy::Decision& decision, std::string_view tool) {
  if (decision.verdict == policy::Verdict::unknown_tool) return unknown_tool_error(tool);
  Json data = {{"kind", std::string(policy::to_string(decision.verdict))}, {"rule", decision.rule}};
  if (decision.verdict == policy::Verdict::rate_limited) data["retry_after_ms"] = decision.retry_after.count();
  return {-32001, "denied by policy: " + decision.reason, std::move(data)};
}

}  // namespace gatecrash::gateway
