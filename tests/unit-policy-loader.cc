// tests/unit-policy-loader.cc — both policy dialects: every error id's exact message, and the
// model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "policy/load.h"
#include "test_support.h"

namespace gatecrash::policy {
namespace {

std::vector<std::string> error_texts(const LoadResult& result) {
  std::vector<std::string> texts;
  for (const auto& error : result.errors) texts.push_back(error.text());
  return texts;
}

// The one error a document produces (fails the test if there are more or none).
std::string only_error(const LoadResult& result) {
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 1u) << ::testing::PrintToString(error_texts(result));
  return result.errors.empty() ? "<no error>" : result.errors.front().text();
}

std::string native_error(const std::string& text) { return only_error(load_policy_json(text)); }
std::string yaml_error(const std::string& text) { return only_error(load_policy_yaml(text)); }

// A native policy whose `tools` object is `tools`.
std::string native_tools(const std::string& tools) {
  return R"({"version": "1", "tools": )" + tools + "}";
}
// An Intercept policy with one tool `t` whose rules are `rules` (a YAML flow sequence).
std::string intercept_rules(const std::string& rules) {
  return "version: \"1\"\ntools:\n  t:\n    rules: " + rules + "\n";
}

// The policy.md example, as written there (shared with unit-policy-evaluator).
const std::string kNativeExample = testing::read_source_file("tests/fixtures/policy-md-example.json");

TEST(PolicyLoader, NativeExampleFromTheDesignLoads) {
  LoadResult result = load_policy_json(kNativeExample, "example.json");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Policy& policy = *result.policy;
  EXPECT_EQ(policy.dialect, Dialect::native);
  EXPECT_EQ(policy.source_name, "example.json");
  EXPECT_EQ(policy.default_action, DefaultAction::deny);
  EXPECT_TRUE(policy.default_declared);
  EXPECT_EQ(policy.hide, std::set<std::string>{"list_users"});
  ASSERT_EQ(policy.tools.size(), 5u);
  ASSERT_TRUE(policy.wildcard.has_value());

  const ToolRules& track = policy.tools.at("track_task");
  ASSERT_EQ(track.limits.size(), 1u);
  EXPECT_EQ(track.limits[0].rule, "tools.track_task.limits[0]");
  EXPECT_EQ(track.limits[0].counter, "track_task_rate");
  EXPECT_EQ(track.limits[0].scope, Scope::grant);
  EXPECT_EQ(track.limits[0].window, (Window{std::chrono::seconds(60), WindowMode::sliding}));
  EXPECT_EQ(track.limits[0].max, 30);
  ASSERT_EQ(track.conditions.size(), 1u);
  EXPECT_EQ(track.conditions[0].rule, "tools.track_task.args[0]");
  EXPECT_EQ(track.conditions[0].op, Op::regex);
  EXPECT_NE(track.conditions[0].regex, nullptr);

  const ToolRules& create = policy.tools.at("create_task");
  ASSERT_EQ(create.limits.size(), 1u);
  EXPECT_EQ(create.limits[0].rule, "tools.create_task.rate_limit");
  EXPECT_EQ(create.limits[0].counter, "create_task");
  EXPECT_EQ(create.limits[0].scope, Scope::session);
  EXPECT_EQ(create.limits[0].max, 10);

  EXPECT_EQ(policy.tools.at("destroy_virtual_machine").action, ToolAction::deny);
  EXPECT_EQ(policy.tools.at("destroy_virtual_machine").action_rule,
            "tools.destroy_virtual_machine.action");
  EXPECT_EQ(policy.tools.at("destroy_virtual_machine").reason, "destructive");
  EXPECT_EQ(policy.tools.at("deploy_virtual_machine").action, ToolAction::approve);
  EXPECT_EQ(policy.wildcard->limits[0].rule, "tools.*.limits[0]");
  EXPECT_EQ(policy.counters.size(), 3u);
  EXPECT_EQ(policy.counters.at("all_calls").max, 120);
}

TEST(PolicyLoader, AbsentDefaultMeansAllowAndIsFlaggedAsUndeclared) {
  LoadResult result = load_policy_json(native_tools("{}"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.policy->default_action, DefaultAction::allow);
  EXPECT_FALSE(result.policy->default_declared);
}

// The part of the policy.md example that Intercept can express, written in both dialects with
// Intercept's semantics spelled out in the native one (fixed windows, global counters named
// "<tool>.<counter>"), must load into the same model apart from rule ids and reasons.
TEST(PolicyLoader, BothDialectsLoadTheSameMeaningIntoEqualModels) {
  const std::string native = R"({
    "version": "1",
    "default": "deny",
    "hide": ["list_users"],
    "tools": {
      "get_job_status": {},
      "track_task": {
        "limits": [{"counter": "track_task._rate_minute", "window": "minute", "max": 30,
                    "scope": "global", "window_mode": "fixed"}],
        "args": [{"path": "args.project_name", "op": "regex", "value": "^[A-Za-z0-9 _-]{1,64}$"}]
      },
      "destroy_virtual_machine": {"action": "deny", "reason": "destructive"},
      "create_charge": {
        "limits": [{"counter": "create_charge.daily_spend", "window": "day", "max": 1000000,
                    "scope": "global", "window_mode": "fixed", "increment_from": "args.amount"}]
      },
      "*": {"limits": [{"counter": "_global._rate_minute", "window": 60, "max": 120,
                        "scope": "global", "window_mode": "fixed"}]}
    }
  })";
  const std::string yaml = R"(version: "1"
default: deny
hide: [list_users]
tools:
  get_job_status:
    rules: []
  track_task:
    rules:
      - name: per minute
        rate_limit: 30/minute
      - name: sane project names
        conditions:
          - path: args.project_name
            op: regex
            value: "^[A-Za-z0-9 _-]{1,64}$"
  destroy_virtual_machine:
    rules:
      - name: no destruction
        action: deny
        on_deny: destructive
  create_charge:
    rules:
      - name: daily spend
        conditions:
          - {path: state.create_charge.daily_spend, op: lte, value: 1000000}
        state: {counter: daily_spend, window: day, increment_from: args.amount}
  "*":
    rules:
      - name: global rate
        rate_limit: 120/minute
)";
  LoadResult from_json = load_policy_json(native);
  LoadResult from_yaml = load_policy_yaml(yaml);
  ASSERT_TRUE(from_json.ok()) << from_json.error_text();
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.error_text();
  auto meaning = [](const Policy& policy) {
    Json model = to_json(policy);
    model.erase("dialect");
    for (auto& [name, tool] : model["tools"].items()) {
      tool.erase("action_rule");
      tool.erase("reason");
      for (auto& item : tool["conditions"]) item.erase("rule"), item.erase("reason");
      for (auto& item : tool["limits"]) item.erase("rule"), item.erase("reason");
    }
    return model;
  };
  EXPECT_EQ(meaning(*from_json.policy), meaning(*from_yaml.policy))
      << meaning(*from_json.policy).dump(2) << "\n"
      << meaning(*from_yaml.policy).dump(2);
  const Policy& intercept = *from_yaml.policy;
  EXPECT_EQ(intercept.tools.at("track_task").limits[0].rule,
            "tools.track_task.rules[0]:per minute");
  EXPECT_EQ(intercept.wildcard->limits[0].rule, "tools.*.rules[0]:global rate");
  EXPECT_EQ(intercept.tools.at("destroy_virtual_machine").reason, "destructive");
}

