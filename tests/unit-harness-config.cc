// tests/unit-harness-config.cc — gateway profiles and scenario files: every loader error id with its
// exact text, the bundled files load, and every harness error id is documented.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/base64.h"
#include "harness/errors.h"
#include "harness/profile.h"
#include "harness/scenario.h"
#include "test_support.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSourceDir = GATECRASH_SOURCE_DIR;
const std::string kScenarioDir = kSourceDir + "/scenarios";

// Runs `load` and returns what() of the HarnessError it throws, or "<no error>"; `id` gets the id.
std::string error_of(const std::function<void()>& load, std::string* id = nullptr) {
  try {
    load();
  } catch (const HarnessError& error) {
    if (id != nullptr) *id = error.id();
    return error.what();
  }
  return "<no error>";
}

// ---- gateway profiles ------------------------------------------------------------------------

json valid_stdio_profile() { return json{{"name", "t"}, {"transport", "stdio"}, {"command", {"gw", "--policy", "{policy}"}}}; }

json valid_http_profile() {
  return json{{"name", "h"},
              {"transport", "http"},
              {"command", {"gw", "--listen", "127.0.0.1:{port}"}},
              {"url", "http://127.0.0.1:{port}/mcp"}};
}

class ProfileErrors : public ::testing::Test {
 protected:
  std::string error_for_text(const std::string& text) {
    testing::write_file(file_, text);
    return error_of([&] { load_profile(file_); }, &id_);
  }
  std::string error_for(const json& profile) { return error_for_text(profile.dump(2)); }
  // "harness.E4xx <file>: <pointer>: <message>"
  std::string located(const std::string& id, const std::string& pointer, const std::string& message) const {
    return id + " " + file_ + ": " + pointer + ": " + message;
  }

  testing::TempDir dir_;
  const std::string file_ = dir_.file("profile.json");
  std::string id_;
};

