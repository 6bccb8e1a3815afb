// tests/unit-audit.cc — `gatecrash audit` and `suggest`: every check fires on a minimal bad policy
// and stays quiet on a good one, the classifier on the real catalogs, suggested policies passing
// their own audit, the tools loaders' error ids, and the command line.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "audit/audit_report.h"
#include "audit/audited_policy.h"
#include "audit/errors.h"
#include "audit/policy_audit.h"
#include "audit/suggest.h"
#include "audit/tool_risk.h"
#include "audit/tool_source.h"
#include "mock_servers/catalog.h"
#include "policy/load.h"
#include "test_support.h"

namespace gatecrash::audit {
namespace {

using Json = nlohmann::json;

// A Tool object with explicit hints and string parameters.
Json make_tool(const std::string& name, Json annotations, const std::vector<std::string>& params) {
  Json properties = Json::object();
  for (const auto& param : params) properties[param] = {{"type", "string"}};
  return {{"name", name},
          {"description", "test tool " + name},
          {"inputSchema", {{"type", "object"}, {"properties", properties}}},
          {"annotations", std::move(annotations)}};
}

const Json kRead = {{"readOnlyHint", true}};
const Json kWrite = {{"readOnlyHint", false}};
const Json kDestructive = {{"readOnlyHint", false}, {"destructiveHint", true}};
const Json kExecute = {{"readOnlyHint", false}, {"openWorldHint", true}};

// A small server with one tool of each class, a wide tool and a credential parameter.
std::vector<ToolRisk> test_server() {
  std::vector<std::string> wide;
  for (int i = 0; i < 12; ++i) wide.push_back("field" + std::to_string(i));
  return classify_tools(
      {make_tool("list_items", kRead, {"filter"}),
       make_tool("create_item", kWrite, {"name", "notes", "amount"}),
       make_tool("delete_item", kDestructive, {"id"}), make_tool("start_job", kExecute, {"id"}),
       make_tool("wide_update", kWrite, wide), make_tool("get_profile", kRead, {"api_token"})});
}

AuditedPolicy native(const std::string& text) {
  return load_audited_policy_text(text, policy::Dialect::native, "test.json");
}
AuditedPolicy intercept(const std::string& text) {
  return load_audited_policy_text(text, policy::Dialect::intercept, "test.yaml");
}

// A native default-deny policy whose tools object is `tools`, on top of entries that keep every
// other check quiet.
std::string deny_policy(const std::string& tools) {
  return R"({"version": "1", "default": "deny", "tools": {)" + tools + "}}";
}

std::vector<Finding> findings_of(std::string_view check, const AuditedPolicy& policy,
                                 const std::vector<ToolRisk>& tools = test_server()) {
  std::vector<Finding> selected;
  for (auto& finding : audit_policy(policy, tools)) {
    if (finding.check == check) selected.push_back(std::move(finding));
  }
  return selected;
}

// The one finding of `check` (fails the test when there is not exactly one).
Finding only_finding(std::string_view check, const AuditedPolicy& policy) {
  auto found = findings_of(check, policy);
  EXPECT_EQ(found.size(), 1u) << check;
  return found.empty() ? Finding{} : found.front();
}

// Entries under which the test server raises no finding at all.
const std::string kQuietEntries = R"(
  "list_items": {},
  "create_item": {"limits": [{"counter": "create_item", "window": "minute", "max": 30, "scope": "grant"}]},
  "delete_item": {"action": "approve"},
  "start_job": {"limits": [{"counter": "start_job", "window": "minute", "max": 10, "scope": "grant"}]},
  "wide_update": {"limits": [{"counter": "wide_update", "window": "minute", "max": 30}],
                  "args": [{"path": "args.field0", "op": "regex", "value": "^.{0,200}$"}]},
  "get_profile": {},
  "*": {"args": [{"path": "args.api_token", "op": "exists", "value": false}]})";

TEST(AuditChecks, AGoodPolicyHasNoFinding) {
  const auto findings = audit_policy(native(deny_policy(kQuietEntries)), test_server());
  for (const auto& finding : findings) ADD_FAILURE() << finding.check << " " << finding.message;
}

TEST(AuditChecks, EveryCheckHasAStableIdAndAttacks) {
  std::set<std::string_view> ids;
  for (const Check& check : audit_checks()) {
    EXPECT_TRUE(check.id.starts_with("audit.")) << check.id;
    EXPECT_TRUE(ids.insert(check.id).second) << "duplicate " << check.id;
    EXPECT_FALSE(check.attacks.empty()) << check.id;
  }
  EXPECT_EQ(ids.size(), 13u);
}

TEST(AuditChecks, DefaultAllowFiresWhenDefaultIsAbsentOrAllow) {
  const Finding absent = only_finding(
      "audit.default-allow", native(R"({"version": "1", "tools": {)" + kQuietEntries + "}}"));
  EXPECT_EQ(absent.severity, Severity::high);
  EXPECT_EQ(absent.pointer, "");
  EXPECT_NE(absent.message.find("no \"default\", which means allow"), std::string::npos);
  const Finding declared =
      only_finding("audit.default-allow",
                   native(R"({"version": "1", "default": "allow", "tools": {"list_items": {}}})"));
  EXPECT_EQ(declared.pointer, "/default");
  EXPECT_NE(declared.message.find("5 of this server's 6 tools"), std::string::npos);
  EXPECT_EQ(declared.attacks, (std::vector<std::string>{"A1", "A2", "A3", "A8", "S2"}));
  EXPECT_TRUE(findings_of("audit.default-allow", native(deny_policy(kQuietEntries))).empty());
}

TEST(AuditChecks, DestructiveUnguardedFiresWithoutApprovalOrCap) {
  const Finding finding =
      only_finding("audit.destructive-unguarded", native(deny_policy(R"("delete_item": {})")));
  EXPECT_EQ(finding.severity, Severity::critical);
  EXPECT_EQ(finding.pointer, "/tools/delete_item");
  EXPECT_EQ(finding.tool, "delete_item");
  EXPECT_NE(finding.fix.find("\"action\": \"approve\""), std::string::npos);
  // Default allow lets it through without naming it: the evidence is the default.
  EXPECT_EQ(only_finding("audit.destructive-unguarded",
                         native(R"({"version": "1", "default": "allow", "tools": {}})"))
                .pointer,
            "/default");
  EXPECT_TRUE(findings_of("audit.destructive-unguarded",
                          native(deny_policy(R"("delete_item": {"action": "approve"})")))
                  .empty());
  EXPECT_TRUE(findings_of("audit.destructive-unguarded",
                          native(deny_policy(R"("delete_item": {"action": "deny"})")))
                  .empty());
  EXPECT_TRUE(findings_of("audit.destructive-unguarded",
                          native(R"({"version": "1", "default": "allow", "hide": ["delete_item"],
                                     "tools": {"delete_item": {"action": "deny"}}})"))
                  .empty());
}

TEST(AuditChecks, ExecuteUnguardedFiresWithoutApprovalOrCap) {
  const Finding finding =
      only_finding("audit.execute-unguarded", native(deny_policy(R"("start_job": {})")));
  EXPECT_EQ(finding.severity, Severity::high);
  EXPECT_EQ(finding.pointer, "/tools/start_job");
  EXPECT_TRUE(findings_of("audit.execute-unguarded",
                          native(deny_policy(
                              R"("start_job": {"rate_limit": {"max": 5, "window": "hour"}})")))
                  .empty());
}

TEST(AuditChecks, WriteUnlimitedFiresWithoutAnyLimit) {
  const Finding finding =
      only_finding("audit.write-unlimited", native(deny_policy(R"("create_item": {})")));
  EXPECT_EQ(finding.severity, Severity::medium);
  EXPECT_EQ(finding.pointer, "/tools/create_item");
  EXPECT_NE(finding.fix.find(R"("counter": "create_item", "window": "minute", "max": 30)"),
            std::string::npos);
  EXPECT_TRUE(findings_of("audit.write-unlimited", native(deny_policy(kQuietEntries))).empty());
  // A cap of increment 0 charges nothing: it is no limit.
  EXPECT_EQ(findings_of("audit.write-unlimited",
                        native(deny_policy(R"("create_item": {"limits": [{"counter": "c",
                            "window": "minute", "max": 3, "increment": 0}]})")))
                .size(),
            1u);
}

