// tests/integration-seeded-defects.cc — the mutation test: `gatecrash run` must catch each
// realistic bug seeded into the reference gateway (gateway/seeded_defects.h) with the right attack
// id, and report nothing when the same binary runs with no defect switched on.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp/child_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using gatecrash::testing::TempDir;

namespace {

const std::string kScenarios = std::string(GATECRASH_SOURCE_DIR) + "/scenarios";

struct SeededDefect {
  std::string name;      // $GATECRASH_SEEDED_DEFECT
  std::string scenario;  // the scenario that exercises it, relative to scenarios/
  std::string attack;    // the attack id a finding must carry
  bool http = false;     // run the gateway's HTTP front (clients sharing one upstream)
};

// One row per defect in gateway/seeded_defects.h.
const std::vector<SeededDefect> kDefects = {
    {"case_insensitive_names", "authz/tool-name-variants", "A1"},
    {"fixed_windows", "rate/window-boundary", "R1"},
    {"session_scope", "rate/session-churn", "R3"},
    {"refund_on_error", "rate/error-refund", "R9"},
    {"check_then_increment", "rate/concurrent-burst", "R2"},
    {"hidden_callable", "authz/hidden-tools", "A12"},
    {"duplicate_key_last_wins", "authz/duplicate-keys", "A7"},
    {"conditions_skip_meta", "authz/regex-anchoring", "A16"},
    {"unparsable_arguments", "authz/params-shape", "A11"},
    {"rug_pull_ignored", "server/rug-pull", "S2"},
    {"batch_first_only", "rate/batch-smuggling", "R8"},
    {"ids_not_rewritten", "protocol/id-collision", "P3", true},
};

// A profile like reference-stdio.json (or reference-http.json), but starting the defective build
// with `defect` on.
std::string write_profile(const TempDir& dir, const std::string& defect, bool http = false) {
  json env = json::object();
  if (!defect.empty()) env["GATECRASH_SEEDED_DEFECT"] = defect;
  json profile = {
      {"name", defect.empty() ? "defective-build-no-defect" : "defect-" + defect},
      {"transport", "stdio"},
      {"command", {GATECRASH_DEFECTIVE_GATEWAY_BIN, "--policy", "{policy}", "--servers", "{servers}", "--counters",
                   "{workdir}/counters.jsonl"}},
      {"env", env},
      {"policy_format", "gatecrash"},
      {"tool_names", "{tool}"},
      {"identity", {{"env", "GATECRASH_IDENTITY"}, {"value", "{identity}"}}}};
  if (http) {
    profile["transport"] = "http";
    profile["command"] = {GATECRASH_DEFECTIVE_GATEWAY_BIN, "--policy", "{policy}", "--servers", "{servers}", "--listen",
                          "127.0.0.1:{port}", "--grants", "{grants}"};
    profile["url"] = "http://127.0.0.1:{port}/mcp";
    profile["identity"] = {{"header", "Authorization"}, {"value", "Bearer {token}"}};
  }
  const std::string path = dir.file("profile-" + (defect.empty() ? std::string("none") : defect) + (http ? "-http" : "") + ".json");
  gatecrash::testing::write_file(path, profile.dump(2));
  return path;
}

struct Outcome {
  int exit_code = -1;
  json report;
  std::string output;
};

Outcome run_scenarios(const TempDir& dir, const std::string& profile, const std::vector<std::string>& scenarios,
                      const std::string& report_dir) {
  std::vector<std::string> args = {"run", "--gateway", profile, "--report", report_dir, "--seed", "5"};
  for (const auto& scenario : scenarios) {
    args.push_back("--scenario");
    args.push_back(kScenarios + "/" + scenario + ".json");
  }
  const auto run = gatecrash::testing::run_gatecrash(dir, args, 180s);
  Outcome outcome;
  outcome.output = run.out + run.err;
  outcome.exit_code = run.exit_code;
  std::ifstream in(report_dir + "/report.json");
  outcome.report = json::parse(in, nullptr, false);
  return outcome;
}

TEST(SeededDefects, EveryDefectIsReportedWithItsAttackId) {
  TempDir dir;
  int caught = 0;
  std::string score_lines;
  for (const auto& defect : kDefects) {
    SCOPED_TRACE(defect.name + " against " + defect.scenario);
    const Outcome outcome =
        run_scenarios(dir, write_profile(dir, defect.name, defect.http), {defect.scenario}, dir.file("report-" + defect.name));
    EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
    ASSERT_TRUE(outcome.report.is_object()) << outcome.output;
    std::set<std::string> attacks;
    for (const auto& scenario : outcome.report["scenarios"]) {
      for (const auto& finding : scenario["findings"]) attacks.insert(finding["attack"].get<std::string>());
    }
    const bool right = attacks.count(defect.attack) > 0;
    EXPECT_TRUE(right) << "no finding with attack " << defect.attack << "\n" << outcome.output;
    caught += right ? 1 : 0;
    std::string seen;
    for (const auto& attack : attacks) seen += (seen.empty() ? "" : ",") + attack;
    score_lines += "  " + defect.name + " -> " + (right ? "caught as " : "MISSED, findings ") + (seen.empty() ? "none" : seen) + "\n";
  }
  std::cout << "mutation score " << caught << "/" << kDefects.size() << "\n" << score_lines;
  EXPECT_EQ(caught, static_cast<int>(kDefects.size()));
}

// The defective build with nothing switched on behaves as the reference: the findings above come
// from the defects, not from the build or from the scenarios.
TEST(SeededDefects, TheDefectiveBuildWithNoDefectHasNoFindings) {
  TempDir dir;
  std::vector<std::string> scenarios;
  for (const auto& defect : kDefects) scenarios.push_back(defect.scenario);
  const Outcome outcome = run_scenarios(dir, write_profile(dir, ""), scenarios, dir.file("report"));
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  ASSERT_TRUE(outcome.report.is_object()) << outcome.output;
  EXPECT_EQ(outcome.report["counts"]["findings"], 0);
  EXPECT_EQ(outcome.report["counts"]["scenarios"].get<std::size_t>(), scenarios.size());
  const Outcome over_http = run_scenarios(dir, write_profile(dir, "", true), scenarios, dir.file("report-http"));
  EXPECT_EQ(over_http.exit_code, 0) << over_http.output;
}

}  // namespace