// Intercept's own documentation style: state counters with caps, on_deny, wildcard counters.
TEST(PolicyLoader, InterceptStyleStateCountersBecomeFixedGlobalLimits) {
  LoadResult result = load_policy_yaml(R"(version: "1"
description: "Stripe-like policy"
tools:
  create_refund:
    rules:
      - name: "refund limit"
        conditions:
          - path: "args.amount"
            op: "lte"
            value: 10000
        on_deny: "Refunds over $100.00 require manual processing"
      - name: "daily refund count"
        conditions:
          - path: "state.create_refund.daily_count"
            op: "lt"
            value: 10
        on_deny: "Daily refund limit reached"
        state:
          counter: "daily_count"
          window: "day"
  delete_customer:
    rules:
      - name: "block destructive action"
        action: "deny"
  "*":
    rules:
      - name: "global rate limit"
        conditions:
          - path: "state._global.calls_per_minute"
            op: "lte"
            value: 60
          - path: "state.create_refund.daily_count"
            op: "lt"
            value: 5
        state:
          counter: "calls_per_minute"
          window: "minute"
          increment: 2
)");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Policy& policy = *result.policy;
  EXPECT_EQ(policy.description, "Stripe-like policy");
  EXPECT_FALSE(policy.default_declared);
  const ToolRules& refund = policy.tools.at("create_refund");
  ASSERT_EQ(refund.conditions.size(), 1u);
  EXPECT_EQ(refund.conditions[0].rule, "tools.create_refund.rules[0]:refund limit");
  EXPECT_EQ(refund.conditions[0].reason, "Refunds over $100.00 require manual processing");
  ASSERT_EQ(refund.limits.size(), 1u);
  EXPECT_EQ(refund.limits[0].counter, "create_refund.daily_count");
  EXPECT_EQ(refund.limits[0].max, 9);  // lt 10
  EXPECT_EQ(refund.limits[0].scope, Scope::global);
  EXPECT_EQ(refund.limits[0].window, (Window{std::chrono::seconds(86400), WindowMode::fixed}));
  EXPECT_EQ(refund.limits[0].reason, "Daily refund limit reached");
  EXPECT_EQ(policy.tools.at("delete_customer").action, ToolAction::deny);
  EXPECT_EQ(policy.tools.at("delete_customer").action_rule,
            "tools.delete_customer.rules[0]:block destructive action");
  ASSERT_EQ(policy.wildcard->limits.size(), 1u);
  EXPECT_EQ(policy.wildcard->limits[0].counter, "_global.calls_per_minute");
  EXPECT_EQ(policy.wildcard->limits[0].max, 60);
  EXPECT_EQ(policy.wildcard->limits[0].increment, 2);
  // The second condition reads another tool's counter; it stays a condition.
  ASSERT_EQ(policy.wildcard->conditions.size(), 1u);
  EXPECT_EQ(std::get<StatePath>(policy.wildcard->conditions[0].path).counter,
            "create_refund.daily_count");
}