TEST(AuditChecks, SessionScopedCapFiresOnTheShorthandAndOnScopeSession) {
  const Finding shorthand = only_finding(
      "audit.session-scoped-cap",
      native(deny_policy(R"("create_item": {"rate_limit": {"max": 5, "window": "minute"}},
                            "*": {"limits": [{"counter": "all", "window": "minute", "max": 100}]})")));
  EXPECT_EQ(shorthand.severity, Severity::high);
  EXPECT_EQ(shorthand.pointer, "/tools/create_item/rate_limit");
  EXPECT_EQ(shorthand.attacks, std::vector<std::string>{"R3"});
  EXPECT_NE(shorthand.message.find("only the wildcard's 100/minute per identity does"),
            std::string::npos);
  EXPECT_EQ(
      shorthand.fix,
      R"(replace "rate_limit" with "limits": [{"counter": "create_item", "window": "minute", "max": 5, "scope": "grant"}])");
  const Finding scoped = only_finding(
      "audit.session-scoped-cap",
      native(deny_policy(R"("create_item": {"limits": [{"counter": "c", "window": 60, "max": 5,
                                                        "scope": "session"}]})")));
  EXPECT_EQ(scoped.pointer, "/tools/create_item/limits/0/scope");
  EXPECT_TRUE(findings_of("audit.session-scoped-cap", native(deny_policy(kQuietEntries))).empty());
  // Reads may be counted per session.
  EXPECT_TRUE(findings_of("audit.session-scoped-cap",
                          native(deny_policy(
                              R"("list_items": {"rate_limit": {"max": 5, "window": "minute"}})")))
                  .empty());
}

TEST(AuditChecks, FixedWindowFiresInBothDialects) {
  const Finding native_finding = only_finding(
      "audit.fixed-window",
      native(deny_policy(R"("create_item": {"limits": [{"counter": "c", "window": "minute",
                                "max": 10, "window_mode": "fixed"}]})")));
  EXPECT_EQ(native_finding.severity, Severity::medium);
  EXPECT_EQ(native_finding.pointer, "/tools/create_item/limits/0/window_mode");
  EXPECT_NE(native_finding.message.find("2 x max = 20"), std::string::npos);
  EXPECT_EQ(native_finding.fix.rfind("set \"window_mode\": \"sliding\"", 0), 0u);

  const Finding yaml_finding = only_finding("audit.fixed-window", intercept(R"(version: "1"
default: deny
tools:
  create_item:
    rules:
      - name: item rate
        rate_limit: 10/minute
)"));
  EXPECT_EQ(yaml_finding.pointer, "/tools/create_item/rules/0/rate_limit");
  EXPECT_NE(yaml_finding.message.find("rule \"item rate\" under \"create_item\""),
            std::string::npos);
  EXPECT_NE(yaml_finding.fix.find("halve the cap (5/minute)"), std::string::npos);
  // A counter only reads charge is low.
  EXPECT_EQ(only_finding("audit.fixed-window",
                         native(deny_policy(R"("list_items": {"limits": [{"counter": "c",
                             "window": "minute", "max": 10, "window_mode": "fixed"}]})")))
                .severity,
            Severity::low);
  EXPECT_TRUE(findings_of("audit.fixed-window", native(deny_policy(kQuietEntries))).empty());
}

