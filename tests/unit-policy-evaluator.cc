// tests/unit-policy-evaluator.cc — decide(): table-driven verdicts, and properties under a fake
// clock.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "policy/conditions.h"
#include "policy/decide.h"
#include "policy/load.h"
#include "tests/test_support.h"

namespace gatecrash::policy {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The fake clock starts on a UTC minute boundary (2025-06-15T15:07:00Z); times are offsets in ms.
constexpr std::int64_t kStartSeconds = 1'750'000'020;
static_assert(kStartSeconds % 60 == 0);
TimePoint at_ms(std::int64_t ms) {
  return TimePoint(std::chrono::nanoseconds((kStartSeconds * 1000 + ms) * 1'000'000));
}

Policy native(const std::string& text) {
  LoadResult result = load_policy_json(text);
  EXPECT_TRUE(result.ok()) << result.error_text();
  return result.ok() ? *result.policy : Policy{};
}

Policy intercept(const std::string& text) {
  LoadResult result = load_policy_yaml(text);
  EXPECT_TRUE(result.ok()) << result.error_text();
  return result.ok() ? *result.policy : Policy{};
}

Call call(std::string tool, Json arguments = Json::object(), std::string identity = "alice",
          std::string session = "s1") {
  return Call{std::move(tool), std::move(arguments), std::move(identity), std::move(session)};
}

// The policy.md example, shared with unit-policy-loader.
const std::string kExample = testing::read_source_file("tests/fixtures/policy-md-example.json");

struct Case {
  std::string name;
  Call call;
  Verdict verdict;
  std::string rule;
  std::string reason;
};

TEST(PolicyEvaluator, ExampleVerdictsTable) {
  const Policy policy = native(kExample);
  const std::vector<Case> cases = {
      {"hidden tool looks unknown", call("list_users"), Verdict::unknown_tool, "hide",
       "unknown tool \"list_users\""},
      {"unlisted under default deny", call("get_me"), Verdict::deny, "default",
       "tool \"get_me\" is not permitted by policy"},
      {"names match byte-exactly", call("Get_Job_Status"), Verdict::deny, "default",
       "tool \"Get_Job_Status\" is not permitted by policy"},
      {"a tool literally named * is not the wildcard", call("*"), Verdict::deny, "default",
       "tool \"*\" is not permitted by policy"},
      {"listed, no rules", call("get_job_status", {{"job_id", "j"}}), Verdict::allow,
       "tools.get_job_status", ""},
      {"null arguments count as {}", call("get_job_status", nullptr), Verdict::allow,
       "tools.get_job_status", ""},
      {"deny action", call("destroy_virtual_machine", {{"id", "vm-1"}}), Verdict::deny,
       "tools.destroy_virtual_machine.action", "destructive"},
      {"approve action", call("deploy_virtual_machine"), Verdict::approval_required,
       "tools.deploy_virtual_machine.action", "creates billable resources"},
      {"condition holds", call("track_task", {{"project_name", "Web site"}}), Verdict::allow,
       "tools.track_task", ""},
      {"regex fails", call("track_task", {{"project_name", "x; rm -rf /"}}),
       Verdict::invalid_arguments, "tools.track_task.args[0]",
       "args.project_name must match \"^[A-Za-z0-9 _-]{1,64}$\""},
      {"argument missing", call("track_task"), Verdict::invalid_arguments,
       "tools.track_task.args[0]", "args.project_name is missing"},
      {"argument of another type", call("track_task", {{"project_name", 5}}),
       Verdict::invalid_arguments, "tools.track_task.args[0]",
       "args.project_name must be a string, got integer"},
      {"arguments not an object", call("get_job_status", Json::array({1})),
       Verdict::invalid_arguments, "arguments", "arguments must be an object"},
      {"arguments a string", call("get_job_status", "{\"job_id\": 1}"), Verdict::invalid_arguments,
       "arguments", "arguments must be an object"},
  };
  for (const Case& c : cases) {
    Counters counters;
    Decision decision = decide(policy, c.call, counters, at_ms(0));
    EXPECT_EQ(to_string(decision.verdict), to_string(c.verdict)) << c.name;
    EXPECT_EQ(decision.rule, c.rule) << c.name;
    EXPECT_EQ(decision.reason, c.reason) << c.name;
    EXPECT_EQ(decision.retry_after, milliseconds(0)) << c.name;
    if (decision.verdict != Verdict::allow) {
      EXPECT_TRUE(decision.charges.empty()) << c.name;
      EXPECT_EQ(counters.key_count(), 0u) << c.name << ": a refusal charged something";
    }
  }
}

TEST(PolicyEvaluator, AllowReportsEveryCounterCharged) {
  const Policy policy = native(kExample);
  Counters counters;
  Decision decision =
      decide(policy, call("track_task", {{"project_name", "p"}}), counters, at_ms(0));
  ASSERT_EQ(decision.verdict, Verdict::allow);
  ASSERT_EQ(decision.charges.size(), 2u);
  EXPECT_EQ(decision.charges[0].rule, "tools.track_task.limits[0]");
  EXPECT_EQ(decision.charges[0].counter, "track_task_rate");
  EXPECT_EQ(decision.charges[0].scope_key, "alice");
  EXPECT_EQ(decision.charges[0].value, 1);
  EXPECT_EQ(decision.charges[0].max, 30);
  EXPECT_EQ(decision.charges[1].rule, "tools.*.limits[0]");
  EXPECT_EQ(decision.charges[1].counter, "all_calls");
}

TEST(PolicyEvaluator, ListingVisibilityMatchesDecisions) {
  const Policy policy = native(kExample);
  EXPECT_FALSE(visible_in_listing(policy, "list_users"));
  EXPECT_FALSE(visible_in_listing(policy, "get_me"));
  EXPECT_FALSE(visible_in_listing(policy, "destroy_virtual_machine"));
  EXPECT_TRUE(visible_in_listing(policy, "deploy_virtual_machine"));
  EXPECT_TRUE(visible_in_listing(policy, "get_job_status"));
}

TEST(PolicyEvaluator, ApprovalChargesNothingUntilApproved) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "deploy": {"action": "approve", "rate_limit": {"max": 1, "window": 60}}}})");
  Counters counters;
  EXPECT_EQ(decide(policy, call("deploy"), counters, at_ms(0)).verdict, Verdict::approval_required);
  EXPECT_EQ(decide(policy, call("deploy"), counters, at_ms(1)).verdict, Verdict::approval_required);
  Call approved = call("deploy");
  approved.approved = true;
  Decision first = decide(policy, approved, counters, at_ms(2));
  EXPECT_EQ(first.verdict, Verdict::allow);
  EXPECT_EQ(first.charges.size(), 1u);
  // Full now: the person is not asked about a call that could not go through anyway.
  EXPECT_EQ(decide(policy, call("deploy"), counters, at_ms(3)).verdict, Verdict::rate_limited);
  EXPECT_EQ(decide(policy, approved, counters, at_ms(4)).verdict, Verdict::rate_limited);
}

