// harness/scenario.cc — strict loading of scenario files and discovery of a suite.
#include "harness/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "harness/errors.h"
#include "harness/steps.h"
#include "mcp/strict_json.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& id, const std::string& file, const std::string& pointer,
                       const std::string& message) {
  throw HarnessError(id, file + ": " + pointer + ": " + message);
}

void require_type(bool ok, const std::string& file, const std::string& pointer, const std::string& what) {
  if (!ok) fail("harness.E503", file, pointer, "must be " + what);
}

std::vector<std::string> string_list(const Json& value, const std::string& file, const std::string& pointer) {
  require_type(value.is_array(), file, pointer, "an array of strings");
  std::vector<std::string> items;
  for (std::size_t i = 0; i < value.size(); ++i) {
    require_type(value[i].is_string(), file, pointer + "/" + std::to_string(i), "a string");
    items.push_back(value[i].get<std::string>());
  }
  return items;
}

const std::set<std::string> kCatalogs = {"prometheus", "cloudstack", "trackingtime", "prospectio", "mock-mcp"};

MockServerSpec parse_server(const Json& value, const std::string& file, const std::string& pointer) {
  require_type(value.is_object(), file, pointer, "an object");
  MockServerSpec server;
  for (const auto& [key, item] : value.items()) {
    const std::string at = pointer + "/" + key;
    if (key == "name" || key == "catalog" || key == "transport") {
      require_type(item.is_string(), file, at, "a string");
    } else if (key == "behaviors") {
      require_type(item.is_object(), file, at, "an object");
      for (const auto& [name, setting] : item.items()) {
        require_type(setting.is_string() || setting.is_number_integer(), file, at + "/" + name, "a string or integer");
        server.behaviors[name] = setting.is_string() ? setting.get<std::string>() : setting.dump();
      }
    } else if (key == "seed") {
      require_type(item.is_number_unsigned(), file, at, "a non-negative integer");
      server.seed = item.get<std::uint64_t>();
    } else {
      fail("harness.E502", file, at, "unknown key");
    }
  }
  if (!value.contains("catalog")) fail("harness.E504", file, pointer + "/catalog", "is required");
  server.catalog = value["catalog"].get<std::string>();
  if (!kCatalogs.contains(server.catalog)) {
    fail("harness.E505", file, pointer + "/catalog",
         "unknown catalog \"" + server.catalog + "\" (expected prometheus, cloudstack, trackingtime, prospectio or mock-mcp)");
  }
  server.name = value.contains("name") ? value["name"].get<std::string>() : server.catalog;
  if (value.contains("transport")) server.transport = value["transport"].get<std::string>();
  if (server.transport != "stdio" && server.transport != "http") {
    fail("harness.E505", file, pointer + "/transport", "unknown transport \"" + server.transport + "\" (expected stdio or http)");
  }
  return server;
}

Step parse_step(const Json& value, const std::string& file, const std::string& pointer) {
  require_type(value.is_object(), file, pointer, "an object");
  if (!value.contains("do") || !value["do"].is_string()) fail("harness.E506", file, pointer + "/do", "is required (a step kind)");
  Step step;
  step.kind = value["do"].get<std::string>();
  step.pointer = pointer;
  const StepKind* kind = find_step_kind(step.kind);
  if (kind == nullptr) {
    fail("harness.E507", file, pointer + "/do", "unknown step kind \"" + step.kind + "\" (expected " + step_kind_names() + ")");
  }
  for (const auto& [key, item] : value.items()) {
    if (key == "do") continue;
    if (key == "session" || key == "attack" || key == "note") {
      require_type(item.is_string() && !item.get<std::string>().empty(), file, pointer + "/" + key, "a non-empty string");
      continue;
    }
    if (std::find(kind->keys.begin(), kind->keys.end(), key) == kind->keys.end()) {
      fail("harness.E502", file, pointer + "/" + key, "unknown key for a \"" + step.kind + "\" step");
    }
  }
  if (value.contains("session")) step.session = value["session"].get<std::string>();
  if (value.contains("attack")) step.attack = value["attack"].get<std::string>();
  step.spec = value;
  if (std::string problem = kind->validate(value); !problem.empty()) {
    fail("harness.E508", file, pointer, problem);
  }
  return step;
}

}  // namespace

std::vector<const Step*> mock_steps_of(const Scenario& scenario, const std::string& server) {
  std::vector<const Step*> steps;
  for (const Step& step : scenario.steps) {
    if (step.kind == "mock" && step.spec.value("server", "") == server) steps.push_back(&step);
  }
  return steps;
}