TEST(AuditChecks, WildcardOnlyCapFiresWhenAToolHasNoCapOfItsOwn) {
  const auto policy = native(deny_policy(R"("create_item": {}, "start_job": {},
      "*": {"limits": [{"counter": "all", "window": "minute", "max": 120}]})"));
  const auto findings = findings_of("audit.wildcard-only-cap", policy);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].severity, Severity::high);  // start_job, execute
  EXPECT_EQ(findings[0].tool, "start_job");
  EXPECT_EQ(findings[0].pointer, "/tools/start_job");
  EXPECT_EQ(findings[1].severity, Severity::medium);  // create_item, write
  EXPECT_EQ(findings[1].tool, "create_item");
  EXPECT_NE(findings[1].message.find("counter \"all\" (120/minute per identity)"),
            std::string::npos);
  EXPECT_TRUE(findings_of("audit.wildcard-only-cap", native(deny_policy(kQuietEntries))).empty());
}

TEST(AuditChecks, HiddenButAllowedFiresWhenOnlyHideRefusesTheTool) {
  const Finding finding = only_finding(
      "audit.hidden-but-allowed",
      native(R"({"version": "1", "default": "allow", "hide": ["get_profile", "list_items"],
                 "tools": {"get_profile": {"action": "deny"}}})"));
  EXPECT_EQ(finding.pointer, "/hide/1");
  EXPECT_EQ(finding.tool, "list_items");
  EXPECT_EQ(
      finding.fix,
      R"(also deny it: "list_items": {"action": "deny"} (it stays hidden, and is refused by every gateway))");
  EXPECT_TRUE(findings_of("audit.hidden-but-allowed",
                          native(R"({"version": "1", "default": "deny", "hide": ["list_items"],
                                     "tools": {}})"))
                  .empty());
}

TEST(AuditChecks, UnanchoredRegexFiresAndSuggestsTheAnchoredPattern) {
  struct Case {
    std::string pattern;  // as a JSON string literal's content
    std::string fix;
  };
  for (const Case& bad : std::vector<Case>{{"^[a-z]+", R"(anchor it: "^[a-z]+$")"},
                                           {"[a-z]+$", R"(anchor it: "^[a-z]+$")"},
                                           {"^a|b$", R"(anchor it: "^(?:a|b)$")"},
                                           {"(?i)ok", R"(anchor it: "(?i)^ok$")"},
                                           {"(?m)^ok$", R"(anchor it: "(?m)\\Aok\\z")"},
                                           {"^abc\\\\$", R"(anchor it: "^abc\\$$")"}}) {
    const Finding finding = only_finding(
        "audit.unanchored-regex",
        native(deny_policy(R"("list_items": {"args": [{"path": "args.filter", "op": "regex",
                                 "value": ")" +
                           bad.pattern + R"("}]})")));
    EXPECT_EQ(finding.pointer, "/tools/list_items/args/0/value") << bad.pattern;
    EXPECT_EQ(finding.fix, bad.fix) << bad.pattern;
  }
  for (const std::string good :
       {"^[a-z]{1,8}$", "\\\\A[a-z]+\\\\z", "^(a|b)$", "^[|]+$", "^a\\\\|b$", "^[^]|]+$"}) {
    EXPECT_TRUE(findings_of("audit.unanchored-regex",
                            native(deny_policy(R"("list_items": {"args": [{"path": "args.filter",
                                "op": "regex", "value": ")" +
                                               good + R"("}]})")))
                    .empty())
        << good;
  }
  const Finding yaml_finding = only_finding("audit.unanchored-regex", intercept(R"(version: "1"
default: deny
tools:
  list_items:
    rules:
      - name: shape
        conditions:
          - {path: args.filter, op: exists, value: true}
          - {path: args.filter, op: regex, value: "[a-z]"}
)"));
  EXPECT_EQ(yaml_finding.pointer, "/tools/list_items/rules/0/conditions/1/value");
}