TEST(PolicyEvaluator, DefaultDenyRefusesUnlistedToolsBeforeWildcardRules) {
  const Policy policy = native(R"({"version": "1", "default": "deny", "tools": {
    "a": {},
    "*": {"limits": [{"counter": "all", "window": 60, "max": 1, "scope": "global"}]}}})");
  Counters counters;
  EXPECT_EQ(decide(policy, call("unlisted"), counters, at_ms(0)).rule, "default");
  EXPECT_EQ(counters.key_count(), 0u);
  EXPECT_EQ(decide(policy, call("a"), counters, at_ms(1)).verdict, Verdict::allow);
  EXPECT_EQ(decide(policy, call("a"), counters, at_ms(2)).verdict, Verdict::rate_limited);
}

TEST(PolicyEvaluator, WildcardActionAndConditionsApplyAfterTheToolsOwn) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"args": [{"path": "args.n", "op": "gte", "value": 0}]},
    "*": {"args": [{"path": "args.n", "op": "lt", "value": 10, "reason": "n too large"}]}}})");
  Counters counters;
  EXPECT_EQ(decide(policy, call("t", {{"n", -1}}), counters, at_ms(0)).rule, "tools.t.args[0]");
  Decision wildcard = decide(policy, call("t", {{"n", 10}}), counters, at_ms(0));
  EXPECT_EQ(wildcard.rule, "tools.*.args[0]");
  EXPECT_EQ(wildcard.reason, "n too large");
  // Unlisted under default allow: only "*" applies.
  EXPECT_EQ(decide(policy, call("other", {{"n", 3}}), counters, at_ms(0)).verdict, Verdict::allow);
  EXPECT_EQ(decide(policy, call("other", {{"n", 30}}), counters, at_ms(0)).verdict,
            Verdict::invalid_arguments);
}