TEST(PolicyLoader, YamlNullEntriesAndBareVersionAreAccepted) {
  LoadResult result =
      load_policy_yaml("version: 1\nhide:\ntools:\n  read_file:\n  list:\n    rules:\n");
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.policy->tools.size(), 2u);
}

TEST(PolicyLoader, YamlScalarsResolveUnderTheCoreSchema) {
  LoadResult result = load_policy_yaml(intercept_rules(
      "[{name: r, conditions: [{path: args.a, op: in, value: [1, \"1\", 0x1F, 0o17, 1.5e3, -2, "
      "+3, true, 'true', null, ~, .inf, yes, 18446744073709551615, 99999999999999999999]}]}]"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Json& value = result.policy->tools.at("t").conditions.at(0).value;
  EXPECT_EQ(value.dump(),
            "[1,\"1\",31,15,1500.0,-2,3,true,\"true\",null,null,\".inf\",\"yes\","
            "18446744073709551615,1e+20]");
  EXPECT_TRUE(value[0].is_number_integer());
  EXPECT_TRUE(value[4].is_number_float());
}

TEST(PolicyLoader, ToolNamesAreByteExactAndPointersEscapeThem) {
  LoadResult result = load_policy_json(native_tools(R"({"a/b~c": {"actoin": "deny"}})"));
  EXPECT_EQ(only_error(result),
            "policy.E100 /tools/a~1b~0c/actoin: unknown key \"actoin\" (expected action, reason, "
            "limits, rate_limit or args)");
  LoadResult exact = load_policy_json(native_tools(R"({"Get_Me": {}, "get_me": {}})"));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact.policy->tools.size(), 2u);
}

TEST(PolicyLoader, AllErrorsAreCollectedNotJustTheFirst) {
  LoadResult result = load_policy_json(native_tools(R"({
    "a": {"action": "allw"},
    "b": {"limits": [{"counter": "c", "window": "minit", "max": -1}]}
  })"));
  EXPECT_EQ(error_texts(result),
            (std::vector<std::string>{
                "policy.E106 /tools/a/action: unknown action \"allw\" (expected allow, deny or "
                "approve)",
                "policy.E104 /tools/b/limits/0/window: unknown window \"minit\" (expected second, "
                "minute, hour, day or seconds)",
                "policy.E105 /tools/b/limits/0/max: max must be an integer >= 0, got -1"}));
  EXPECT_EQ(result.error_text().substr(0, 10), "<policy>: ");
}

// ---- The bundled policies in scenarios/policies/, one per dialect per mock server. ----

std::set<std::string> catalog_tool_names(const std::string& server) {
  std::ifstream file(std::string(GATECRASH_SOURCE_DIR) + "/mock_servers/catalogs/" + server +
                     ".json");
  EXPECT_TRUE(file.good()) << server;
  Json catalog = Json::parse(file);
  std::set<std::string> names;
  for (const auto& tool : catalog.at("tools")) names.insert(tool.at("name").get<std::string>());
  return names;
}

TEST(BundledPolicies, EachServerHasBothDialectsLoadingCleanlyWithRealToolNames) {
  for (const std::string server :
       {"prometheus", "cloudstack", "trackingtime", "prospectio", "mock-mcp"}) {
    const std::set<std::string> catalog = catalog_tool_names(server);
    ASSERT_FALSE(catalog.empty()) << server;
    for (const std::string extension : {".json", ".yaml"}) {
      const std::string path =
          std::string(GATECRASH_SOURCE_DIR) + "/scenarios/policies/" + server + extension;
      LoadResult result = load_policy_file(path);
      ASSERT_TRUE(result.ok()) << result.error_text();
      const Policy& policy = *result.policy;
      EXPECT_EQ(policy.dialect, extension == ".json" ? Dialect::native : Dialect::intercept);
      EXPECT_TRUE(policy.default_declared) << path << ": say default explicitly";
      EXPECT_FALSE(policy.description.empty()) << path;
      for (const auto& [tool, rules] : policy.tools) {
        EXPECT_TRUE(catalog.contains(tool)) << path << ": no tool " << tool << " in " << server;
      }
      for (const auto& tool : policy.hide) {
        EXPECT_TRUE(catalog.contains(tool)) << path << ": hides unknown tool " << tool;
      }
      EXPECT_TRUE(policy.wildcard.has_value()) << path << ": no overall cap";
      EXPECT_FALSE(policy.counters.empty()) << path;
    }
  }
}

// ---- Every error id, with its exact message. ----

TEST(PolicyErrors, E001SyntaxNamesLineAndColumn) {
  EXPECT_EQ(native_error("{\n  \"version\": \"1\",\n  \"tools\": {,}\n}"),
            "policy.E001 (root): syntax error at line 3, column 13 (byte 32): while parsing "
            "object key - unexpected ','; expected string literal");
  EXPECT_EQ(yaml_error("version: \"1\"\ntools: [a, b\n"),
            "policy.E001 (root): syntax error at line 3, column 1: end of sequence flow not found");
  EXPECT_EQ(yaml_error("version: \"1\"\n---\nversion: \"1\"\n"),
            "policy.E001 (root): expected one YAML document, found 2");
  // yaml-cpp 0.7.0's LoadAll never ends on these (fuzz/regressions/policy_loader_fuzzer): bounded.
  EXPECT_EQ(yaml_error("\"a\","), "policy.E001 (root): expected one YAML document, found more than 16");
  EXPECT_EQ(yaml_error(","), "policy.E001 (root): expected one YAML document, found more than 16");
}

TEST(PolicyErrors, E002DuplicateKeyInEitherDialect) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 1, "max": 1000}]}})")),
            "policy.E002 /tools/t/limits/0/max: duplicate key \"max\"");
  EXPECT_EQ(yaml_error("version: \"1\"\ntools:\n  t: {}\n  t: {}\n"),
            "policy.E002 /tools/t: duplicate key \"t\"");
}