TEST(AuditChecks, ConditionOnMissingArgumentFiresAndNamesTheNearestArgument) {
  const Finding finding = only_finding(
      "audit.condition-on-missing-argument",
      native(deny_policy(R"("create_item": {"args": [{"path": "args.nmae", "op": "regex",
                                "value": "^.{1,9}$"}]})")));
  EXPECT_EQ(finding.pointer, "/tools/create_item/args/0/path");
  EXPECT_EQ(finding.fix, "change the path to args.name");
  EXPECT_NE(finding.message.find("did you mean args.name?"), std::string::npos);
  EXPECT_NE(finding.message.find("so the tool is refused"), std::string::npos);

  const Finding vacuous = only_finding(
      "audit.condition-on-missing-argument",
      native(deny_policy(R"("create_item": {"args": [{"path": "args.forced", "op": "exists",
                                "value": false}]})")));
  EXPECT_NE(vacuous.message.find("always holds, so it guards nothing"), std::string::npos);

  const Finding units = only_finding(
      "audit.condition-on-missing-argument",
      native(deny_policy(R"("create_item": {"limits": [{"counter": "c", "window": "day",
                                "max": 100, "increment_from": "args.amonut"}]})")));
  EXPECT_EQ(units.pointer, "/tools/create_item/limits/0/increment_from");
  EXPECT_EQ(units.fix, "change the path to args.amount");

  const Finding wildcard = only_finding(
      "audit.condition-on-missing-argument",
      native(deny_policy(R"("list_items": {}, "*": {"args": [{"path": "args.nothing", "op": "eq",
                                "value": 1}]})")));
  EXPECT_EQ(wildcard.pointer, "/tools/*/args/0/path");
  EXPECT_TRUE(findings_of("audit.condition-on-missing-argument", native(deny_policy(kQuietEntries)))
                  .empty());
}

TEST(AuditChecks, ManyParametersUnconstrainedFiresOverTenParameters) {
  const Finding finding = only_finding(
      "audit.many-parameters-unconstrained",
      native(deny_policy(
          R"("wide_update": {"limits": [{"counter": "w", "window": "minute", "max": 30}]})")));
  EXPECT_EQ(finding.severity, Severity::low);
  EXPECT_EQ(finding.pointer, "/tools/wide_update");
  EXPECT_NE(finding.message.find("takes 12 parameters"), std::string::npos);
  EXPECT_TRUE(findings_of("audit.many-parameters-unconstrained", native(deny_policy(kQuietEntries)))
                  .empty());
}

TEST(AuditChecks, SecretArgumentFiresUntilThePolicyRefusesTheArgument) {
  const Finding finding =
      only_finding("audit.secret-argument", native(deny_policy(R"("get_profile": {})")));
  EXPECT_EQ(finding.severity, Severity::high);
  EXPECT_EQ(finding.pointer, "/tools");
  EXPECT_EQ(finding.tool, "get_profile");
  EXPECT_NE(finding.fix.find(R"("path": "args.api_token", "op": "exists", "value": false)"),
            std::string::npos);
  EXPECT_TRUE(findings_of("audit.secret-argument", native(deny_policy(kQuietEntries))).empty());
  EXPECT_TRUE(findings_of("audit.secret-argument",
                          native(deny_policy(R"("get_profile": {"args": [{"path": "args.api_token",
                              "op": "exists", "value": false}]})")))
                  .empty());
}

TEST(AuditChecks, UnknownToolFiresOnTyposWithASeverityByWhatTheEntryDoes) {
  const auto policy = native(R"({"version": "1", "default": "allow", "hide": ["list_itmes"],
      "tools": {"delete_itme": {"action": "deny"}, "Start_Job": {"limits": [{"counter": "s",
      "window": "minute", "max": 1}]}, "nowhere": {}}})");
  auto findings = findings_of("audit.unknown-tool", policy);
  ASSERT_EQ(findings.size(), 4u);
  std::map<std::string, Finding> by_pointer;
  for (auto& finding : findings) by_pointer[finding.pointer] = finding;
  EXPECT_EQ(by_pointer["/tools/delete_itme"].severity, Severity::high);
  EXPECT_NE(by_pointer["/tools/delete_itme"].message.find("did you mean \"delete_item\"?"),
            std::string::npos);
  EXPECT_EQ(by_pointer["/tools/delete_itme"].fix, "rename it to \"delete_item\"");
  EXPECT_EQ(by_pointer["/tools/Start_Job"].severity, Severity::medium);
  EXPECT_EQ(by_pointer["/tools/Start_Job"].fix, "rename it to \"start_job\"");
  EXPECT_EQ(by_pointer["/tools/nowhere"].severity, Severity::low);
  EXPECT_EQ(by_pointer["/hide/0"].severity, Severity::medium);
  EXPECT_TRUE(findings_of("audit.unknown-tool", native(deny_policy(kQuietEntries))).empty());
}