struct OperatorCase {
  const char* op;
  Json value;
  std::optional<Json> actual;  // nullopt: the argument is absent
  const char* failure;         // nullptr: the condition holds
};

TEST(PolicyEvaluator, OperatorsAreTypedExactAndFailClosed) {
  const std::vector<OperatorCase> cases = {
      {"eq", "main", Json("main"), nullptr},
      {"eq", 999999, Json("999999"), "args.x must equal 999999"},
      {"eq", 1, Json(true), "args.x must equal 1"},
      {"eq", 0, Json(-0.0), nullptr},
      {"eq", 3, Json(3.0), nullptr},
      {"eq", Json::parse("9007199254740993"), Json(9007199254740992.0),
       "args.x must equal 9007199254740993"},
      {"neq", "draft", Json("main"), nullptr},
      {"neq", "draft", std::nullopt, "args.x is missing"},
      {"in", Json::array({"usd", "eur"}), Json("eur"), nullptr},
      {"in", Json::array({"usd", "eur"}), Json("USD"), "args.x must be one of [\"usd\",\"eur\"]"},
      {"not_in", Json::array({"admin"}), Json("user"), nullptr},
      {"not_in", Json::array({"admin"}), Json("admin"), "args.x must not be one of [\"admin\"]"},
      {"lt", 100, Json(99), nullptr},
      {"lt", 100, Json(100), "args.x must be < 100"},
      {"lte", 50000, Json("1"), "args.x must be a number, got string"},
      {"lte", 50000, Json(50000.0), nullptr},
      {"lte", 50000, Json(50000.5), "args.x must be <= 50000"},
      {"gt", -1, Json(std::numeric_limits<std::uint64_t>::max()), nullptr},
      {"gt", Json(std::numeric_limits<std::uint64_t>::max()), Json(1.8446744073709552e19),
       nullptr},  // 2^64 as a double is above UINT64_MAX
      {"gte", 9007199254740992.0, Json::parse("9007199254740993"), nullptr},
      {"lte", 9007199254740992.0, Json::parse("9007199254740993"),
       "args.x must be <= 9.007199254740992e+15"},
      {"gte", 1, Json(nullptr), "args.x must be a number, got null"},
      {"regex", "^feat/", Json("feat/login"), nullptr},
      {"regex", "^feat/", Json("fix/feat/"), "args.x must match \"^feat/\""},
      {"regex", "feat", Json(Json::array({"feat"})), "args.x must be a string, got array"},
      {"contains", "test", Json("a test run"), nullptr},
      {"contains", "x", Json(Json::array({"a", "x"})), nullptr},
      {"contains", 2, Json(Json::array({1, 2.0})), nullptr},
      {"contains", "x", Json(5), "args.x must be a string or a list, got integer"},
      {"contains", 5, Json("5"), "args.x must contain 5"},
      {"exists", true, Json(0), nullptr},
      {"exists", true, std::nullopt, "args.x is required"},
      {"exists", true, Json(nullptr), "args.x is required"},
      {"exists", false, std::nullopt, nullptr},
      {"exists", false, Json("x"), "args.x must be absent"},
  };
  for (const auto& c : cases) {
    Json arguments = Json::object();
    if (c.actual) arguments["x"] = *c.actual;
    Json condition = {{"path", "args.x"}, {"op", c.op}, {"value", c.value}};
    const Policy policy =
        native(Json({{"version", "1"}, {"tools", {{"t", {{"args", {condition}}}}}}}).dump());
    Counters counters;
    Decision decision = decide(policy, call("t", arguments), counters, at_ms(0));
    std::string label = std::string(c.op) + " " + c.value.dump() + " on " +
                        (c.actual ? c.actual->dump() : "<absent>");
    if (c.failure == nullptr) {
      EXPECT_EQ(decision.verdict, Verdict::allow) << label << ": " << decision.reason;
    } else {
      EXPECT_EQ(decision.verdict, Verdict::invalid_arguments) << label;
      EXPECT_EQ(decision.reason, c.failure) << label;
    }
  }
}

