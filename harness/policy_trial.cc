// harness/policy_trial.cc — runs a server's scenarios with their own policy and with the audited one.
#include "harness/policy_trial.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "harness/attack_database.h"
#include "harness/errors.h"
#include "harness/scenario.h"
#include "reports/html_report.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;

bool reached_upstream(CallVerdict verdict) { return verdict == CallVerdict::forwarded || verdict == CallVerdict::leaked; }

// Calls that reached the upstream and that the policy in force allows, by (attack, tool). A call
// the policy refuses that reached the upstream anyway is the gateway's failure, not the policy's:
// the oracles report it as a finding of the run.
std::map<std::pair<std::string, std::string>, std::int64_t> reached_by_attack_and_tool(const ScenarioResult& result) {
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const auto& point : result.timeline) {
    if (reached_upstream(point.verdict) && point.policy == "allowed") ++counts[{point.attack, point.tool}];
  }
  return counts;
}

// How many session instances sent calls in a run.
std::size_t sessions_of(const ScenarioResult& result) {
  std::set<std::string> sessions;
  for (const auto& point : result.timeline) sessions.insert(point.session);
  return sessions.size();
}

// The scenario's catalog when every mock server of it serves the same one, else "".
std::string single_catalog(const Scenario& scenario) {
  std::string catalog;
  for (const auto& server : scenario.servers) {
    if (!catalog.empty() && catalog != server.catalog) return "";
    catalog = server.catalog;
  }
  return catalog;
}

}  // namespace