TEST(PolicyErrors, E003TooLargeTooDeepOrTooManyAliases) {
  EXPECT_EQ(native_error(std::string(4 * 1024 * 1024 + 1, ' ')),
            "policy.E003 (root): policy of 4194305 bytes exceeds the limit of 4194304 bytes");
  EXPECT_EQ(native_error(std::string(70, '[') + std::string(70, ']')),
            "policy.E003 (root): nesting deeper than 64 levels");
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'f'; ++level) {
    std::string previous(1, static_cast<char>(level - 1));
    laughs += std::string(1, level) + ": &" + level + " [*" + previous + ", *" + previous + ", *" +
              previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous +
              ", *" + previous + ", *" + previous + ", *" + previous + "]\n";
  }
  EXPECT_EQ(yaml_error(laughs),
            "policy.E003 /e/7/8/8/8/9: document expands to more than 100000 nodes");
  // Few nodes, each a long string: the expanded text is bounded too (a fuzzer finding).
  std::string long_laughs = "a: &a \"" + std::string(70'000, 'x') + "\"\n";
  long_laughs += "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
  long_laughs += "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
  EXPECT_EQ(yaml_error(long_laughs),
            "policy.E003 /c/4/8: document expands to more than 4194304 bytes of keys and scalars");
}