TEST(PolicyEvaluator, NestedArgumentPaths) {
  const Policy policy = native(R"({"version": "1", "tools": {"t": {"args": [
    {"path": "args.request.location", "op": "in", "value": ["eu", "us"]}]}}})");
  Counters counters;
  EXPECT_EQ(
      decide(policy, call("t", {{"request", {{"location", "eu"}}}}), counters, at_ms(0)).verdict,
      Verdict::allow);
  EXPECT_EQ(decide(policy, call("t", {{"request", "eu"}}), counters, at_ms(0)).reason,
            "args.request.location is missing");
  EXPECT_EQ(decide(policy, call("t", {{"request.location", "eu"}}), counters, at_ms(0)).reason,
            "args.request.location is missing");
}

TEST(PolicyEvaluator, SlidingLimitRetryAfterIsExact) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "c", "window": 10, "max": 2, "scope": "grant"}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(1000)).allowed());
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(4000)).allowed());
  Decision limited = decide(policy, call("t"), counters, at_ms(5500));
  EXPECT_EQ(limited.verdict, Verdict::rate_limited);
  EXPECT_EQ(limited.rule, "tools.t.limits[0]");
  EXPECT_EQ(limited.reason,
            "rate limit reached: counter \"c\" allows 2 per 10s (sliding, scope grant)");
  EXPECT_EQ(limited.retry_after, milliseconds(5500));  // the call at 1000 ages out at 11000
  EXPECT_EQ(decide(policy, call("t"), counters, at_ms(10999)).verdict, Verdict::rate_limited);
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(11000)).allowed());
}

TEST(PolicyEvaluator, FixedLimitRetryAfterIsTheNextCalendarWindow) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "c", "window": "minute", "max": 1, "scope": "global",
                      "window_mode": "fixed"}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(59'000)).allowed());
  Decision limited = decide(policy, call("t"), counters, at_ms(59'999));
  EXPECT_EQ(limited.verdict, Verdict::rate_limited);
  EXPECT_EQ(limited.retry_after, milliseconds(1));
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(60'000)).allowed());
}

// Attack R1: calendar windows let max through at t=59.9 s and max more at t=60.0 s.
TEST(PolicyEvaluator, FixedWindowsAdmitTwiceMaxAcrossABoundarySlidingDoNot) {
  auto admitted_around_boundary = [](const char* mode) {
    const Policy policy = native(std::string(R"({"version": "1", "tools": {"t": {"limits": [
      {"counter": "c", "window": "minute", "max": 5, "scope": "global", "window_mode": ")") +
                                 mode + R"("}]}}})");
    Counters counters;
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
      admitted += decide(policy, call("t"), counters, at_ms(59'900 + 20 * i)).allowed();
    }
    return admitted;
  };
  EXPECT_EQ(admitted_around_boundary("fixed"), 10);
  EXPECT_EQ(admitted_around_boundary("sliding"), 5);
}

TEST(PolicyEvaluator, ScopesGrantAcrossSessionsSessionApartGlobalForEveryone) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "g": {"limits": [{"counter": "g", "window": 60, "max": 2, "scope": "grant"}]},
    "s": {"limits": [{"counter": "s", "window": 60, "max": 2, "scope": "session"}]},
    "w": {"limits": [{"counter": "w", "window": 60, "max": 2, "scope": "global"}]}}})");
  Counters counters;
  auto verdicts = [&](const std::string& tool) {
    std::string out;
    for (auto [identity, session] :
         std::vector<std::pair<const char*, const char*>>{{"alice", "s1"},
                                                          {"alice", "s2"},
                                                          {"alice", "s3"},
                                                          {"bob", "s4"},
                                                          {"bob", "s4"},
                                                          {"bob", "s4"}}) {
      out += decide(policy, call(tool, Json::object(), identity, session), counters, at_ms(0))
                     .allowed()
                 ? 'A'
                 : '-';
    }
    return out;
  };
  EXPECT_EQ(verdicts("g"), "AA-AA-");  // alice's two sessions share her grant; bob has his own
  EXPECT_EQ(verdicts("s"), "AAAAA-");  // each session its own
  EXPECT_EQ(verdicts("w"), "AA----");  // one for everyone
}