Scenario parse_scenario(const Json& document, const std::string& file, const std::string& scenarios_dir) {
  require_type(document.is_object(), file, "", "a JSON object");
  static const std::set<std::string> known = {"id", "title", "attacks", "servers", "policy", "identities",
                                              "protocol_version", "steps", "expect", "status", "reason", "description"};
  for (const auto& [key, value] : document.items()) {
    if (!known.contains(key)) fail("harness.E502", file, "/" + key, "unknown key");
  }
  Scenario scenario;
  scenario.file = file;
  scenario.document = document;
  for (const char* key : {"id", "title"}) {
    if (!document.contains(key)) fail("harness.E504", file, std::string("/") + key, "is required");
    require_type(document[key].is_string(), file, std::string("/") + key, "a string");
  }
  scenario.id = document["id"].get<std::string>();
  scenario.title = document["title"].get<std::string>();
  if (document.contains("attacks")) scenario.attacks = string_list(document["attacks"], file, "/attacks");
  if (document.contains("status")) {
    require_type(document["status"].is_string(), file, "/status", "a string");
    scenario.status = document["status"].get<std::string>();
    if (scenario.status != "runnable" && scenario.status != "not-yet") {
      fail("harness.E505", file, "/status", "unknown status \"" + scenario.status + "\" (expected runnable or not-yet)");
    }
  }
  if (document.contains("reason")) {
    require_type(document["reason"].is_string(), file, "/reason", "a string");
    scenario.not_yet_reason = document["reason"].get<std::string>();
  }
  if (!document.contains("servers")) fail("harness.E504", file, "/servers", "is required");
  require_type(document["servers"].is_array() && !document["servers"].empty(), file, "/servers", "a non-empty array");
  std::set<std::string> names;
  for (std::size_t i = 0; i < document["servers"].size(); ++i) {
    auto server = parse_server(document["servers"][i], file, "/servers/" + std::to_string(i));
    if (!names.insert(server.name).second) {
      fail("harness.E509", file, "/servers/" + std::to_string(i) + "/name", "duplicate server name \"" + server.name + "\"");
    }
    scenario.servers.push_back(std::move(server));
  }
  if (!document.contains("policy")) fail("harness.E504", file, "/policy", "is required");
  const Json& policy = document["policy"];
  if (policy.is_object()) {
    scenario.inline_policy = policy;
  } else if (policy.is_string()) {
    fs::path path = policy.get<std::string>();
    if (path.is_relative()) path = fs::path(scenarios_dir) / path;
    if (!fs::exists(path)) fail("harness.E510", file, "/policy", "policy file " + path.string() + " does not exist");
    scenario.policy_path = fs::absolute(path).string();
  } else {
    require_type(false, file, "/policy", "an object (inline native policy) or a path");
  }
  scenario.identities = document.contains("identities") ? string_list(document["identities"], file, "/identities")
                                                        : std::vector<std::string>{"alice"};
  if (scenario.identities.empty()) fail("harness.E503", file, "/identities", "must not be empty");
  if (document.contains("protocol_version")) {
    require_type(document["protocol_version"].is_string(), file, "/protocol_version", "a string");
    scenario.protocol_version = document["protocol_version"].get<std::string>();
  }
  if (!document.contains("steps")) fail("harness.E504", file, "/steps", "is required");
  require_type(document["steps"].is_array(), file, "/steps", "an array");
  for (std::size_t i = 0; i < document["steps"].size(); ++i) {
    scenario.steps.push_back(parse_step(document["steps"][i], file, "/steps/" + std::to_string(i)));
    const Step& step = scenario.steps.back();
    if (step.kind != "mock") continue;
    const std::string server = step.spec["server"].get<std::string>();
    const bool known_server = std::any_of(scenario.servers.begin(), scenario.servers.end(),
                                          [&](const MockServerSpec& s) { return s.name == server; });
    if (!known_server) fail("harness.E508", file, step.pointer, "/server: no server named \"" + server + "\" in /servers");
  }
  if (document.contains("expect")) {
    const Json& expect = document["expect"];
    require_type(expect.is_object(), file, "/expect", "an object");
    for (const auto& [key, value] : expect.items()) {
      if (key != "ledger") fail("harness.E502", file, "/expect/" + key, "unknown key (expected ledger)");
      require_type(value.is_object(), file, "/expect/ledger", "an object of {tool: {min, max}}");
      for (const auto& [tool, bounds] : value.items()) {
        const std::string at = "/expect/ledger/" + tool;
        require_type(bounds.is_object(), file, at, "an object {min, max}");
        for (const auto& [bound, number] : bounds.items()) {
          if (bound != "min" && bound != "max") fail("harness.E502", file, at + "/" + bound, "unknown key (expected min, max)");
          require_type(number.is_number_unsigned(), file, at + "/" + bound, "a non-negative integer");
        }
      }
    }
    scenario.expect = expect;
  }
  return scenario;
}

Scenario load_scenario(const std::string& path, const std::string& scenarios_dir) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HarnessError("harness.E500", path + ": cannot read the scenario");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = mcp::parse_strict_json(text.str());
  if (auto* error = std::get_if<mcp::JsonError>(&parsed)) {
    throw HarnessError("harness.E501", path + ": not a valid JSON scenario: " + error->message);
  }
  return parse_scenario(std::get<Json>(parsed), path, scenarios_dir);
}

std::vector<std::string> find_scenario_files(const std::string& scenarios_dir) {
  static const std::set<std::string> not_scenarios = {"attacks", "policies", "profiles", "corpus", "corpora"};
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& top : fs::directory_iterator(scenarios_dir, error)) {
    if (!top.is_directory() || not_scenarios.contains(top.path().filename().string())) continue;
    for (const auto& entry : fs::recursive_directory_iterator(top.path())) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace gatecrash::harness