audit::DynamicAudit trial_policy(const RunOptions& reference, const RunOptions& base, const std::string& catalog, const std::string& policy_file,
                                 const std::function<void(const std::string& line)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<Scenario> applicable;
  for (const auto& file : find_scenario_files(base.scenarios_dir)) {
    Scenario scenario = load_scenario(file, base.scenarios_dir);
    if (scenario.status == "runnable" && single_catalog(scenario) == catalog) applicable.push_back(std::move(scenario));
  }
  if (applicable.empty()) {
    throw HarnessError("harness.E445", "no runnable scenario in " + base.scenarios_dir + " drives the catalog '" + catalog +
                                           "', so --dynamic has nothing to run");
  }
  RunOptions own = reference;
  own.policy_override.clear();
  own.seed = base.seed;
  own.report_dir = (fs::path(base.report_dir) / "own").string();
  RunOptions audited = base;
  audited.policy_override = fs::absolute(policy_file).string();
  audited.report_dir = (fs::path(base.report_dir) / "audited").string();

  // Which attacks are about rate caps (the attack database's category), for "limited".
  std::set<std::string> rate_attacks;
  const fs::path attacks_dir = fs::path(base.scenarios_dir) / "attacks";
  if (fs::is_directory(attacks_dir)) {
    for (const auto& pattern : load_attack_database(attacks_dir.string()).patterns) {
      if (pattern.category == AttackCategory::rate_cap) rate_attacks.insert(pattern.id);
    }
  }
  audit::DynamicAudit out;
  out.profile = base.profile.name + " (" + base.profile.file + ")";
  out.server = catalog;
  out.seed = base.seed;
  std::map<std::string, audit::AttackTrial> trials;
  for (const auto& scenario : applicable) {
    const auto run = [&](const RunOptions& options) {
      const std::string workdir = (fs::path(options.report_dir) / "runs" / scenario.id).string();
      fs::remove_all(workdir);
      ScenarioResult result = run_scenario(scenario, options, workdir);
      if (result.status == "pass" && !options.keep_workdirs) fs::remove_all(workdir);
      return result;
    };
    const ScenarioResult mine = run(own);
    const ScenarioResult theirs = run(audited);
    ++out.scenarios;
    out.runs.push_back({scenario.id, scenario.title, mine.status, theirs.status, reports::scenario_timelines_html(theirs)});
    const auto reached_own = reached_by_attack_and_tool(mine);
    const auto reached_audited = reached_by_attack_and_tool(theirs);

    std::set<std::string> attacks(scenario.attacks.begin(), scenario.attacks.end());
    for (const auto& point : theirs.timeline) {
      if (!point.attack.empty()) attacks.insert(point.attack);
    }
    for (const auto& attack : attacks) {
      auto& trial = trials[attack];
      trial.attack = attack;
      trial.scenarios.push_back(scenario.id);
      if (mine.status == "error" || theirs.status == "error") {
        trial.outcome = "error";
        trial.evidence.push_back(scenario.id + ": could not run: " + (theirs.status == "error" ? theirs.error : mine.error));
        continue;
      }
      for (const auto& [key, count] : reached_audited) {
        if (key.first != attack) continue;
        const auto own_it = reached_own.find(key);
        const std::int64_t own_count = own_it == reached_own.end() ? 0 : own_it->second;
        if (count <= own_count) continue;
        trial.let_through += count - own_count;
        trial.evidence.push_back(scenario.id + ": " + std::to_string(count) + " calls of " + key.second +
                                 " reached the upstream (" + std::to_string(own_count) + " under the scenario's own policy)");
      }
      // The scenario's own ceilings on what may reach the upstream (`expect.ledger` max), judged
      // here because the audited run does not judge them (they belong to the scenario's policy).
      if (scenario.expect.is_object() && scenario.expect.contains("ledger")) {
        for (const auto& [tool, bounds] : scenario.expect["ledger"].items()) {
          if (!bounds.contains("max")) continue;
          std::int64_t reached = 0;
          bool mine_attack = false;
          for (const auto& point : theirs.timeline) {
            if (point.tool != tool || !reached_upstream(point.verdict) || point.policy != "allowed") continue;
            ++reached;
            mine_attack |= point.attack == attack;
          }
          const std::int64_t max = bounds["max"].get<std::int64_t>();
          if (mine_attack && reached > max) {
            trial.let_through = std::max(trial.let_through, reached - max);
            trial.evidence.push_back(scenario.id + ": " + std::to_string(reached) + " calls of " + tool +
                                     " reached the upstream; the scenario allows at most " + std::to_string(max));
          }
        }
      }
      for (const auto& finding : theirs.findings) {
        if (finding.attack == attack) trial.gateway_findings.push_back(scenario.id + ": " + finding.oracle + ": " + finding.summary);
      }
      if (trial.outcome == "error") continue;
      if (trial.let_through == 0) {
        if (trial.outcome.empty()) trial.outcome = "stopped";
        continue;
      }
      // A rate attack whose extra calls all went to tools the audited policy caps was bounded,
      // by looser caps than the scenario's: "limited" (the evidence gives the numbers). Anything
      // else that got through beyond the scenario's own policy was not stopped.
      bool capped = rate_attacks.contains(attack);
      for (const auto& [key, count] : reached_audited) {
        if (key.first != attack) continue;
        const auto own_it = reached_own.find(key);
        if (count <= (own_it == reached_own.end() ? 0 : own_it->second)) continue;
        // A session-scoped cap does not bound a scenario that opens several sessions: each new
        // session starts it afresh (session churn, R3).
        const std::string& tool = key.second;  // clang 14 cannot capture the binding in the lambda
        const bool tool_capped = std::any_of(theirs.caps.begin(), theirs.caps.end(), [&](const CapLine& cap) {
          return std::find(cap.tools.begin(), cap.tools.end(), tool) != cap.tools.end() &&
                 (cap.scope != "session" || sessions_of(theirs) <= 1);
        });
        if (!tool_capped) capped = false;
      }
      if (trial.outcome != "not-stopped") trial.outcome = capped ? "limited" : "not-stopped";
    }
    if (progress) {
      progress("  " + scenario.id + ": own policy " + mine.status + ", audited policy " + theirs.status);
    }
  }
  for (auto& [id, trial] : trials) out.attacks.push_back(std::move(trial));
  // Attack ids in the database's order: letters, then the number (A2 before A10).
  const auto order = [](const std::string& id) {
    const std::size_t digits = id.find_first_of("0123456789");
    const std::string letters = id.substr(0, digits);
    const long number = digits == std::string::npos ? 0 : std::strtol(id.c_str() + digits, nullptr, 10);
    return std::pair{letters, number};
  };
  std::stable_sort(out.attacks.begin(), out.attacks.end(),
                   [&](const audit::AttackTrial& a, const audit::AttackTrial& b) { return order(a.attack) < order(b.attack); });
  out.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace gatecrash::harness