TEST(PolicyEvaluator, ToolsNamingOneCounterShareIt) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "a": {"limits": [{"counter": "writes", "window": 60, "max": 3, "scope": "grant"}]},
    "b": {"limits": [{"counter": "writes", "window": 60, "max": 3, "scope": "grant",
                      "increment": 2}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("a"), counters, at_ms(0)).allowed());
  Decision b = decide(policy, call("b"), counters, at_ms(1));
  EXPECT_TRUE(b.allowed());
  EXPECT_EQ(b.charges.at(0).value, 3);
  EXPECT_EQ(decide(policy, call("a"), counters, at_ms(2)).verdict, Verdict::rate_limited);
}

TEST(PolicyEvaluator, ReservationIsAllOrNothing) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "per_tool", "window": 60, "max": 10, "scope": "grant"}]},
    "*": {"limits": [{"counter": "all", "window": 60, "max": 2, "scope": "grant"}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("other"), counters, at_ms(0)).allowed());
  EXPECT_TRUE(decide(policy, call("other"), counters, at_ms(1)).allowed());
  Decision limited = decide(policy, call("t"), counters, at_ms(2));
  EXPECT_EQ(limited.verdict, Verdict::rate_limited);
  EXPECT_EQ(limited.rule, "tools.*.limits[0]");
  // The tool's own limit fitted but was not charged.
  EXPECT_EQ(counters.current({"per_tool", Scope::grant, "alice"}, Window{seconds(60)}, at_ms(3)),
            0);
}

TEST(PolicyEvaluator, RetryAfterIsTheWaitUntilEveryFullLimitAdmits) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "short", "window": 10, "max": 1, "scope": "grant"},
                     {"counter": "long", "window": 60, "max": 1, "scope": "grant"}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("t"), counters, at_ms(0)).allowed());
  Decision limited = decide(policy, call("t"), counters, at_ms(1000));
  EXPECT_EQ(limited.rule, "tools.t.limits[1]");
  EXPECT_EQ(limited.retry_after, milliseconds(59'000));
}

TEST(PolicyEvaluator, IncrementFromChargesTheArgumentAndRefusesAnythingButANaturalNumber) {
  const Policy policy = intercept(R"(version: "1"
tools:
  create_charge:
    rules:
      - name: daily spend
        conditions: [{path: state.create_charge.spend, op: lte, value: 1000}]
        on_deny: daily cap reached
        state: {counter: spend, window: day, increment_from: args.amount}
)");
  Counters counters;
  auto charge = [&](Json amount, std::int64_t ms) {
    Json arguments = Json::object();
    if (!amount.is_null()) arguments["amount"] = amount;
    return decide(policy, call("create_charge", arguments), counters, at_ms(ms));
  };
  EXPECT_TRUE(charge(600, 0).allowed());
  Decision over = charge(401, 1);
  EXPECT_EQ(over.verdict, Verdict::rate_limited);
  EXPECT_EQ(over.reason, "daily cap reached");
  EXPECT_EQ(over.rule, "tools.create_charge.rules[0]:daily spend");
  Decision fits = charge(400, 2);
  ASSERT_TRUE(fits.allowed());
  EXPECT_EQ(fits.charges.at(0).amount, 400);
  EXPECT_EQ(fits.charges.at(0).value, 1000);
  EXPECT_TRUE(charge(0, 3).allowed());
  for (const Json& bad :
       {Json(-1000000), Json(0.9), Json("5"), Json(nullptr), Json::parse("18446744073709551615")}) {
    Decision refused = charge(bad, 4);
    EXPECT_EQ(refused.verdict, Verdict::invalid_arguments) << bad.dump();
    EXPECT_EQ(refused.reason, bad.is_null() ? "args.amount is missing (the limit's increment_from)"
                                            : "args.amount must be an integer >= 0 (the limit's "
                                              "increment_from)")
        << bad.dump();
  }
  EXPECT_EQ(charge(1001, 86'400'000).verdict, Verdict::deny);  // never fits, whatever the wait
  EXPECT_TRUE(charge(1000, 86'400'000).allowed());             // the next UTC day
}

TEST(PolicyEvaluator, StateConditionsReadTheCurrentCount) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "write": {"limits": [{"counter": "writes", "window": 60, "max": 100, "scope": "session"}]},
    "export": {"args": [{"path": "state.session.writes", "op": "lt", "value": 2,
                         "reason": "export only before heavy writing"}]}}})");
  Counters counters;
  EXPECT_TRUE(decide(policy, call("export"), counters, at_ms(0)).allowed());
  decide(policy, call("write"), counters, at_ms(1));
  decide(policy, call("write"), counters, at_ms(2));
  Decision refused = decide(policy, call("export"), counters, at_ms(3));
  EXPECT_EQ(refused.verdict, Verdict::deny);
  EXPECT_EQ(refused.reason, "export only before heavy writing");
  EXPECT_TRUE(decide(policy, call("export", {}, "alice", "s2"), counters, at_ms(4)).allowed());
}