TEST(AuditChecks, FindingsComeWorstFirst) {
  const auto findings =
      audit_policy(native(R"({"version": "1", "tools": {"create_item": {}}})"), test_server());
  ASSERT_FALSE(findings.empty());
  EXPECT_TRUE(std::is_sorted(findings.begin(), findings.end(),
                             [](const auto& a, const auto& b) { return a.severity > b.severity; }));
  EXPECT_EQ(findings.front().severity, Severity::critical);
}

// ---- classifier --------------------------------------------------------------------------

Json catalog_tool(const std::string& catalog, const std::string& name) {
  for (const auto& tool : tools_from_catalog(catalog).tools) {
    if (tool["name"] == name) return tool;
  }
  ADD_FAILURE() << catalog << " has no tool " << name;
  return Json::object();
}

TEST(ToolRiskClassifier, SplitsNamesIntoWords) {
  EXPECT_EQ(split_words("ExecuteRangeQuery"),
            (std::vector<std::string>{"execute", "range", "query"}));
  EXPECT_EQ(split_words("list_virtual_machines"),
            (std::vector<std::string>{"list", "virtual", "machines"}));
  EXPECT_EQ(split_words("getHTTPStatus"), (std::vector<std::string>{"get", "http", "status"}));
  EXPECT_EQ(split_words("claimToken"), (std::vector<std::string>{"claim", "token"}));
  EXPECT_EQ(split_words("ns.delete-item"), (std::vector<std::string>{"ns", "delete", "item"}));
}

TEST(ToolRiskClassifier, DestroyVirtualMachineIsDestructiveEvenWithForgedReadOnlyAnnotations) {
  Json tool = catalog_tool("cloudstack", "destroy_virtual_machine");
  const ToolRisk honest = classify_tool(tool);
  EXPECT_EQ(honest.tool_class, ToolClass::destructive);
  EXPECT_EQ(honest.risk, RiskLevel::high);
  EXPECT_FALSE(honest.has_signal(risk_signal::kAnnotationsContradicted));

  tool["annotations"] = {{"readOnlyHint", true},
                         {"destructiveHint", false},
                         {"idempotentHint", true},
                         {"openWorldHint", false}};
  const ToolRisk forged = classify_tool(tool);
  EXPECT_EQ(forged.tool_class, ToolClass::destructive);
  EXPECT_EQ(forged.risk, RiskLevel::high);
  EXPECT_TRUE(forged.has_signal(risk_signal::kAnnotationsContradicted));
  EXPECT_NE(std::find(forged.evidence.begin(), forged.evidence.end(), "name verb \"destroy\""),
            forged.evidence.end());

  // The description alone is enough too.
  Json renamed = tool;
  renamed["name"] = "vm_cleanup";
  EXPECT_EQ(classify_tool(renamed).tool_class, ToolClass::destructive);
}

TEST(ToolRiskClassifier, PrometheusQueriesAreReads) {
  for (const char* name : {"ExecuteQuery", "ExecuteRangeQuery"}) {
    const ToolRisk risk = classify_tool(catalog_tool("prometheus", name));
    EXPECT_EQ(risk.tool_class, ToolClass::read) << name;
    EXPECT_EQ(risk.risk, RiskLevel::low) << name;
    // Without annotations the name still says "a query".
    Json bare = catalog_tool("prometheus", name);
    bare.erase("annotations");
    EXPECT_EQ(classify_tool(bare).tool_class, ToolClass::read) << name;
  }
}

TEST(ToolRiskClassifier, TrackingTimeCredentialsAreSecretArguments) {
  const ToolRisk get_me = classify_tool(catalog_tool("trackingtime", "get_me"));
  EXPECT_EQ(get_me.secret_parameters, (std::vector<std::string>{"api_token", "app_password"}));
  EXPECT_TRUE(get_me.has_signal(risk_signal::kSecretArgument));
  const ToolRisk update = classify_tool(catalog_tool("trackingtime", "update_task"));
  EXPECT_TRUE(update.has_signal(risk_signal::kHighParameterCount));
  // A lease token is not a credential.
  EXPECT_TRUE(
      classify_tool(catalog_tool("mock-mcp", "provide_batch_mock_data")).secret_parameters.empty());
}

TEST(ToolRiskClassifier, ClassCountsMatchTheReferenceCatalogs) {
  // shared/reference/catalogs.md: read / write / destructive / execute per server (prometheus
  // adds the marked extra get_job_status, a read).
  const std::map<std::string, std::array<int, 4>> expected = {{"prometheus", {6, 0, 0, 0}},
                                                              {"cloudstack", {25, 15, 1, 4}},
                                                              {"trackingtime", {14, 12, 0, 0}},
                                                              {"prospectio", {9, 1, 0, 2}},
                                                              {"mock-mcp", {3, 3, 0, 0}}};
  for (const auto& catalog : mock::catalog_names()) {
    std::array<int, 4> counts{};
    for (const auto& risk : classify_tools(tools_from_catalog(catalog).tools)) {
      ++counts[static_cast<std::size_t>(risk.tool_class)];
    }
    EXPECT_EQ(counts, expected.at(catalog)) << catalog;
  }
}