TEST(PolicyErrors, E004AndE005FilesThatCannotBeLoaded) {
  testing::TempDir dir;
  EXPECT_EQ(only_error(load_policy_file(dir.file("missing.json"))),
            "policy.E004 (root): cannot read file: No such file or directory");
  std::ofstream(dir.file("policy.toml")) << "version = 1\n";
  EXPECT_EQ(only_error(load_policy_file(dir.file("policy.toml"))),
            "policy.E005 (root): cannot tell the policy format from the file name (expected "
            ".json, .yaml or .yml)");
  std::ofstream(dir.file("ok.yml")) << "version: \"1\"\ntools: {}\n";
  EXPECT_TRUE(load_policy_file(dir.file("ok.yml")).ok());
}

TEST(PolicyErrors, E100UnknownKey) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 1, "scop": "grant"}]}})")),
            "policy.E100 /tools/t/limits/0/scop: unknown key \"scop\" (expected counter, window, "
            "max, scope, window_mode, increment, increment_from or reason)");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, action: deny, on_denied: no}]")),
            "policy.E100 /tools/t/rules/0/on_denied: unknown key \"on_denied\" (expected name, "
            "action, rate_limit, conditions, on_deny or state)");
}

TEST(PolicyErrors, E101WrongType) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": {"counter": "c"}}})")),
            "policy.E101 /tools/t/limits: expected array, got object");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": "10"}]}})")),
            "policy.E101 /tools/t/limits/0/max: expected number, got string");
  EXPECT_EQ(native_error("[]"), "policy.E101 (root): expected object, got array");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, action: deny, on_deny: [a]}]")),
            "policy.E101 /tools/t/rules/0/on_deny: expected string, got array");
}

TEST(PolicyErrors, E102MissingRequiredKey) {
  EXPECT_EQ(native_error(R"({"tools": {}})"),
            "policy.E102 (root): missing required key \"version\"");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"window": 60, "max": 1}]}})")),
            "policy.E102 /tools/t/limits/0: missing required key \"counter\"");
}

TEST(PolicyErrors, E103VersionNotOne) {
  EXPECT_EQ(native_error(R"({"version": "2", "tools": {}})"),
            "policy.E103 /version: version must be \"1\", got \"2\"");
  EXPECT_EQ(native_error(R"({"version": 1, "tools": {}})"),
            "policy.E103 /version: version must be \"1\", got 1");
  EXPECT_EQ(yaml_error("version: 1.0\ntools: {}\n"),
            "policy.E103 /version: version must be \"1\", got 1.0");
}

TEST(PolicyErrors, E104UnknownWindow) {
  EXPECT_EQ(native_error(native_tools(R"({"track_task": {"limits": [{"counter": "track_task_rate",
                                          "window": "minit", "max": 30, "scope": "grant"}]}})")),
            "policy.E104 /tools/track_task/limits/0/window: unknown window \"minit\" (expected "
            "second, minute, hour, day or seconds)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"rate_limit": {"max": 1, "window": 0}}})")),
            "policy.E104 /tools/t/rate_limit/window: unknown window 0 (expected second, minute, "
            "hour, day or seconds)");
  EXPECT_EQ(
      yaml_error(intercept_rules("[{name: r, conditions: [{path: state.t.n, op: lte, value: 1}], "
                                 "state: {counter: n, window: second}}]")),
      "policy.E104 /tools/t/rules/0/state/window: unknown window \"second\" (expected "
      "minute, hour or day)");
}

