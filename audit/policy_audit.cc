// audit/policy_audit.cc — the table of checks, and running it.
#include "audit/policy_audit.h"

#include <algorithm>
#include <cctype>

#include "audit/checks.h"

namespace gatecrash::audit {

const std::vector<Check>& audit_checks() {
  static const std::vector<Check> checks = {
      {"audit.default-allow",
       Severity::high,
       {"A1", "A2", "A3", "A8", "S2"},
       "default allow (or no default): unnamed tools, new tools and name variants pass",
       check_default_allow},
      {"audit.destructive-unguarded",
       Severity::critical,
       {"S1", "S4"},
       "a destructive tool callable without approval and without a cap",
       check_destructive_unguarded},
      {"audit.execute-unguarded",
       Severity::high,
       {"S1", "S4"},
       "an execute tool callable without approval and without a cap",
       check_execute_unguarded},
      {"audit.write-unlimited",
       Severity::medium,
       {"S4", "E2"},
       "a write tool callable without approval and without any limit",
       check_write_unlimited},
      {"audit.session-scoped-cap",
       Severity::high,
       {"R3"},
       "a state-changing tool capped only per session: a new session is a fresh budget",
       check_session_scoped_cap},
      {"audit.fixed-window",
       Severity::medium,
       {"R1"},
       "a fixed (calendar) window: 2 x max pass across a window boundary",
       check_fixed_window},
      {"audit.wildcard-only-cap",
       Severity::medium,
       {"R7"},
       "a state-changing tool whose only cap is the shared wildcard counter",
       check_wildcard_only_cap},
      {"audit.hidden-but-allowed",
       Severity::medium,
       {"A12"},
       "a hidden tool nothing else refuses: safe only if the gateway refuses hidden calls",
       check_hidden_but_allowed},
      {"audit.unanchored-regex",
       Severity::medium,
       {"A16"},
       "a regex condition not anchored at both ends (RE2 matches a part)",
       check_unanchored_regex},
      {"audit.condition-on-missing-argument",
       Severity::medium,
       {"A16", "A11"},
       "a condition or increment_from on an argument the tool does not have",
       check_condition_on_missing_argument},
      {"audit.many-parameters-unconstrained",
       Severity::low,
       {"E2", "A15"},
       "a callable tool with more than 10 parameters and no argument condition",
       check_many_parameters_unconstrained},
      {"audit.secret-argument",
       Severity::high,
       {"E1", "E2"},
       "a credential accepted as a tool argument and not refused by the policy",
       check_secret_argument},
      {"audit.unknown-tool",
       Severity::medium,
       {"A1", "A2", "A3"},
       "a policy entry or hide entry naming a tool the server does not expose",
       check_unknown_tool},
  };
  return checks;
}

std::vector<Finding> audit_policy(const AuditedPolicy& policy, const std::vector<ToolRisk>& tools) {
  std::vector<Finding> findings;
  for (const Check& check : audit_checks()) {
    CheckContext context(check, policy, tools, findings);
    check.run(context);
  }
  std::stable_sort(findings.begin(), findings.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return findings;
}

const ToolRisk* CheckContext::find_tool(std::string_view name) const {
  auto found = std::find_if(tools_.begin(), tools_.end(),
                            [&](const ToolRisk& tool) { return tool.name == name; });
  return found == tools_.end() ? nullptr : &*found;
}

std::string CheckContext::allowance(const std::string& tool) const {
  return policy_.policy.tools.contains(tool) ? pointers_.tool(tool) : pointers_.default_action();
}

Finding& CheckContext::report(std::string pointer, std::string tool, std::string message,
                              std::string fix) {
  findings_.push_back(Finding{std::string(check_.id), check_.severity, check_.attacks,
                              std::move(pointer), std::move(tool), std::move(message),
                              std::move(fix)});
  return findings_.back();
}

std::string quote(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string name_list(const std::vector<std::string>& names, std::size_t shown) {
  std::string out;
  const std::size_t listed = std::min(names.size(), shown);
  for (std::size_t i = 0; i < listed; ++i) {
    if (i > 0) out += i + 1 == listed && listed == names.size() ? " and " : ", ";
    out += names[i];
  }
  if (names.size() > listed) out += " and " + std::to_string(names.size() - listed) + " more";
  return out;
}

namespace {

std::string lower_alnum(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 5) + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance =
        lower_alnum(candidate) == lower_alnum(name) ? 0 : edit_distance(candidate, name);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace gatecrash::audit