TEST(ToolRiskClassifier, LyingAnnotationsDoNotMakeWritesOrActionsReads) {
  // What the mock's lying_annotations=1 behaviour claims for every tool.
  const Json lie = {{"readOnlyHint", true},
                    {"destructiveHint", false},
                    {"idempotentHint", true},
                    {"openWorldHint", false}};
  const std::map<std::string, ToolClass> expected = {
      {"start_virtual_machine", ToolClass::execute},
      {"create_volume", ToolClass::write},
      {"destroy_virtual_machine", ToolClass::destructive},
      {"list_volumes", ToolClass::read}};
  for (const auto& [name, tool_class] : expected) {
    Json tool = catalog_tool("cloudstack", name);
    tool["annotations"] = lie;
    EXPECT_EQ(classify_tool(tool).tool_class, tool_class) << name;
  }
}

TEST(ToolRiskClassifier, ReconToolsAreMarked) {
  for (const char* name : {"list_users", "list_accounts", "list_hosts", "list_usage_records"}) {
    EXPECT_TRUE(classify_tool(catalog_tool("cloudstack", name)).recon) << name;
  }
  EXPECT_FALSE(classify_tool(catalog_tool("cloudstack", "list_virtual_machines")).recon);
  EXPECT_FALSE(classify_tool(catalog_tool("trackingtime", "list_user_tasks")).recon);
}

// ---- suggest -----------------------------------------------------------------------------

TEST(Suggest, EveryBundledCatalogsSuggestionLoadsAndPassesItsOwnAudit) {
  for (const auto& catalog : mock::catalog_names()) {
    const ToolList tools = tools_from_catalog(catalog);
    const auto risks = classify_tools(tools.tools);
    const std::string text = suggest_policy(risks, tools.source).dump(2);
    const policy::LoadResult loaded = policy::load_policy_json(text, catalog + ".json");
    ASSERT_TRUE(loaded.ok()) << catalog << ": " << loaded.error_text();
    EXPECT_EQ(loaded.policy->default_action, policy::DefaultAction::deny);
    for (const auto& finding : audit_policy(native(text), risks)) {
      EXPECT_LT(finding.severity, Severity::high)
          << catalog << ": " << finding.check << " " << finding.pointer << " " << finding.message;
    }
  }
}

TEST(Suggest, WritesOnePolicyEntryPerClass) {
  const auto policy = suggest_policy(test_server(), "test");
  const auto& tools = policy["tools"];
  EXPECT_EQ(policy["default"], "deny");
  EXPECT_EQ(tools["list_items"], nlohmann::ordered_json::object());
  EXPECT_EQ(tools["create_item"]["limits"][0]["max"], kSuggestedWritesPerMinute);
  EXPECT_EQ(tools["create_item"]["limits"][0]["scope"], "grant");
  EXPECT_EQ(tools["start_job"]["limits"][0]["max"], kSuggestedExecutesPerMinute);
  EXPECT_EQ(tools["delete_item"]["action"], "approve");
  EXPECT_EQ(tools["*"]["args"][0]["path"], "args.api_token");

  const auto cloudstack =
      suggest_policy(classify_tools(tools_from_catalog("cloudstack").tools), "c");
  EXPECT_NE(std::find(cloudstack["hide"].begin(), cloudstack["hide"].end(), "list_users"),
            cloudstack["hide"].end());
  EXPECT_FALSE(cloudstack["tools"].contains("list_users"));
}

// ---- tools sources: each error id, word for word ------------------------------------------

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const AuditError& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(ToolSource, ReadsBothShapesOfASavedToolsList) {
  const Json tool = make_tool("t", kRead, {"a"});
  const Json list = Json::array({tool});
  EXPECT_EQ(tools_from_document(Json{{"tools", list}}, "f.json").tools.size(), 1u);
  const Json response = {{"jsonrpc", "2.0"}, {"id", 1}, {"result", Json{{"tools", list}}}};
  EXPECT_EQ(tools_from_document(response, "f.json").tools.size(), 1u);
}

TEST(ToolSource, ErrorIdsAndMessages) {
  EXPECT_EQ(error_of([] { tools_from_catalog("github"); }),
            "audit.E701 --server: unknown catalog 'github' (known: prometheus, cloudstack, "
            "trackingtime, prospectio, mock-mcp)");
  EXPECT_EQ(error_of([] { tools_from_file("/nonexistent/tools.json"); }),
            "audit.E702 /nonexistent/tools.json: cannot read file: No such file or directory");
  testing::TempDir dir;
  testing::write_file(dir.file("bad.json"), "{\"tools\": [}");
  EXPECT_EQ(error_of([&] {
              tools_from_file(dir.file("bad.json"));
            }).rfind("audit.E703 " + dir.file("bad.json") + ": not strict JSON: at byte 11: ", 0),
            0u);
  EXPECT_EQ(error_of([] {
              tools_from_document(Json{{"items", Json::array()}}, "f.json");
            }),
            "audit.E704 f.json: expected a tools/list result: {\"tools\": [...]} or "
            "{\"result\": {\"tools\": [...]}}");
  EXPECT_EQ(
      error_of([] {
        tools_from_document(Json{{"jsonrpc", "2.0"}, {"error", Json{{"code", -32601}}}}, "f.json");
      }),
      "audit.E704 f.json: /error: a JSON-RPC error response, not a tools/list result");
  const auto one_tool = [](Json tool) { return Json{{"tools", Json::array({std::move(tool)})}}; };
  EXPECT_EQ(error_of([&] {
              tools_from_document(one_tool(Json{{"name", 3}}), "f.json");
            }),
            "audit.E705 f.json: /tools/0/name: a tool needs a non-empty string name");
  EXPECT_EQ(error_of([] {
              const Json twice = Json::array({Json{{"name", "a"}}, Json{{"name", "a"}}});
              tools_from_document(Json{{"result", Json{{"tools", twice}}}}, "f.json");
            }),
            "audit.E705 f.json: /result/tools/1/name: duplicate tool name \"a\"");
  EXPECT_EQ(error_of([&] {
              tools_from_document(
                  one_tool(Json{{"name", "a"}, {"annotations", Json{{"readOnlyHint", "yes"}}}}),
                  "f.json");
            }),
            "audit.E705 f.json: /tools/0/annotations/readOnlyHint: must be a boolean");
}

