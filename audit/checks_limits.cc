// audit/checks_limits.cc — checks of how the caps count: per session, calendar windows, and the
// shared wildcard counter standing in for a tool's own cap.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>

#include "audit/checks.h"

namespace gatecrash::audit {
namespace {

using policy::Scope;

// "10/minute per session", "30/minute per identity", "5/day for everyone".
std::string cap_phrase(const policy::Limit& limit) {
  const std::string rate =
      std::to_string(limit.max) + "/" + policy::window_name(limit.window.length);
  switch (limit.scope) {
    case Scope::grant:
      return rate + " per identity";
    case Scope::session:
      return rate + " per session";
    case Scope::global:
      break;
  }
  return rate + " for everyone";
}

// How the policy's author knows the limit: its counter in the native dialect; in Intercept,
// where counter names are derived, the rule that holds it ("tools.<key>.rules[<i>]:<name>").
std::string limit_label(const CheckContext& context, const LimitSite& site) {
  const policy::Limit& limit = *site.limit;
  if (context.policy().dialect == policy::Dialect::native) return "counter " + quote(limit.counter);
  const std::string prefix = "tools." + site.key + ".rules[";
  const auto name_start = limit.rule.find("]:", prefix.size());
  const std::string name =
      name_start == std::string::npos ? limit.rule : limit.rule.substr(name_start + 2);
  return "the limit of rule " + quote(name) + " under " + quote(site.key);
}

// The window as the native dialect writes it: a name, or whole seconds.
std::string window_json(const policy::Limit& limit) {
  const std::string name = policy::window_name(limit.window.length);
  return std::isdigit(static_cast<unsigned char>(name.front())) ? name.substr(0, name.size() - 1)
                                                                : quote(name);
}

// State-changing tools a person does not confirm call by call: the ones caps must hold back.
bool needs_own_bound(const ToolRisk& tool, const ToolTreatment& treatment) {
  return tool.tool_class != ToolClass::read && treatment.callable && !treatment.needs_approval;
}

bool is_shorthand(const policy::Limit& limit) { return limit.rule.ends_with(".rate_limit"); }

}  // namespace

void check_session_scoped_cap(CheckContext& context) {
  struct Relied {
    LimitSite site;
    std::vector<std::string> tools;
  };
  // Session limits on state-changing tools that no cap of the tool's own, per grant or global,
  // backs up. A wildcard cap does not count: it is a loose budget shared by every tool.
  std::map<std::string, Relied> by_rule;
  for (const ToolRisk& tool : context.tools()) {
    const ToolTreatment treatment = context.treatment(tool);
    if (!needs_own_bound(tool, treatment)) continue;
    const auto caps = treatment.caps();
    const bool backed = std::any_of(caps.begin(), caps.end(), [](const LimitSite& site) {
      return site.key != kWildcardKey && site.limit->scope != Scope::session;
    });
    if (backed) continue;
    for (const LimitSite& site : caps) {
      if (site.limit->scope != Scope::session) continue;
      auto& relied = by_rule.try_emplace(site.limit->rule, Relied{site, {}}).first->second;
      relied.tools.push_back(tool.name);
    }
  }
  const auto& wildcard = context.policy().wildcard;
  for (const auto& [rule, relied] : by_rule) {
    const policy::Limit& limit = *relied.site.limit;
    const bool shorthand = is_shorthand(limit);
    std::string remains = "nothing";
    if (wildcard) {
      for (const auto& shared : wildcard->limits) {
        if (shared.scope != Scope::session && (shared.increment > 0 || shared.increment_from)) {
          remains = "only the wildcard's " + cap_phrase(shared);
          break;
        }
      }
    }
    context.report(
        context.pointers().limit(relied.site.key, limit, "scope"),
        relied.tools.size() == 1 ? relied.tools.front() : "",
        limit_label(context, relied.site) + " (" + cap_phrase(limit) + ", on " +
            name_list(relied.tools) + ") is counted per session" +
            (shorthand ? ", as the rate_limit shorthand always is" : "") +
            ": a client that opens a new session starts again from zero, so it does not bound an "
            "identity, and " +
            remains + " does",
        shorthand ? "replace \"rate_limit\" with \"limits\": [{\"counter\": " +
                        quote(limit.counter) + ", \"window\": " + window_json(limit) +
                        ", \"max\": " + std::to_string(limit.max) + ", \"scope\": \"grant\"}]"
                  : "set \"scope\": \"grant\" (one budget per identity across its sessions) or "
                    "\"global\"");
  }
}

void check_fixed_window(CheckContext& context) {
  const policy::Policy& policy = context.policy();
  for (const auto& [counter, spec] : policy.counters) {
    if (spec.window.mode != policy::WindowMode::fixed) continue;
    std::vector<std::string> charged;
    bool charges_changes = false;
    std::optional<LimitSite> first_site;
    for (const ToolRisk& tool : context.tools()) {
      const ToolTreatment treatment = context.treatment(tool);
      if (!treatment.callable) continue;
      for (const LimitSite& site : treatment.limits) {
        if (site.limit->counter != counter) continue;
        charged.push_back(tool.name);
        charges_changes = charges_changes || tool.tool_class != ToolClass::read;
        if (!first_site) first_site = site;
        break;
      }
    }
    if (!first_site) continue;  // charged by no callable tool: it bounds nothing here
    const policy::Limit& limit = *first_site->limit;
    Finding& finding = context.report(
        context.pointers().limit(first_site->key, limit, "window_mode"),
        charged.size() == 1 ? charged.front() : "",
        limit_label(context, *first_site) + " (" + cap_phrase(limit) + ", charged by " +
            name_list(charged) + ") counts in calendar-aligned windows: a full window's " +
            std::to_string(spec.max) + " just before a boundary and " + std::to_string(spec.max) +
            " more just after it pass within seconds, 2 x max = " + std::to_string(2 * spec.max),
        context.fix("set \"window_mode\": \"sliding\" (every interval of the window's length then "
                    "holds at most max)",
                    "Intercept windows are always calendar-aligned: if a burst of 2 x max is too "
                    "many, halve the cap (" +
                        std::to_string(std::max<std::int64_t>(1, spec.max / 2)) + "/" +
                        policy::window_name(spec.window.length) +
                        "), or enforce the policy with a gateway that has sliding windows"));
    if (!charges_changes) finding.severity = Severity::low;
  }
}

void check_wildcard_only_cap(CheckContext& context) {
  // One finding per shared limit and severity: high-risk tools (destructive, execute) are high,
  // writes medium.
  struct Relying {
    LimitSite shared;
    std::vector<const ToolRisk*> tools;
  };
  std::map<std::pair<std::string, bool>, Relying> groups;  // (rule, high risk) -> tools
  for (const ToolRisk& tool : context.tools()) {
    const ToolTreatment treatment = context.treatment(tool);
    if (!needs_own_bound(tool, treatment)) continue;
    const auto caps = treatment.caps();
    if (caps.empty() || treatment.has_own_cap()) continue;
    const bool high_risk = tool.risk == RiskLevel::high;
    auto& group =
        groups.try_emplace({caps.front().limit->rule, high_risk}, Relying{caps.front(), {}})
            .first->second;
    group.tools.push_back(&tool);
  }
  for (const auto& [key, group] : groups) {
    const bool high_risk = key.second;
    const policy::Limit& shared = *group.shared.limit;
    std::vector<std::string> names;
    for (const ToolRisk* tool : group.tools) {
      names.push_back(tool->name + " (" + std::string(to_string(tool->tool_class)) + ")");
    }
    const ToolRisk& first = *group.tools.front();
    const std::string max = high_risk ? "10" : "30";
    const bool one = group.tools.size() == 1;
    Finding& finding = context.report(
        one && context.policy().tools.contains(first.name)
            ? context.pointers().tool(first.name)
            : context.pointers().limit(group.shared.key, shared),
        one ? first.name : "",
        name_list(names, 12) + (one ? " is" : " are") + " capped only by the wildcard's shared " +
            limit_label(context, group.shared) + " (" + cap_phrase(shared) +
            "): " + (one ? "it" : "each") +
            " may spend that whole budget on its own, and every other tool's calls count against "
            "the same budget",
        context.fix("give " + std::string(one ? "it" : "each") +
                        " its own limit, e.g. \"limits\": [{\"counter\": " + quote(first.name) +
                        ", \"window\": \"minute\", \"max\": " + max + ", \"scope\": \"grant\"}]",
                    "give " + std::string(one ? "it" : "each") + " its own rule, e.g. {name: " +
                        first.name + " rate, rate_limit: " + max + "/minute}"));
    if (high_risk) finding.severity = Severity::high;
  }
}

}  // namespace gatecrash::audit