TEST(PolicyEvaluator, MaxZeroAndOversizedIncrementsAreRefusedNotQueued) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "c", "window": 60, "max": 0}]}}})");
  Counters counters;
  Decision decision = decide(policy, call("t"), counters, at_ms(0));
  EXPECT_EQ(decision.verdict, Verdict::deny);
  EXPECT_EQ(decision.reason, "call needs 1 units but counter \"c\" allows at most 0 per minute");
}

TEST(PolicyEvaluator, SlidingMemoryStaysBoundedByMaxAndPruneDropsIdleKeys) {
  const Policy policy = native(R"({"version": "1", "tools": {
    "t": {"limits": [{"counter": "c", "window": 3600, "max": 50, "scope": "session"}]}}})");
  Counters counters;
  for (int i = 0; i < 5000; ++i) {
    decide(policy, call("t", {}, "alice", "s" + std::to_string(i % 7)), counters, at_ms(i * 997));
    for (int s = 0; s < 7; ++s) {
      ASSERT_LE(counters.entry_count({"c", Scope::session, "s" + std::to_string(s)}), 50u);
    }
  }
  EXPECT_EQ(counters.key_count(), 7u);
  EXPECT_EQ(counters.prune(at_ms(5000 * 997 + 3'600'000)), 7u);
  EXPECT_EQ(counters.key_count(), 0u);
}

// Every catalog tool through every bundled policy: a decision for each, listing agrees with
// refusals, and each policy lets something through.
TEST(PolicyEvaluator, BundledPoliciesDecideEveryCatalogTool) {
  for (const std::string server :
       {"prometheus", "cloudstack", "trackingtime", "prospectio", "mock-mcp"}) {
    std::ifstream catalog_file(std::string(GATECRASH_SOURCE_DIR) + "/mock_servers/catalogs/" +
                               server + ".json");
    const Json catalog = Json::parse(catalog_file);
    for (const std::string extension : {".json", ".yaml"}) {
      const std::string path =
          std::string(GATECRASH_SOURCE_DIR) + "/scenarios/policies/" + server + extension;
      LoadResult result = load_policy_file(path);
      ASSERT_TRUE(result.ok()) << result.error_text();
      Counters counters;
      std::size_t visible = 0;
      for (const auto& tool : catalog.at("tools")) {
        const std::string name = tool.at("name").get<std::string>();
        Decision decision = decide(*result.policy, call(name), counters, at_ms(0));
        EXPECT_NE(decision.rule, kRuleEvaluator) << path << " " << name;
        EXPECT_FALSE(decision.rule.empty()) << path << " " << name;
        if (!visible_in_listing(*result.policy, name)) {
          EXPECT_TRUE(decision.verdict == Verdict::deny ||
                      decision.verdict == Verdict::unknown_tool)
              << path << " lists " << name << " as hidden or denied but decided "
              << to_string(decision.verdict);
        } else {
          ++visible;
        }
      }
      EXPECT_GT(visible, 0u) << path;
    }
  }
}

// ---- Properties over a seeded random call stream under the fake clock. ----

struct RandomCall {
  Call call;
  std::int64_t ms;
};