TEST(AuditedPolicyLoader, APolicyThatDoesNotLoadNamesTheFileAndPointer) {
  EXPECT_EQ(error_of([] {
              native(R"({"version": "1", "tools": {"t": {"limits": [{"counter": "c",
                         "window": "minit", "max": 1}]}}})");
            }),
            "audit.E700 test.json: the policy does not load:\n  test.json: policy.E104 "
            "/tools/t/limits/0/window: unknown window \"minit\" (expected second, minute, hour, "
            "day or seconds)");
  EXPECT_EQ(error_of([] { load_audited_policy("/nonexistent/p.json"); }),
            "audit.E700 /nonexistent/p.json: the policy does not load:\n  /nonexistent/p.json: "
            "policy.E004 (root): cannot read file: No such file or directory");
  EXPECT_EQ(error_of([] { load_audited_policy("p.txt"); }),
            "audit.E700 p.txt: the policy does not load:\n  p.txt: policy.E005 (root): cannot "
            "tell the policy format from the file name (expected .json, .yaml or .yml)");
}

// ---- the command line --------------------------------------------------------------------

std::string source_path(const std::string& relative) {
  return std::string(GATECRASH_SOURCE_DIR) + "/" + relative;
}

TEST(AuditCommand, AuditsEveryScenarioPolicyAgainstItsCatalog) {
  testing::TempDir dir;
  for (const auto& catalog : mock::catalog_names()) {
    for (const char* extension : {".json", ".yaml"}) {
      const std::string policy = source_path("scenarios/policies/" + catalog + extension);
      if (!std::filesystem::exists(policy)) continue;
      const auto run = testing::run_gatecrash(dir, {"audit", policy, "--server", catalog});
      EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 1) << policy << "\n" << run.err;
      EXPECT_NE(run.out.find("gatecrash audit: " + policy), std::string::npos) << run.out;
      EXPECT_NE(run.out.find("\nSUMMARY: "), std::string::npos) << run.out;
      // Every finding shows at --fail-on low, so the exit is 1 exactly when there is one.
      const auto strict =
          testing::run_gatecrash(dir, {"audit", policy, "--server", catalog, "--fail-on", "low"});
      EXPECT_EQ(strict.exit_code, strict.out.find("no findings") == std::string::npos ? 1 : 0)
          << policy;
    }
  }
}