TEST(PolicyErrors, E105MaxNotANonNegativeInteger) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"rate_limit": {"max": -1, "window": 60}}})")),
            "policy.E105 /tools/t/rate_limit/max: max must be an integer >= 0, got -1");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"rate_limit": {"max": 2.5, "window": 60}}})")),
            "policy.E105 /tools/t/rate_limit/max: max must be an integer >= 0, got 2.5");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: state.t.n, op: lte, "
                                       "value: 4.5}], state: {counter: n, window: day}}]")),
            "policy.E105 /tools/t/rules/0/conditions/0/value: max must be an integer >= 0, got "
            "4.5");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: state.t.n, op: lt, "
                                       "value: 0}], state: {counter: n, window: day}}]")),
            "policy.E105 /tools/t/rules/0/conditions/0/value: max must be an integer >= 0, got -1");
}

TEST(PolicyErrors, E106UnknownEnumeratedValue) {
  EXPECT_EQ(native_error(R"({"version": "1", "default": "block", "tools": {}})"),
            "policy.E106 /default: unknown default \"block\" (expected allow or deny)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 1, "scope": "user"}]}})")),
            "policy.E106 /tools/t/limits/0/scope: unknown scope \"user\" (expected grant, session "
            "or global)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"rate_limit": {"max": 1, "window": 60,
                                          "window_mode": "rolling"}}})")),
            "policy.E106 /tools/t/rate_limit/window_mode: unknown window_mode \"rolling\" "
            "(expected sliding or fixed)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "like",
                                          "value": "x"}]}})")),
            "policy.E106 /tools/t/args/0/op: unknown op \"like\" (expected eq, neq, in, not_in, "
            "lt, lte, gt, gte, regex, contains or exists)");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, action: allow}]")),
            "policy.E106 /tools/t/rules/0/action: unknown action \"allow\" (expected evaluate or "
            "deny)");
}

TEST(PolicyErrors, E107IncrementNotANonNegativeInteger) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 5, "increment": -2}]}})")),
            "policy.E107 /tools/t/limits/0/increment: increment must be an integer >= 0, got -2");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: state.t.n, op: lte, "
                                       "value: 5}], state: {counter: n, window: day, "
                                       "increment: 0.5}}]")),
            "policy.E107 /tools/t/rules/0/state/increment: increment must be an integer >= 0, got "
            "0.5");
}

TEST(PolicyErrors, E108InvalidRegex) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "regex",
                                          "value": "(unclosed"}]}})")),
            "policy.E108 /tools/t/args/0/value: invalid regex \"(unclosed\": missing ): "
            "(unclosed");
  // Backreferences are not RE2 (they need backtracking), so they are refused at load.
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "regex",
                                          "value": "(a)\\1"}]}})")),
            "policy.E108 /tools/t/args/0/value: invalid regex \"(a)\\\\1\": invalid escape "
            "sequence: \\1");
}

// A pattern several conditions share is compiled once per load (RE2 compilation is a policy's
// largest load cost); an invalid one is still reported at every place it is written.
TEST(PolicyLoader, ConditionsSharingAPatternShareOneCompiledRegex) {
  const auto loaded = load_policy_json(native_tools(R"({
      "a": {"args": [{"path": "args.q", "op": "regex", "value": "(?s)^.{1,1000}$"}]},
      "b": {"args": [{"path": "args.q", "op": "regex", "value": "(?s)^.{1,1000}$"},
                     {"path": "args.r", "op": "regex", "value": "^[0-9]+$"}]}})"));
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  const auto& a = loaded.policy->tools.at("a").conditions;
  const auto& b = loaded.policy->tools.at("b").conditions;
  ASSERT_TRUE(a[0].regex && b[0].regex && b[1].regex);
  EXPECT_EQ(a[0].regex.get(), b[0].regex.get());
  EXPECT_NE(b[0].regex.get(), b[1].regex.get());

  const auto yaml = load_policy_yaml(intercept_rules(
      "[{name: r, conditions: [{path: args.q, op: regex, value: '^x$'}, {path: args.s, op: regex, value: '^x$'}]}]"));
  ASSERT_TRUE(yaml.ok()) << yaml.error_text();
  const auto& rules = yaml.policy->tools.at("t").conditions;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].regex.get(), rules[1].regex.get());

  const auto broken = load_policy_json(native_tools(R"({
      "a": {"args": [{"path": "args.q", "op": "regex", "value": "(x"}]},
      "b": {"args": [{"path": "args.q", "op": "regex", "value": "(x"}]}})"));
  EXPECT_EQ(error_texts(broken),
            (std::vector<std::string>{"policy.E108 /tools/a/args/0/value: invalid regex \"(x\": missing ): (x",
                                      "policy.E108 /tools/b/args/0/value: invalid regex \"(x\": missing ): (x"}));
}

