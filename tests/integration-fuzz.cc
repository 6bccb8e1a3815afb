// tests/integration-fuzz.cc — `gatecrash fuzz` against real gateways: quiet on a correct one, loud on a broken one.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/fuzz_generator.h"
#include "harness/scenario.h"
#include "mock_servers/embedded_catalogs.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gatecrash::testing::TempDir;
using nlohmann::json;

namespace {

const std::string kScenarios = std::string(GATECRASH_SOURCE_DIR) + "/scenarios";

gatecrash::harness::FuzzTarget target(const std::string& catalog) {
  gatecrash::harness::FuzzTarget out;
  out.catalog = catalog;
  const json catalog_document = json::parse(gatecrash::mock::embedded_catalog_text(catalog));
  for (const auto& tool : catalog_document["tools"]) out.tools.push_back(tool);
  out.policy = kScenarios + "/policies/" + catalog + ".json";
  return out;
}

// The numbers of the closing `FUZZ:` line.
struct Summary {
  long cases = -1, messages = -1, distinct = -1, findings = -1, errors = -1;
};
Summary summary_of(const std::string& out) {
  static const std::regex line(
      R"(FUZZ: (\d+) cases, (\d+) messages, \d+ msg/s, (\d+) distinct responses, (\d+) findings, (\d+) errors; seed \d+; profile .+; [0-9.]+ s)");
  std::smatch match;
  Summary summary;
  if (std::regex_search(out, match, line)) {
    summary = {std::stol(match[1]), std::stol(match[2]), std::stol(match[3]), std::stol(match[4]), std::stol(match[5])};
  }
  return summary;
}

TEST(FuzzGenerator, EveryCaseIsAValidScenarioAndTheSeedDecidesIt) {
  for (const std::string catalog : {"prometheus", "cloudstack", "trackingtime", "prospectio", "mock-mcp"}) {
    gatecrash::harness::FuzzGenerator one(target(catalog), 42), same(target(catalog), 42), other(target(catalog), 43);
    for (std::uint64_t index = 0; index < 40; ++index) {
      const json document = one.next_case(index, 64);
      EXPECT_EQ(document, same.next_case(index, 64)) << catalog << " case " << index;
      EXPECT_NE(document["steps"], other.next_case(index, 64)["steps"]) << catalog << " case " << index;
      EXPECT_GE(document["steps"].size(), 64u);
      // The scenario loader is strict: a step the generator got wrong is an error here.
      EXPECT_NO_THROW(gatecrash::harness::parse_scenario(document, "case", kScenarios)) << document.dump().substr(0, 2000);
      for (const auto& step : document["steps"]) {
        EXPECT_GT(gatecrash::harness::fuzz_group_of(step), 0) << step.dump();
      }
    }
  }
  // Every mutator gets drawn in a few hundred steps.
  gatecrash::harness::FuzzGenerator generator(target("cloudstack"), 1);
  std::set<std::string> seen;
  for (std::uint64_t index = 0; index < 8; ++index) {
    const json document = generator.next_case(index, 256);
    for (const auto& step : document["steps"]) {
      const std::string note = step["note"];
      seen.insert(note.substr(note.find(": ") + 2));
    }
  }
  for (const auto name : gatecrash::harness::fuzz_mutator_names()) EXPECT_TRUE(seen.contains(std::string(name))) << name;
}

// A correct gateway under a fixed seed: no finding, and the oracles really saw traffic.
TEST(FuzzRun, TheReferenceGatewayHoldsUnderAFixedSeed) {
  TempDir dir;
  const auto run = gatecrash::testing::run_gatecrash(dir, {"fuzz", "--seed", "1", "--runs", "4", "--steps", "128", "--report", dir.file("r")}, 180s);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const Summary summary = summary_of(run.out);
  EXPECT_EQ(summary.cases, 4) << run.out;
  EXPECT_EQ(summary.findings, 0);
  EXPECT_EQ(summary.errors, 0);
  EXPECT_GT(summary.messages, 4 * 128 * 9 / 10) << "about one message per step";
  EXPECT_GE(summary.distinct, 20) << "answers of many shapes: results, refusals, parse and request errors";
  EXPECT_FALSE(fs::exists(dir.file("r/findings")));
}

// Cases run side by side (--jobs), each with its own gateway and mocks, are as independent as
// cases run one at a time: same cases, same traffic, no finding. (A sweep for orphaned processes
// on one thread once killed another thread's just-started gateway.)
TEST(FuzzRun, CasesRunSideBySideAreIndependent) {
  TempDir dir;
  const auto alone = gatecrash::testing::run_gatecrash(
      dir, {"fuzz", "--seed", "3", "--runs", "8", "--steps", "96", "--jobs", "1", "--report", dir.file("alone")}, 240s);
  const auto together = gatecrash::testing::run_gatecrash(
      dir, {"fuzz", "--seed", "3", "--runs", "8", "--steps", "96", "--jobs", "4", "--report", dir.file("together")}, 240s);
  ASSERT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  EXPECT_EQ(together.exit_code, 0) << together.out << together.err;
  EXPECT_NE(together.out.find("4 at a time"), std::string::npos) << together.out;
  const Summary one = summary_of(alone.out), four = summary_of(together.out);
  EXPECT_EQ(four.cases, 8);
  EXPECT_EQ(four.findings, 0);
  EXPECT_EQ(four.errors, 0);
  EXPECT_EQ(four.messages, one.messages) << alone.out << together.out;
  // Not the count of distinct answers: cancel races and timeouts make a few shapes depend on timing.
}

// A gateway that skips argument conditions when a call carries _meta (a seeded defect of the
// reference build): caught in the first case, minimised, and the replay file shows it again.
TEST(FuzzRun, ASeededDefectIsFoundMinimisedAndReplays) {
  TempDir dir;
  const json profile = {{"name", "defect-conditions_skip_meta"},
                        {"transport", "stdio"},
                        {"command", {GATECRASH_DEFECTIVE_GATEWAY_BIN, "--policy", "{policy}", "--servers", "{servers}", "--counters",
                                     "{workdir}/counters.jsonl"}},
                        {"env", {{"GATECRASH_SEEDED_DEFECT", "conditions_skip_meta"}}},
                        {"policy_format", "gatecrash"},
                        {"tool_names", "{tool}"},
                        {"identity", {{"env", "GATECRASH_IDENTITY"}, {"value", "{identity}"}}}};
  gatecrash::testing::write_file(dir.file("profile.json"), profile.dump(2));
  const auto run = gatecrash::testing::run_gatecrash(
      dir, {"fuzz", "--seed", "1", "--runs", "3", "--jobs", "2", "--gateway", dir.file("profile.json"), "--report", dir.file("r")}, 180s);
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(summary_of(run.out).findings, 1) << run.out;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.out, match, std::regex(R"(minimised from (\d+) to (\d+) steps; replay: gatecrash replay (\S+))"))) << run.out;
  EXPECT_LT(std::stol(match[2]), std::stol(match[1]));
  const std::string replay_file = match[3];
  std::ifstream in(replay_file);
  const json replay = json::parse(in);
  EXPECT_EQ(replay["format"], "gatecrash-replay/1");
  EXPECT_EQ(replay["finding"]["oracle"], "no-leak") << replay["finding"].dump();
  EXPECT_EQ(replay["scenario"]["steps"].size(), std::stoul(match[2].str()));

  const auto again = gatecrash::testing::run_gatecrash(dir, {"replay", replay_file, "--report", dir.file("replayed")}, 120s);
  EXPECT_EQ(again.exit_code, 1) << again.out << again.err;
  EXPECT_NE(again.out.find("no-leak"), std::string::npos) << again.out;
}

TEST(FuzzRun, AnUnknownCatalogIsABadInputError) {
  TempDir dir;
  const auto run = gatecrash::testing::run_gatecrash(dir, {"fuzz", "--server", "github", "--runs", "1"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("harness.E446 --server: unknown catalog 'github' (known: prometheus, cloudstack, trackingtime, prospectio, mock-mcp)"),
            std::string::npos)
      << run.err;
}

}  // namespace