std::vector<RandomCall> random_stream(std::uint64_t seed, std::size_t count,
                                      const std::vector<std::string>& tools) {
  std::mt19937_64 random(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  const std::vector<std::string> identities = {"alice", "bob", "carol"};
  const std::vector<Json> strings = {"eu", "us", "x; rm -rf /", "", "Web site"};
  std::vector<RandomCall> stream;
  std::int64_t ms = static_cast<std::int64_t>(pick(60'000));
  for (std::size_t i = 0; i < count; ++i) {
    ms += static_cast<std::int64_t>(pick(4) == 0 ? pick(20'000) : pick(700));
    Json arguments = Json::object();
    if (pick(4) != 0) arguments["n"] = static_cast<std::int64_t>(pick(12)) - 1;
    if (pick(3) != 0) arguments["s"] = strings[pick(strings.size())];
    const std::string& identity = identities[pick(identities.size())];
    stream.push_back({call(tools[pick(tools.size())], arguments, identity,
                           identity + "-s" + std::to_string(pick(2))),
                      ms});
  }
  return stream;
}

// A random native policy over tools t0..t4, with conditions, approvals and limits of every kind.
Json random_policy(std::uint64_t seed, bool with_limits) {
  std::mt19937_64 random(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
  const char* scopes[] = {"grant", "session", "global"};
  const char* modes[] = {"sliding", "fixed"};
  Json tools = Json::object();
  for (int t = 0; t < 5; ++t) {
    if (pick(5) == 0) continue;  // unlisted
    Json entry = Json::object();
    if (pick(6) == 0) entry["action"] = "approve";
    if (pick(2) == 0) entry["args"] = {{{"path", "args.n"}, {"op", "lte"}, {"value", pick(10)}}};
    if (with_limits && pick(3) != 0) {
      // Counters c0..c2 are shared between tools; their parameters depend only on the name.
      std::size_t c = pick(3);
      entry["limits"] = {{{"counter", "c" + std::to_string(c)},
                          {"window", 5 + 7 * c},
                          {"max", 1 + 2 * c},
                          {"scope", scopes[c]},
                          {"window_mode", modes[c % 2]}}};
    }
    tools["t" + std::to_string(t)] = entry;
  }
  if (with_limits) {
    tools["*"] = {
        {"limits", {{{"counter", "all"}, {"window", 20}, {"max", 8}, {"scope", "grant"}}}}};
  }
  return {{"version", "1"}, {"default", pick(2) == 0 ? "allow" : "deny"}, {"tools", tools}};
}

// Adds one refusal to `policy`: a deny action, a hidden tool, default deny or a new condition.
Json with_one_more_deny(Json policy, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const std::string tool = "t" + std::to_string(random() % 5);
  switch (random() % 4) {
    case 0:
      policy["tools"][tool]["action"] = "deny";
      break;
    case 1:
      policy["hide"] = {tool};
      if (policy["tools"].contains(tool)) policy["tools"][tool]["action"] = "deny";
      break;
    case 2:
      policy["default"] = "deny";
      break;
    default:
      // Listing an unlisted tool under default deny would open it up, so only add to listed ones.
      if (!policy["tools"].contains(tool)) {
        if (policy["default"] == "deny") break;
        policy["tools"][tool] = Json::object();
      }
      policy["tools"][tool]["args"].push_back(
          {{"path", "args.s"}, {"op", "in"}, {"value", {"eu", "us"}}});
  }
  return policy;
}

TEST(PolicyProperties, AddingADenyRuleNeverAllowsMore) {
  const std::vector<std::string> tools = {"t0", "t1", "t2", "t3", "t4", "t5"};
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    for (bool with_limits : {false, true}) {
      Json base_json = random_policy(seed, with_limits);
      Json strict_json = with_one_more_deny(base_json, seed * 31);
      const Policy base = native(base_json.dump());
      const Policy strict = native(strict_json.dump());
      Counters base_counters;
      Counters strict_counters;
      for (const auto& [c, ms] : random_stream(seed, 300, tools)) {
        Verdict b = decide(base, c, base_counters, at_ms(ms)).verdict;
        Verdict s = decide(strict, c, strict_counters, at_ms(ms)).verdict;
        if (s != Verdict::allow) continue;
        // Without limits the stricter policy allows a subset. With limits, a refusal under the
        // stricter policy leaves quota that a later call may use, so the base policy may have
        // rate-limited that call -- but never refused it on policy grounds.
        if (with_limits) {
          ASSERT_TRUE(b == Verdict::allow || b == Verdict::rate_limited)
              << "seed " << seed << " " << c.tool << " " << c.arguments.dump() << "\n"
              << strict_json.dump();
        } else {
          ASSERT_EQ(b, Verdict::allow) << "seed " << seed << " " << c.tool << "\n"
                                       << strict_json.dump();
        }
      }
    }
  }
}

// For each admitted amount at time t on one counter key: sliding windows hold at most `max` in
// every half-open interval [t, t + L) (the worst interval starts at an admitted call); fixed
// windows hold at most `max` in every calendar bucket.
void expect_within_cap(const std::vector<std::pair<std::int64_t, std::int64_t>>& admitted,
                       const CounterSpec& spec, const std::string& label) {
  const std::int64_t window_ms = spec.window.length.count() * 1000;
  if (spec.window.mode == WindowMode::sliding) {
    for (std::size_t i = 0; i < admitted.size(); ++i) {
      std::int64_t total = 0;
      for (std::size_t j = i;
           j < admitted.size() && admitted[j].first < admitted[i].first + window_ms; ++j) {
        total += admitted[j].second;
      }
      ASSERT_LE(total, spec.max) << label << " sliding window from " << admitted[i].first;
    }
  } else {
    std::map<std::int64_t, std::int64_t> buckets;
    for (const auto& [ms, amount] : admitted) {
      const std::int64_t absolute = kStartSeconds * 1000 + ms;
      buckets[absolute / window_ms] += amount;
    }
    for (const auto& [bucket, total] : buckets) {
      ASSERT_LE(total, spec.max) << label << " fixed bucket " << bucket;
    }
  }
}

TEST(PolicyProperties, NoLimiterAdmitsMoreThanMaxInAnyWindowOfItsSemantics) {
  const std::vector<std::string> tools = {"t0", "t1", "t2", "t3", "t4", "t5"};
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const Policy policy = native(random_policy(seed, true).dump());
    Counters counters;
    // (counter, scope key) -> admitted (ms, amount)
    std::map<std::pair<std::string, std::string>,
             std::vector<std::pair<std::int64_t, std::int64_t>>>
        admitted;
    std::size_t allowed = 0;
    for (const auto& [c, ms] : random_stream(seed, 600, tools)) {
      Call approved = c;
      approved.approved = true;
      Decision decision = decide(policy, approved, counters, at_ms(ms));
      if (!decision.allowed()) continue;
      ++allowed;
      std::set<std::string> seen;  // a counter charged by two limits appears once per call
      for (const Charge& charge : decision.charges) {
        if (!seen.insert(charge.counter).second) continue;
        admitted[{charge.counter, charge.scope_key}].emplace_back(ms, charge.amount);
      }
    }
    for (const auto& [key, calls] : admitted) {
      expect_within_cap(calls, policy.counters.at(key.first),
                        "seed " + std::to_string(seed) + " " + key.first + "/" + key.second);
    }
    EXPECT_GT(allowed, 0u) << "seed " << seed;  // liveness: the policy is not deny-everything
  }
}

TEST(PolicyProperties, RetryAfterIsNeitherEarlyNorLate) {
  const std::vector<std::string> tools = {"t0", "t1", "t2", "t3", "t4"};
  std::size_t probed = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Policy policy = native(random_policy(seed, true).dump());
    Counters counters;
    for (const auto& [c, ms] : random_stream(seed, 400, tools)) {
      Call approved = c;
      approved.approved = true;
      Decision decision = decide(policy, approved, counters, at_ms(ms));
      if (decision.verdict != Verdict::rate_limited) continue;
      ASSERT_GT(decision.retry_after, milliseconds(0));
      Counters later = counters;  // nothing else is charged meanwhile
      EXPECT_TRUE(
          decide(policy, approved, later, at_ms(ms + decision.retry_after.count())).allowed())
          << "seed " << seed << " too late a retry_after was still refused";
      Counters earlier = counters;
      EXPECT_EQ(
          decide(policy, approved, earlier, at_ms(ms + decision.retry_after.count() - 1)).verdict,
          Verdict::rate_limited)
          << "seed " << seed << " retry_after was longer than needed";
      ++probed;
    }
  }
  EXPECT_GT(probed, 100u);
}

TEST(PolicyProperties, DecideNeverThrowsOnHostileArguments) {
  const Policy policy = native(kExample);
  Counters counters;
  Json deep = Json::object();
  Json* cursor = &deep;
  for (int i = 0; i < 200; ++i) cursor = &((*cursor)["project_name"] = Json::object());
  for (const Json& arguments :
       {deep, Json::parse(R"({"project_name": "\u0000"})"), Json(std::string(1 << 20, 'a')),
        Json::parse(R"({"project_name": 1e308})")}) {
    Decision decision = decide(policy, call("track_task", arguments), counters, at_ms(0));
    EXPECT_NE(decision.verdict, Verdict::allow) << arguments.dump().substr(0, 80);
  }
}

}  // namespace
}  // namespace gatecrash::policy