TEST(PolicyErrors, E109InvalidPath) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "arguments.a", "op": "exists",
                                          "value": true}]}})")),
            "policy.E109 /tools/t/args/0/path: invalid path \"arguments.a\" (expected "
            "args.<name>[.<name>...] or state.<scope>.<counter>)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "state.user.c", "op": "lt",
                                          "value": 1}]}})")),
            "policy.E109 /tools/t/args/0/path: invalid path \"state.user.c\" (expected "
            "args.<name>[.<name>...] or state.<scope>.<counter>)");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 5, "increment_from": "amount"}]}})")),
            "policy.E109 /tools/t/limits/0/increment_from: invalid path \"amount\" (expected "
            "args.<name>[.<name>...])");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: args..a, op: eq, "
                                       "value: 1}]}]")),
            "policy.E109 /tools/t/rules/0/conditions/0/path: invalid path \"args..a\" (expected "
            "args.<name>[.<name>...] or state.<tool>.<counter>)");
}

TEST(PolicyErrors, E110OperandDoesNotSuitTheOperator) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "in",
                                          "value": "usd"}]}})")),
            "policy.E110 /tools/t/args/0/value: operator \"in\" requires a list value, got string");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "lte",
                                          "value": "100"}]}})")),
            "policy.E110 /tools/t/args/0/value: operator \"lte\" requires a numeric value, got "
            "string");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "exists",
                                          "value": "yes"}]}})")),
            "policy.E110 /tools/t/args/0/value: operator \"exists\" requires a boolean value, got "
            "string");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "args.a", "op": "regex",
                                          "value": 5}]}})")),
            "policy.E110 /tools/t/args/0/value: operator \"regex\" requires a string value, got "
            "integer");
}

TEST(PolicyErrors, E111RateLimitWithConditions) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, rate_limit: 5/hour, conditions: [{path: "
                                       "args.a, op: eq, value: 1}]}]")),
            "policy.E111 /tools/t/rules/0: rate_limit cannot be combined with conditions or state");
}

TEST(PolicyErrors, E112DenyRuleWithConditions) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, action: deny, conditions: [{path: args.a, "
                                       "op: eq, value: 1}]}]")),
            "policy.E112 /tools/t/rules/0: deny rules must not have conditions");
}

TEST(PolicyErrors, E113EvaluateRuleWithoutConditions) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, on_deny: no}]")),
            "policy.E113 /tools/t/rules/0: evaluate rules must have at least one condition");
}

TEST(PolicyErrors, E114RuleWithoutName) {
  EXPECT_EQ(yaml_error(intercept_rules("[{action: deny}]")),
            "policy.E114 /tools/t/rules/0: rule must have a name");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: '', action: deny}]")),
            "policy.E114 /tools/t/rules/0: rule must have a name");
}

TEST(PolicyErrors, E115MalformedRateLimit) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, rate_limit: 5/week}]")),
            "policy.E115 /tools/t/rules/0/rate_limit: rate_limit must be \"N/minute\", "
            "\"N/hour\" or \"N/day\" with N a positive integer, got \"5/week\"");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, rate_limit: 0/hour}]")),
            "policy.E115 /tools/t/rules/0/rate_limit: rate_limit must be \"N/minute\", "
            "\"N/hour\" or \"N/day\" with N a positive integer, got \"0/hour\"");
}

TEST(PolicyErrors, E116IncrementAndIncrementFrom) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "c", "window": 60,
                                          "max": 5, "increment": 2, "increment_from": "args.n"}]}})")),
            "policy.E116 /tools/t/limits/0: increment and increment_from are mutually exclusive");
}

TEST(PolicyErrors, E117EmptyName) {
  EXPECT_EQ(native_error(R"({"version": "1", "hide": [""], "tools": {}})"),
            "policy.E117 /hide/0: name must not be empty");
  EXPECT_EQ(native_error(native_tools(R"({"": {}})")),
            "policy.E117 /tools/: name must not be empty");
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [{"counter": "", "window": 60,
                                          "max": 5}]}})")),
            "policy.E117 /tools/t/limits/0/counter: name must not be empty");
}