TEST_F(ProfileErrors, ValidProfilesLoadWithTheirDefaults) {
  EXPECT_EQ(error_for(valid_stdio_profile()), "<no error>");
  const GatewayProfile stdio = load_profile(file_);
  EXPECT_EQ(stdio.name, "t");
  EXPECT_EQ(stdio.file, file_);
  EXPECT_EQ(stdio.transport, "stdio");
  EXPECT_EQ(stdio.policy_format, "gatecrash");
  EXPECT_EQ(stdio.tool_names, "{tool}");
  EXPECT_EQ(stdio.startup_timeout_ms, 10'000);
  EXPECT_EQ(stdio.replicas, 1);
  EXPECT_FALSE(stdio.identity.has_value());
  EXPECT_FALSE(stdio.attach_mode());

  json http = valid_http_profile();
  http["replicas"] = 3;
  http["identity"] = {{"header", "Authorization"}, {"value", "Bearer {token}"}};
  http["policy_format"] = {{"translate", {"sh", "-c", "cat {policy}"}}};
  http["audit_format"] = "gatecrash";
  http["description"] = "three replicas";
  EXPECT_EQ(error_for(http), "<no error>");
  const GatewayProfile loaded = load_profile(file_);
  EXPECT_TRUE(loaded.is_http());
  EXPECT_EQ(loaded.replicas, 3);
  EXPECT_EQ(loaded.policy_format, "translate");
  EXPECT_EQ(loaded.translate_command, (std::vector<std::string>{"sh", "-c", "cat {policy}"}));
  ASSERT_TRUE(loaded.identity.has_value());
  EXPECT_EQ(loaded.identity->header, "Authorization");

  // Attach mode: an http profile with a fixed url and no command.
  EXPECT_EQ(error_for(json{{"name", "a"}, {"transport", "http"}, {"url", "http://127.0.0.1:8080/mcp"}}), "<no error>");
  EXPECT_TRUE(load_profile(file_).attach_mode());
}

TEST_F(ProfileErrors, E400Unreadable) {
  const std::string missing = dir_.file("missing.json");
  EXPECT_EQ(error_of([&] { load_profile(missing); }, &id_), "harness.E400 " + missing + ": cannot read the profile");
  EXPECT_EQ(id_, "harness.E400");
}

TEST_F(ProfileErrors, E401NotJson) {
  EXPECT_EQ(error_for_text("{\"name\": }"),
            "harness.E401 " + file_ +
                ": not a valid JSON profile: at byte 9: syntax error while parsing value - unexpected '}'; expected '[', "
                "'{', or a literal");
  EXPECT_EQ(id_, "harness.E401");
  EXPECT_EQ(error_for_text(R"({"name": "a", "name": "b"})"),
            "harness.E401 " + file_ + ": not a valid JSON profile: duplicate key \"name\"");
}

TEST_F(ProfileErrors, E402UnknownKey) {
  json profile = valid_stdio_profile();
  profile["comand"] = json::array();
  EXPECT_EQ(error_for(profile), located("harness.E402", "/comand", "unknown key"));
  EXPECT_EQ(id_, "harness.E402");

  profile = valid_stdio_profile();
  profile["identity"] = {{"env", "GATECRASH_IDENTITY"}, {"value", "{identity}"}, {"hdr", "X"}};
  EXPECT_EQ(error_for(profile), located("harness.E402", "/identity/hdr", "unknown key (expected env, header, value)"));
}

TEST_F(ProfileErrors, E403WrongType) {
  EXPECT_EQ(error_for(json::array()), located("harness.E403", "", "a profile is a JSON object"));
  EXPECT_EQ(id_, "harness.E403");

  json profile = valid_stdio_profile();
  profile["name"] = 5;
  EXPECT_EQ(error_for(profile), located("harness.E403", "/name", "must be a string"));

  profile = valid_stdio_profile();
  profile["command"] = "gw";
  EXPECT_EQ(error_for(profile), located("harness.E403", "/command", "must be an array of strings"));

  profile = valid_stdio_profile();
  profile["command"] = {"gw", 1};
  EXPECT_EQ(error_for(profile), located("harness.E403", "/command/1", "must be a string"));

  profile = valid_stdio_profile();
  profile["env"] = json::array();
  EXPECT_EQ(error_for(profile), located("harness.E403", "/env", "must be an object of strings"));

  profile = valid_stdio_profile();
  profile["env"] = {{"DEBUG", 1}};
  EXPECT_EQ(error_for(profile), located("harness.E403", "/env/DEBUG", "must be a string"));

  profile = valid_stdio_profile();
  profile["identity"] = "alice";
  EXPECT_EQ(error_for(profile), located("harness.E403", "/identity", "must be an object"));

  profile = valid_stdio_profile();
  profile["identity"] = {{"env", 7}, {"value", "{identity}"}};
  EXPECT_EQ(error_for(profile), located("harness.E403", "/identity/env", "must be a string"));

  profile = valid_stdio_profile();
  profile["startup_timeout_ms"] = 0;
  EXPECT_EQ(error_for(profile), located("harness.E403", "/startup_timeout_ms", "must be an integer from 1 to 600000"));

  profile = valid_stdio_profile();
  profile["description"] = 1;
  EXPECT_EQ(error_for(profile), located("harness.E403", "/description", "must be a string"));
}

TEST_F(ProfileErrors, E404UnknownTransport) {
  json profile = valid_stdio_profile();
  profile["transport"] = "carrier-pigeon";
  EXPECT_EQ(error_for(profile),
            located("harness.E404", "/transport", "unknown transport \"carrier-pigeon\" (expected stdio or http)"));
  EXPECT_EQ(id_, "harness.E404");
}

TEST_F(ProfileErrors, E405NoWayToReachTheGateway) {
  json profile = valid_http_profile();
  profile.erase("url");
  EXPECT_EQ(error_for(profile), located("harness.E405", "/url", "is required for an http gateway"));
  EXPECT_EQ(id_, "harness.E405");

  profile = valid_stdio_profile();
  profile.erase("command");
  EXPECT_EQ(error_for(profile),
            located("harness.E405", "/command", "is required for a stdio gateway (attach mode is http only)"));
}

TEST_F(ProfileErrors, E406UnknownFormat) {
  json profile = valid_stdio_profile();
  profile["policy_format"] = "opa";
  EXPECT_EQ(error_for(profile),
            located("harness.E406", "/policy_format",
                    "unknown format \"opa\" (expected gatecrash, intercept-yaml or {\"translate\": [...]})"));
  EXPECT_EQ(id_, "harness.E406");

  profile["policy_format"] = {{"translate", json::array()}};
  EXPECT_EQ(error_for(profile), located("harness.E406", "/policy_format/translate", "is empty"));

  profile["policy_format"] = 5;
  EXPECT_EQ(error_for(profile),
            located("harness.E406", "/policy_format", "must be a string or {\"translate\": [\"cmd\", ...]}"));

  profile = valid_stdio_profile();
  profile["audit_format"] = "otel";
  EXPECT_EQ(error_for(profile),
            located("harness.E406", "/audit_format", "unknown audit format \"otel\" (expected gatecrash)"));
}

TEST_F(ProfileErrors, E407BadIdentityBinding) {
  json profile = valid_stdio_profile();
  profile["identity"] = {{"value", "{identity}"}};
  EXPECT_EQ(error_for(profile),
            located("harness.E407", "/identity", "needs exactly one of env (stdio) or header (http)"));
  EXPECT_EQ(id_, "harness.E407");

  profile["identity"] = {{"env", "GATECRASH_IDENTITY"}};
  EXPECT_EQ(error_for(profile), located("harness.E407", "/identity/value", "is required"));

  profile["identity"] = {{"header", "Authorization"}, {"value", "Bearer {token}"}};
  EXPECT_EQ(error_for(profile), located("harness.E407", "/identity", "a stdio gateway takes identities from env"));

  profile = valid_http_profile();
  profile["identity"] = {{"env", "GATECRASH_IDENTITY"}, {"value", "{identity}"}};
  EXPECT_EQ(error_for(profile), located("harness.E407", "/identity", "an http gateway takes identities from a header"));
}

TEST_F(ProfileErrors, E408BadReplicas) {
  json profile = valid_http_profile();
  profile["replicas"] = 17;
  EXPECT_EQ(error_for(profile), located("harness.E408", "/replicas", "must be an integer from 1 to 16"));
  EXPECT_EQ(id_, "harness.E408");

  profile = valid_stdio_profile();
  profile["replicas"] = 2;
  EXPECT_EQ(error_for(profile), located("harness.E408", "/replicas", "needs an http gateway the harness starts"));

  profile = json{{"name", "a"}, {"transport", "http"}, {"url", "http://127.0.0.1:8080/mcp"}, {"replicas", 2}};
  EXPECT_EQ(error_for(profile), located("harness.E408", "/replicas", "needs an http gateway the harness starts"));
}

TEST_F(ProfileErrors, E409MissingNameOrToolPlaceholder) {
  json profile = valid_stdio_profile();
  profile.erase("name");
  EXPECT_EQ(error_for(profile), located("harness.E409", "/name", "is required"));
  EXPECT_EQ(id_, "harness.E409");

  profile = valid_stdio_profile();
  profile["tool_names"] = "{server}__tool";
  EXPECT_EQ(error_for(profile), located("harness.E409", "/tool_names", "must contain {tool}"));
}

// expand() is not a loader, but E410 is a profile error: a placeholder with no value where used.
TEST(ProfilePlaceholders, E410PlaceholderWithoutValue) {
  std::string id;
  EXPECT_EQ(error_of([&] { expand("{bindir}/gw --port {port}", {{"bindir", "/b"}}, "p.json: /command"); }, &id),
            "harness.E410 p.json: /command: placeholder {port} has no value here");
  EXPECT_EQ(id, "harness.E410");
}

TEST(ProfilePlaceholders, ExpandLeavesBracesThatAreNotNamesAlone) {
  EXPECT_EQ(expand("{bindir}/gw", {{"bindir", "/b"}}, "w"), "/b/gw");
  EXPECT_EQ(expand("echo '{\"default\": \"allow\", \"tools\": {}}' {tool}", {{"tool", "t"}}, "w"),
            "echo '{\"default\": \"allow\", \"tools\": {}}' t");
  EXPECT_EQ(expand("{server}__{tool}", {{"server", "s"}, {"tool", "t"}}, "w"), "s__t");
  EXPECT_EQ(expand("{Tool} {} {", {}, "w"), "{Tool} {} {");
}

// ---- scenarios -------------------------------------------------------------------------------

json valid_scenario() {
  return json{{"id", "t/x"},
              {"title", "T"},
              {"attacks", {"R2"}},
              {"servers", {{{"catalog", "prometheus"}}}},
              {"policy", {{"version", "1"}, {"default", "allow"}, {"tools", json::object()}}},
              {"steps", json::array()}};
}

json with_step(const json& step) {
  json scenario = valid_scenario();
  scenario["steps"] = {step};
  return scenario;
}

class ScenarioErrors : public ::testing::Test {
 protected:
  std::string error_for_text(const std::string& text) {
    testing::write_file(file_, text);
    return error_of([&] { load_scenario(file_, dir_.path().string()); }, &id_);
  }
  std::string error_for(const json& scenario) { return error_for_text(scenario.dump(2)); }
  std::string located(const std::string& id, const std::string& pointer, const std::string& message) const {
    return id + " " + file_ + ": " + pointer + ": " + message;
  }

  testing::TempDir dir_;
  const std::string file_ = dir_.file("scenario.json");
  std::string id_;
};

TEST_F(ScenarioErrors, ValidScenarioLoadsWithItsDefaults) {
  json scenario = valid_scenario();
  scenario["steps"] = {{{"do", "call"}, {"tool", "query"}, {"repeat", 3}}};
  EXPECT_EQ(error_for(scenario), "<no error>");
  const Scenario loaded = load_scenario(file_, dir_.path().string());
  EXPECT_EQ(loaded.id, "t/x");
  EXPECT_EQ(loaded.file, file_);
  EXPECT_EQ(loaded.identities, std::vector<std::string>{"alice"});
  EXPECT_EQ(loaded.protocol_version, "2025-11-25");
  EXPECT_EQ(loaded.status, "runnable");
  ASSERT_EQ(loaded.servers.size(), 1u);
  EXPECT_EQ(loaded.servers[0].name, "prometheus");  // defaults to the catalog
  EXPECT_EQ(loaded.servers[0].transport, "stdio");
  ASSERT_EQ(loaded.steps.size(), 1u);
  EXPECT_EQ(loaded.steps[0].kind, "call");
  EXPECT_EQ(loaded.steps[0].session, "main");
  EXPECT_EQ(loaded.steps[0].pointer, "/steps/0");
  EXPECT_TRUE(loaded.inline_policy.is_object());
}

TEST_F(ScenarioErrors, RelativePolicyPathsResolveAgainstTheScenariosDirectory) {
  fs::create_directories(dir_.path() / "policies");
  testing::write_file(dir_.file("policies/p.json"), R"({"version": "1", "default": "allow", "tools": {}})");
  json scenario = valid_scenario();
  scenario["policy"] = "policies/p.json";
  scenario["servers"] = {{{"name", "metrics"}, {"catalog", "prometheus"}, {"behaviors", {{"latency_ms", 5}}}, {"seed", 7}}};
  EXPECT_EQ(error_for(scenario), "<no error>");
  const Scenario loaded = load_scenario(file_, dir_.path().string());
  EXPECT_EQ(loaded.policy_path, fs::absolute(dir_.path() / "policies/p.json").string());
  EXPECT_TRUE(loaded.inline_policy.is_null());
  ASSERT_EQ(loaded.servers.size(), 1u);
  EXPECT_EQ(loaded.servers[0].behaviors.at("latency_ms"), "5");  // integers are passed as their text
  EXPECT_EQ(loaded.servers[0].seed.value_or(0), 7u);
}

TEST_F(ScenarioErrors, E500Unreadable) {
  const std::string missing = dir_.file("missing.json");
  EXPECT_EQ(error_of([&] { load_scenario(missing, dir_.path().string()); }, &id_),
            "harness.E500 " + missing + ": cannot read the scenario");
  EXPECT_EQ(id_, "harness.E500");
}

TEST_F(ScenarioErrors, E501NotJson) {
  EXPECT_EQ(error_for_text("{\"id\": }"),
            "harness.E501 " + file_ +
                ": not a valid JSON scenario: at byte 7: syntax error while parsing value - unexpected '}'; expected '[', "
                "'{', or a literal");
  EXPECT_EQ(id_, "harness.E501");
  EXPECT_EQ(error_for_text(R"({"id": "a", "id": "b"})"),
            "harness.E501 " + file_ + ": not a valid JSON scenario: duplicate key \"id\"");
}

TEST_F(ScenarioErrors, E502UnknownKey) {
  json scenario = valid_scenario();
  scenario["stpes"] = json::array();
  EXPECT_EQ(error_for(scenario), located("harness.E502", "/stpes", "unknown key"));
  EXPECT_EQ(id_, "harness.E502");

  scenario = valid_scenario();
  scenario["servers"] = {{{"catalog", "prometheus"}, {"catlog", "x"}}};
  EXPECT_EQ(error_for(scenario), located("harness.E502", "/servers/0/catlog", "unknown key"));

  EXPECT_EQ(error_for(with_step({{"do", "call"}, {"tool", "query"}, {"tol", "x"}})),
            located("harness.E502", "/steps/0/tol", "unknown key for a \"call\" step"));

  scenario = valid_scenario();
  scenario["expect"] = {{"ledgr", json::object()}};
  EXPECT_EQ(error_for(scenario), located("harness.E502", "/expect/ledgr", "unknown key (expected ledger)"));

  scenario["expect"] = {{"ledger", {{"query", {{"mx", 1}}}}}};
  EXPECT_EQ(error_for(scenario), located("harness.E502", "/expect/ledger/query/mx", "unknown key (expected min, max)"));
}

TEST_F(ScenarioErrors, E503WrongType) {
  EXPECT_EQ(error_for(json::array()), located("harness.E503", "", "must be a JSON object"));
  EXPECT_EQ(id_, "harness.E503");

  json scenario = valid_scenario();
  scenario["title"] = 5;
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/title", "must be a string"));

  scenario = valid_scenario();
  scenario["attacks"] = {"R2", 1};
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/attacks/1", "must be a string"));

  scenario = valid_scenario();
  scenario["servers"] = json::array();
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/servers", "must be a non-empty array"));

  scenario = valid_scenario();
  scenario["servers"] = {{{"catalog", "prometheus"}, {"seed", -1}}};
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/servers/0/seed", "must be a non-negative integer"));

  scenario = valid_scenario();
  scenario["servers"] = {{{"catalog", "prometheus"}, {"behaviors", {{"flaky", true}}}}};
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/servers/0/behaviors/flaky", "must be a string or integer"));

  scenario = valid_scenario();
  scenario["policy"] = 5;
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/policy", "must be an object (inline native policy) or a path"));

  scenario = valid_scenario();
  scenario["identities"] = json::array();
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/identities", "must not be empty"));

  scenario = valid_scenario();
  scenario["steps"] = json::object();
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/steps", "must be an array"));

  EXPECT_EQ(error_for(with_step(5)), located("harness.E503", "/steps/0", "must be an object"));

  EXPECT_EQ(error_for(with_step({{"do", "close"}, {"session", ""}})),
            located("harness.E503", "/steps/0/session", "must be a non-empty string"));

  scenario = valid_scenario();
  scenario["expect"] = {{"ledger", {{"query", {{"max", -1}}}}}};
  EXPECT_EQ(error_for(scenario), located("harness.E503", "/expect/ledger/query/max", "must be a non-negative integer"));
}

TEST_F(ScenarioErrors, E504MissingKey) {
  json scenario = valid_scenario();
  scenario.erase("id");
  EXPECT_EQ(error_for(scenario), located("harness.E504", "/id", "is required"));
  EXPECT_EQ(id_, "harness.E504");

  for (const char* key : {"servers", "policy", "steps"}) {
    scenario = valid_scenario();
    scenario.erase(key);
    EXPECT_EQ(error_for(scenario), located("harness.E504", std::string("/") + key, "is required"));
  }

  scenario = valid_scenario();
  scenario["servers"] = {{{"name", "p"}}};
  EXPECT_EQ(error_for(scenario), located("harness.E504", "/servers/0/catalog", "is required"));
}

TEST_F(ScenarioErrors, E505UnknownValue) {
  json scenario = valid_scenario();
  scenario["servers"] = {{{"catalog", "github"}}};
  EXPECT_EQ(error_for(scenario),
            located("harness.E505", "/servers/0/catalog",
                    "unknown catalog \"github\" (expected prometheus, cloudstack, trackingtime, prospectio or mock-mcp)"));
  EXPECT_EQ(id_, "harness.E505");

  scenario["servers"] = {{{"catalog", "prometheus"}, {"transport", "sse"}}};
  EXPECT_EQ(error_for(scenario),
            located("harness.E505", "/servers/0/transport", "unknown transport \"sse\" (expected stdio or http)"));

  scenario = valid_scenario();
  scenario["status"] = "later";
  EXPECT_EQ(error_for(scenario), located("harness.E505", "/status", "unknown status \"later\" (expected runnable or not-yet)"));
}

TEST_F(ScenarioErrors, E506StepWithoutKind) {
  EXPECT_EQ(error_for(with_step({{"tool", "query"}})), located("harness.E506", "/steps/0/do", "is required (a step kind)"));
  EXPECT_EQ(id_, "harness.E506");
  EXPECT_EQ(error_for(with_step({{"do", 5}})), located("harness.E506", "/steps/0/do", "is required (a step kind)"));
}

TEST_F(ScenarioErrors, E507UnknownStepKind) {
  EXPECT_EQ(error_for(with_step({{"do", "teleport"}})),
            located("harness.E507", "/steps/0/do",
                    "unknown step kind \"teleport\" (expected session, identity, close, call, batch, raw, list, notify, "
                    "cancel, wait, mock)"));
  EXPECT_EQ(id_, "harness.E507");
}

TEST_F(ScenarioErrors, E508InvalidStep) {
  // The step's own validator names the key relative to the step, after the step's pointer.
  EXPECT_EQ(error_for(with_step({{"do", "wait"}})), located("harness.E508", "/steps/0", "/ms or /until_phase is required"));
  EXPECT_EQ(id_, "harness.E508");
  EXPECT_EQ(error_for(with_step({{"do", "wait"}, {"ms", 120'001}})),
            located("harness.E508", "/steps/0", "/ms must be an integer from 0 to 120000"));
  EXPECT_EQ(error_for(with_step({{"do", "call"}})), located("harness.E508", "/steps/0", "/tool is required"));
  EXPECT_EQ(error_for(with_step({{"do", "call"}, {"tool", "query"}, {"repeat", 0}})),
            located("harness.E508", "/steps/0", "/repeat must be an integer from 1 to 10000"));
  EXPECT_EQ(error_for(with_step({{"do", "call"}, {"tool", "query"}, {"expect", "maybe"}})),
            located("harness.E508", "/steps/0", "/expect must be \"forwarded\" or \"refused\""));
  EXPECT_EQ(error_for(with_step({{"do", "batch"}, {"calls", json::array()}})),
            located("harness.E508", "/steps/0", "/calls must be a non-empty array of {tool, arguments}"));
  EXPECT_EQ(error_for(with_step({{"do", "raw"}})),
            located("harness.E508", "/steps/0", "needs exactly one of /bytes or /bytes_base64"));
  EXPECT_EQ(error_for(with_step({{"do", "raw"}, {"bytes_base64", "!!"}})),
            located("harness.E508", "/steps/0", "/bytes_base64 is not base64"));
  EXPECT_EQ(error_for(with_step({{"do", "list"}, {"expect_absent", "query"}})),
            located("harness.E508", "/steps/0", "/expect_absent must be an array of strings"));
}

// Raw steps' bytes_base64: what the fuzzer writes, steps read back byte for byte.
TEST(RawBytesBase64, EncodeAndDecodeRoundTripEveryByteAndLength) {
  EXPECT_EQ(gatecrash::harness::encode_base64("foobar"), "Zm9vYmFy");  // RFC 4648 §10
  EXPECT_EQ(gatecrash::harness::encode_base64("fo"), "Zm8=");
  EXPECT_EQ(gatecrash::harness::encode_base64("f"), "Zg==");
  EXPECT_EQ(gatecrash::harness::encode_base64(""), "");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (std::size_t length = 0; length <= all.size(); length += 1 + length / 8) {
    const std::string bytes = all.substr(0, length);
    EXPECT_EQ(gatecrash::harness::decode_base64(gatecrash::harness::encode_base64(bytes)), bytes) << length;
  }
  EXPECT_EQ(gatecrash::harness::decode_base64("Zm9v\r\nYmFy"), "foobar");
  EXPECT_FALSE(gatecrash::harness::decode_base64("Zm9v*mFy").has_value());
}

TEST_F(ScenarioErrors, E509DuplicateServerName) {
  json scenario = valid_scenario();
  scenario["servers"] = {{{"catalog", "prometheus"}}, {{"catalog", "prometheus"}}};
  EXPECT_EQ(error_for(scenario), located("harness.E509", "/servers/1/name", "duplicate server name \"prometheus\""));
  EXPECT_EQ(id_, "harness.E509");
}

TEST_F(ScenarioErrors, E510PolicyFileMissing) {
  json scenario = valid_scenario();
  scenario["policy"] = "policies/missing.json";
  EXPECT_EQ(error_for(scenario),
            located("harness.E510", "/policy",
                    "policy file " + (dir_.path() / "policies/missing.json").string() + " does not exist"));
  EXPECT_EQ(id_, "harness.E510");
}

// ---- the bundled files -----------------------------------------------------------------------

TEST(BundledConfig, EveryBundledProfileLoads) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kScenarioDir + "/profiles")) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    EXPECT_EQ(error_of([&] { load_profile(entry.path().string()); }), "<no error>") << entry.path();
  }
  EXPECT_GE(count, 3);
  // The default of `gatecrash run`.
  EXPECT_EQ(load_profile(kScenarioDir + "/profiles/reference-stdio.json").name, "reference");
}

TEST(BundledConfig, EveryBundledScenarioLoads) {
  static const std::set<std::string> not_scenarios = {"attacks", "policies", "profiles"};
  int count = 0;
  for (const auto& top : fs::directory_iterator(kScenarioDir)) {
    if (!top.is_directory() || not_scenarios.contains(top.path().filename().string())) continue;
    for (const auto& entry : fs::recursive_directory_iterator(top.path())) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      ++count;
      EXPECT_EQ(error_of([&] { load_scenario(entry.path().string(), kScenarioDir); }), "<no error>") << entry.path();
    }
  }
  EXPECT_GE(count, 20);
  EXPECT_EQ(static_cast<int>(find_scenario_files(kScenarioDir).size()), count);
}

