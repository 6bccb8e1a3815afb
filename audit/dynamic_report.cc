// audit/dynamic_report.cc — `gatecrash audit --dynamic` as a table and as JSON.
#include "audit/dynamic_report.h"

#include <algorithm>
#include <string>

namespace gatecrash::audit {

std::string dynamic_summary_line(const DynamicAudit& dynamic) {
  std::size_t gateway_findings = 0;
  for (const auto& trial : dynamic.attacks) gateway_findings += trial.gateway_findings.size();
  int limited = 0;
  for (const auto& trial : dynamic.attacks) limited += trial.outcome == "limited" ? 1 : 0;
  const int stopped = static_cast<int>(dynamic.attacks.size()) - dynamic.not_stopped() - dynamic.errors() - limited;
  return "DYNAMIC: " + std::to_string(dynamic.attacks.size()) + " attacks, " + std::to_string(stopped) + " stopped, " +
         std::to_string(limited) + " limited, " +
         std::to_string(dynamic.not_stopped()) + " not stopped, " + std::to_string(dynamic.errors()) + " errors; " +
         std::to_string(gateway_findings) + " gateway findings";
}

void write_dynamic_text(std::ostream& out, const DynamicAudit& dynamic) {
  out << "\ndynamic: " << dynamic.scenarios << " scenarios of catalog " << dynamic.server
      << ", each run with its own policy and with this one, against " << dynamic.profile << ", seed " << dynamic.seed << ", "
      << dynamic.duration_ms / 1000 << "." << (dynamic.duration_ms % 1000) / 100 << " s\n";
  out << "ATTACK  OUTCOME      LET THROUGH  SCENARIOS\n";
  for (const auto& trial : dynamic.attacks) {
    std::string scenarios;
    for (const auto& id : trial.scenarios) scenarios += (scenarios.empty() ? "" : ", ") + id;
    std::string let = std::to_string(trial.let_through);
    out << trial.attack << std::string(trial.attack.size() < 8 ? 8 - trial.attack.size() : 1, ' ') << trial.outcome
        << std::string(trial.outcome.size() < 13 ? 13 - trial.outcome.size() : 1, ' ') << std::string(11 - std::min<std::size_t>(11, let.size()), ' ')
        << let << "  " << scenarios << "\n";
    for (const auto& line : trial.evidence) out << "        " << line << "\n";
    for (const auto& line : trial.gateway_findings) out << "        gateway finding: " << line << "\n";
  }
  out << dynamic_summary_line(dynamic) << "\n";
}

nlohmann::ordered_json dynamic_to_json(const DynamicAudit& dynamic) {
  nlohmann::ordered_json attacks = nlohmann::ordered_json::array();
  for (const auto& trial : dynamic.attacks) {
    attacks.push_back({{"attack", trial.attack},
                       {"outcome", trial.outcome},
                       {"let_through", trial.let_through},
                       {"scenarios", trial.scenarios},
                       {"evidence", trial.evidence},
                       {"gateway_findings", trial.gateway_findings}});
  }
  return {{"profile", dynamic.profile},
          {"server", dynamic.server},
          {"seed", dynamic.seed},
          {"scenarios", dynamic.scenarios},
          {"duration_ms", dynamic.duration_ms},
          {"attacks", std::move(attacks)},
          {"summary", dynamic_summary_line(dynamic)}};
}

}  // namespace gatecrash::audit