TEST(PolicyErrors, E118RateLimitOnADenyRule) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, action: deny, rate_limit: 5/hour}]")),
            "policy.E118 /tools/t/rules/0: rate_limit cannot be used with action \"deny\"");
}

TEST(PolicyErrors, E119SlidingMaxTooLarge) {
  EXPECT_EQ(
      native_error(native_tools(R"({"t": {"rate_limit": {"max": 5000000, "window": "day"}}})")),
      "policy.E119 /tools/t/rate_limit/max: max 5000000 is too large for a sliding window "
      "(at most 1000000); use window_mode \"fixed\"");
  EXPECT_TRUE(load_policy_json(native_tools(R"({"t": {"rate_limit": {"max": 5000000,
                                "window": "day", "window_mode": "fixed"}}})"))
                  .ok());
}

TEST(PolicyErrors, E200CounterRedefinedWithDifferentParameters) {
  EXPECT_EQ(native_error(native_tools(R"({
              "a": {"limits": [{"counter": "shared", "window": 60, "max": 5}]},
              "b": {"limits": [{"counter": "shared", "window": 3600, "max": 5}]}})")),
            "policy.E200 /tools/b/limits/0: counter \"shared\" redefined with different "
            "parameters (first defined at /tools/a/limits/0)");
  // The same parameters share one counter: allowed.
  EXPECT_TRUE(load_policy_json(native_tools(R"({
              "a": {"limits": [{"counter": "shared", "window": 60, "max": 5}]},
              "b": {"limits": [{"counter": "shared", "window": "minute", "max": 5,
                                "increment": 2}]}})"))
                  .ok());
}

TEST(PolicyErrors, E201CounterChargedTwiceByOneTool) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"limits": [
              {"counter": "c", "window": 60, "max": 5},
              {"counter": "c", "window": 60, "max": 5}]}})")),
            "policy.E201 /tools/t/limits/1: counter \"c\" is already charged by this tool at "
            "/tools/t/limits/0");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: a, rate_limit: 5/hour}, {name: b, rate_limit: "
                                       "5/hour}]")),
            "policy.E201 /tools/t/rules/1/rate_limit: counter \"t._rate_hour\" is already charged "
            "by this tool at /tools/t/rules/0/rate_limit");
}

TEST(PolicyErrors, E202HiddenToolAlsoAllowed) {
  EXPECT_EQ(native_error(R"({"version": "1", "hide": ["list_users"],
                             "tools": {"list_users": {}}})"),
            "policy.E202 /hide/0: tool \"list_users\" is hidden but also allowed at "
            "/tools/list_users");
  EXPECT_TRUE(load_policy_json(R"({"version": "1", "hide": ["list_users"],
                                   "tools": {"list_users": {"action": "deny"}}})")
                  .ok());
}

TEST(PolicyErrors, E203DuplicateHideEntry) {
  EXPECT_EQ(yaml_error("version: \"1\"\nhide: [a, b, a]\ntools: {}\n"),
            "policy.E203 /hide/2: duplicate hide entry \"a\"");
}

TEST(PolicyErrors, E204UnknownCounter) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {"args": [{"path": "state.grant.nope",
                                          "op": "lt", "value": 3}]}})")),
            "policy.E204 /tools/t/args/0/path: unknown counter \"nope\" (no limit defines it)");
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: state.other.n, op: gt, "
                                       "value: 0}]}]")),
            "policy.E204 /tools/t/rules/0/conditions/0/path: unknown counter \"other.n\" (no "
            "limit defines it)");
}

TEST(PolicyErrors, E205CounterReadInAnotherScope) {
  EXPECT_EQ(native_error(native_tools(R"({"t": {
              "limits": [{"counter": "c", "window": 60, "max": 5, "scope": "grant"}],
              "args": [{"path": "state.session.c", "op": "lt", "value": 3}]}})")),
            "policy.E205 /tools/t/args/0/path: counter \"c\" has scope grant, not session");
}

TEST(PolicyErrors, E206InterceptCounterWithoutCap) {
  EXPECT_EQ(yaml_error(intercept_rules("[{name: r, conditions: [{path: state.t.n, op: gt, "
                                       "value: 1}], state: {counter: n, window: hour}}]")),
            "policy.E206 /tools/t/rules/0: state counter \"n\" has no cap: add a condition on "
            "state.t.n with op lt or lte");
}

}  // namespace
}  // namespace gatecrash::policy