// ---- documentation ---------------------------------------------------------------------------

// Every "harness.E…" id the harness sources throw is documented, so docs cannot drift.
TEST(HarnessErrorDocs, EveryErrorIdInTheSourcesIsDocumented) {
  std::vector<std::string> sources;
  for (const auto& entry : fs::directory_iterator(kSourceDir + "/harness")) {
    if (entry.path().extension() == ".cc") sources.push_back("harness/" + entry.path().filename().string());
  }
  ASSERT_FALSE(sources.empty());
  const std::string docs = testing::read_source_file("docs/harness.md") + testing::read_source_file("docs/scenarios.md");
  ASSERT_FALSE(docs.empty());
  const std::regex id_pattern("\"(harness\\.E[0-9]+)");
  std::set<std::string> ids;
  for (const auto& source : sources) {
    const std::string text = testing::read_source_file(source);
    ASSERT_FALSE(text.empty()) << source;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), id_pattern); it != std::sregex_iterator(); ++it) {
      const std::string id = (*it)[1];
      ids.insert(id);
      EXPECT_NE(docs.find("`" + id + "`"), std::string::npos) << id << " (thrown in " << source << ") is not documented";
    }
  }
  EXPECT_GE(ids.size(), 40u);
  for (const char* expected : {"harness.E400", "harness.E425", "harness.E442", "harness.E510", "harness.E599", "harness.E613"}) {
    EXPECT_TRUE(ids.contains(expected)) << expected;
  }
}

}  // namespace
}  // namespace gatecrash::harness
