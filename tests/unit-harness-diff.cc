// tests/unit-harness-diff.cc — `gatecrash diff`'s comparison of two runs of the same traffic.
#include <gtest/gtest.h>

#include "harness/diff.h"

namespace {

using namespace gatecrash::harness;

ScenarioResult scenario(const std::string& id, const std::string& status, std::vector<CallVerdict> verdicts,
                        std::vector<std::string> findings = {}) {
  ScenarioResult result;
  result.id = id;
  result.status = status;
  for (std::size_t i = 0; i < verdicts.size(); ++i) result.timeline.push_back({static_cast<std::int64_t>(i), "tool" + std::to_string(i), verdicts[i], "", "", "", ""});
  for (const auto& summary : findings) result.findings.push_back({"R2", "cap", id, summary, 1, {}, "", ""});
  return result;
}

TEST(HarnessDiff, SameDecisionsAreSame) {
  RunResult left, right;
  left.scenarios = {scenario("a", "pass", {CallVerdict::forwarded, CallVerdict::refused})};
  right.scenarios = left.scenarios;
  const RunDifference difference = compare_runs(left, right);
  EXPECT_EQ(difference.differing(), 0);
  EXPECT_NE(diff_text(difference).find("\na         same\n"), std::string::npos) << diff_text(difference);
  EXPECT_NE(diff_text(difference).find("DIFF: 0 of 1 scenario(s) differ"), std::string::npos);
}

TEST(HarnessDiff, CallsArePairedByPositionAndFindingsBySide) {
  RunResult left, right;
  left.profile_name = "reference";
  right.profile_name = "passthrough";
  left.scenarios = {scenario("a", "pass", {CallVerdict::forwarded, CallVerdict::refused, CallVerdict::refused})};
  right.scenarios = {scenario("a", "fail", {CallVerdict::forwarded, CallVerdict::forwarded}, {"5 units in one window"})};
  const RunDifference difference = compare_runs(left, right);
  ASSERT_EQ(difference.scenarios.size(), 1u);
  const auto& a = difference.scenarios[0];
  ASSERT_EQ(a.calls.size(), 2u);
  EXPECT_EQ(a.calls[0].call, 1u);
  EXPECT_EQ(a.calls[0].left, "refused");
  EXPECT_EQ(a.calls[0].right, "forwarded");
  EXPECT_EQ(a.calls[1].right, "absent") << "the right side sent fewer calls";
  EXPECT_EQ(a.only_right_findings, std::vector<std::string>{"R2 cap: 5 units in one window"});
  EXPECT_TRUE(a.only_left_findings.empty());
  const auto json = to_json(difference);
  EXPECT_EQ(json["format"], "gatecrash-diff/1");
  EXPECT_EQ(json["differing_scenarios"], 1);
  EXPECT_EQ(json["scenarios"][0]["calls"][0]["left"], "refused");
  EXPECT_NE(diff_text(difference).find("call 2 tool1: refused / forwarded"), std::string::npos) << diff_text(difference);
}

TEST(HarnessDiff, AScenarioRunOnOneSideOnlyIsADifference) {
  RunResult left, right;
  left.scenarios = {scenario("a", "pass", {}), scenario("b", "error", {})};
  right.scenarios = {scenario("a", "pass", {}), scenario("c", "pass", {CallVerdict::lost})};
  const RunDifference difference = compare_runs(left, right);
  ASSERT_EQ(difference.scenarios.size(), 3u);
  EXPECT_FALSE(difference.scenarios[0].differs());
  EXPECT_EQ(difference.scenarios[1].right_status, "absent");
  EXPECT_EQ(difference.scenarios[2].left_status, "absent");
  EXPECT_EQ(difference.scenarios[2].calls[0].left, "absent");
  EXPECT_EQ(difference.differing(), 2);
}

}  // namespace