TEST(AuditCommand, CloudstackPolicyFailsOnDefaultAllowAndWritesJson) {
  testing::TempDir dir;
  const auto run =
      testing::run_gatecrash(dir, {"audit", source_path("scenarios/policies/cloudstack.json"),
                                   "--server", "cloudstack", "--json", dir.file("audit.json")});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("audit.default-allow"), std::string::npos) << run.out;
  const Json report = Json::parse(testing::read_source_file_abs(dir.file("audit.json")));
  EXPECT_EQ(report["format"], "gatecrash-audit/1");
  EXPECT_EQ(report["tools"].size(), 45u);
  EXPECT_TRUE(report["failed"].get<bool>());
  EXPECT_EQ(report["checks"].size(), audit_checks().size());
  EXPECT_EQ(report["findings"][0]["check"], "audit.default-allow");
  EXPECT_EQ(report["findings"][0]["pointer"], "/default");

  const auto lenient =
      testing::run_gatecrash(dir, {"audit", source_path("scenarios/policies/cloudstack.json"),
                                   "--server", "cloudstack", "--fail-on", "critical"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.out;
}

TEST(AuditCommand, ReadsASavedToolsList) {
  testing::TempDir dir;
  const Json tools = {{"jsonrpc", "2.0"},
                      {"id", 2},
                      {"result", {{"tools", Json(tools_from_catalog("prometheus").tools)}}}};
  testing::write_file(dir.file("tools.json"), tools.dump());
  const auto run =
      testing::run_gatecrash(dir, {"audit", source_path("scenarios/policies/prometheus.json"),
                                   "--tools", dir.file("tools.json")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("against " + dir.file("tools.json")), std::string::npos) << run.out;
}

TEST(AuditCommand, BadInputExitsTwoNamingTheFileAndPointer) {
  testing::TempDir dir;
  const std::string policy = dir.file("broken.json");
  testing::write_file(policy, R"({"version": "1", "default": "deny", "tools": {"t": {"limits":
      [{"counter": "c", "window": "minit", "max": 1}]}}})");
  const auto run = testing::run_gatecrash(dir, {"audit", policy, "--server", "cloudstack"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("gatecrash: audit.E700 " + policy + ": the policy does not load:"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(policy + ": policy.E104 /tools/t/limits/0/window: unknown window"),
            std::string::npos)
      << run.err;

  testing::write_file(dir.file("tools.json"), "{\"tools\": [1,]}");
  const auto tools =
      testing::run_gatecrash(dir, {"audit", source_path("scenarios/policies/prometheus.json"),
                                   "--tools", dir.file("tools.json")});
  EXPECT_EQ(tools.exit_code, 2);
  EXPECT_NE(tools.err.find("audit.E703 " + dir.file("tools.json") + ": not strict JSON: at byte"),
            std::string::npos)
      << tools.err;

  EXPECT_EQ(testing::run_gatecrash(dir, {"audit", policy}).exit_code, 2);  // no tool source
  EXPECT_EQ(testing::run_gatecrash(
                dir, {"audit", policy, "--server", "cloudstack", "--tools", dir.file("tools.json")})
                .exit_code,
            2);  // two tool sources
  const auto unknown = testing::run_gatecrash(
      dir, {"audit", source_path("scenarios/policies/prometheus.json"), "--server", "github"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("audit.E701"), std::string::npos) << unknown.err;
}

// A real server process: gatecrash-mock started from --command lists the same tools as its
// bundled catalog, so the audit finds the same; its ledger shows it was really asked.
TEST(AuditCommand, ListsTheToolsOfAServerCommand) {
  testing::TempDir dir;
  const std::string policy = source_path("scenarios/policies/cloudstack.json");
  const std::string command =
      testing::mock_binary() + " --catalog cloudstack --ledger " + dir.file("ledger.jsonl");
  const auto from_command = testing::run_gatecrash(
      dir, {"audit", policy, "--command", command, "--json", dir.file("command.json")});
  const auto from_catalog = testing::run_gatecrash(
      dir, {"audit", policy, "--server", "cloudstack", "--json", dir.file("catalog.json")});
  ASSERT_EQ(from_command.exit_code, from_catalog.exit_code) << from_command.err;
  const Json by_command = Json::parse(testing::read_source_file_abs(dir.file("command.json")));
  const Json by_catalog = Json::parse(testing::read_source_file_abs(dir.file("catalog.json")));
  EXPECT_EQ(by_command["tools"].size(), 45u);
  EXPECT_EQ(by_command["findings"], by_catalog["findings"]);
  EXPECT_NE(testing::read_source_file_abs(dir.file("ledger.jsonl")).find("\"tools/list\""),
            std::string::npos);

  const auto suggested = testing::run_gatecrash(dir, {"suggest", "--command", command});
  EXPECT_EQ(suggested.exit_code, 0) << suggested.err;
  EXPECT_TRUE(policy::load_policy_json(suggested.out, "suggested.json").ok()) << suggested.out;
}

// A command that is not an MCP server: exit 2 with audit.E708, the command and its stderr; one
// that never answers is given up on after --timeout-ms, not waited for.
TEST(AuditCommand, AServerCommandThatFailsOrHangsExitsTwo) {
  testing::TempDir dir;
  const std::string policy = source_path("scenarios/policies/prometheus.json");
  const auto failing = testing::run_gatecrash(
      dir, {"audit", policy, "--command", "echo no server here >&2; exit 3"});
  EXPECT_EQ(failing.exit_code, 2);
  EXPECT_NE(failing.err.find("audit.E708 --command 'echo no server here >&2; exit 3': did not "
                             "initialize and list its tools"),
            std::string::npos)
      << failing.err;
  EXPECT_NE(failing.err.find("its stderr ends: no server here"), std::string::npos) << failing.err;

  const auto hanging = testing::run_gatecrash(
      dir, {"audit", policy, "--command", "sleep 60", "--timeout-ms", "300"},
      std::chrono::seconds(20));
  EXPECT_EQ(hanging.exit_code, 2);
  EXPECT_NE(hanging.err.find("audit.E708 --command 'sleep 60'"), std::string::npos) << hanging.err;
}

TEST(SuggestCommand, PrintsAPolicyThatLoads) {
  testing::TempDir dir;
  const auto run = testing::run_gatecrash(dir, {"suggest", "--server", "trackingtime"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(policy::load_policy_json(run.out, "suggested.json").ok()) << run.out;

  const auto to_file = testing::run_gatecrash(
      dir, {"suggest", "--server", "prospectio", "--out", dir.file("p.json")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  const auto audited =
      testing::run_gatecrash(dir, {"audit", dir.file("p.json"), "--server", "prospectio"});
  EXPECT_EQ(audited.exit_code, 0) << audited.out;
}

}  // namespace
}  // namespace gatecrash::audit
