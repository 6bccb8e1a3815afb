// reports/sarif_report.cc — the result model as a SARIF 2.1.0 log (schema sarif-2.1.0-rtm.5).
#include "reports/sarif_report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <regex>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report_file.h"

namespace gatecrash::reports {
namespace {

// Ordered, so "version" comes first and each object reads in the order written below. The schema
// forbids members it does not define, so everything of ours goes into a `properties` bag.
using Sarif = nlohmann::ordered_json;

// A rule: an attack id that has at least one finding, with the oracles that reported it.
struct Rule {
  std::string attack;
  std::vector<std::string> oracles;
};

// Rules in order of first appearance (run order, then finding order), one per attack id.
std::vector<Rule> rules_of(const harness::RunResult& run) {
  std::vector<Rule> rules;
  for (const auto& scenario : run.scenarios) {
    for (const auto& finding : scenario.findings) {
      auto rule = std::find_if(rules.begin(), rules.end(),
                               [&](const Rule& r) { return r.attack == finding.attack; });
      if (rule == rules.end()) rule = rules.insert(rules.end(), Rule{finding.attack, {}});
      if (std::find(rule->oracles.begin(), rule->oracles.end(), finding.oracle) ==
          rule->oracles.end())
        rule->oracles.push_back(finding.oracle);
    }
  }
  return rules;
}

std::size_t rule_index(const std::vector<Rule>& rules, const std::string& attack) {
  const auto rule =
      std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.attack == attack; });
  return static_cast<std::size_t>(rule - rules.begin());
}

Sarif rule_json(const Rule& rule) {
  std::string oracles;
  for (const auto& oracle : rule.oracles) oracles += (oracles.empty() ? "" : ", ") + oracle;
  const std::string noun = rule.oracles.size() == 1 ? "oracle " : "oracles ";
  return {{"id", rule.attack},
          {"name", "Attack" + rule.attack},
          {"shortDescription",
           {{"text", "Attack " + rule.attack + ", reported by the " + noun + oracles}}},
          {"defaultConfiguration", {{"level", "error"}}},
          {"properties", {{"oracles", rule.oracles}}}};
}

// FNV-1a (64 bit) over scenario, attack, oracle and summary, each preceded by its length so that
// no two field lists hash the same bytes; 16 lowercase hex digits. It depends on nothing but those
// four strings, so the same finding has the same fingerprint in every run and on every machine.
std::string fingerprint(const harness::Finding& finding) {
  std::uint64_t hash = 14695981039346656037ull;
  const auto mix = [&](std::string_view bytes) {
    for (const unsigned char byte : bytes) {
      hash ^= byte;
      hash *= 1099511628211ull;
    }
  };
  for (const std::string* field :
       {&finding.scenario, &finding.attack, &finding.oracle, &finding.summary}) {
    mix(std::to_string(field->size()) + ":");
    mix(*field);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

// A scenario file as a URI reference: an absolute path becomes a file:// URI, a relative one stays
// relative (to the directory gatecrash ran in). Every byte other than ASCII letters, digits,
// "-._~" and "/" is percent-encoded, so the value is always a valid URI reference.
std::string file_uri(std::string_view path) {
  std::string uri = path.starts_with('/') ? "file://" : "";
  for (const unsigned char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      uri += escaped;
    }
  }
  return uri;
}

// `locations` with the scenario file, added to `object` only when the model names a file.
void add_location(Sarif& object, const std::string& file) {
  if (file.empty()) return;
  Sarif artifact = Sarif::object();
  artifact["uri"] = file_uri(file);
  Sarif location = Sarif::object();
  location["physicalLocation"]["artifactLocation"] = std::move(artifact);
  object["locations"] = Sarif::array();
  object["locations"].push_back(std::move(location));
}

Sarif result_json(const harness::Finding& finding, const harness::ScenarioResult& scenario,
                  std::size_t index) {
  std::string text = finding.summary;
  if (finding.occurrences > 1) text += " (" + std::to_string(finding.occurrences) + " occurrences)";
  Sarif result = {{"ruleId", finding.attack},
                  {"ruleIndex", index},
                  {"level", "error"},
                  {"message", {{"text", text}}}};
  add_location(result, scenario.file);
  result["partialFingerprints"] = {{std::string(kSarifFingerprintKey), fingerprint(finding)}};
  result["properties"] = {{"oracle", finding.oracle},
                          {"scenario", finding.scenario},
                          {"occurrences", finding.occurrences},
                          {"evidence", finding.evidence},
                          {"replay_command", finding.replay_command}};
  return result;
}

// A scenario that could not run: the tool failed there, it did not find anything.
Sarif notification_json(const harness::ScenarioResult& scenario) {
  Sarif notification = {{"level", "error"}, {"message", {{"text", scenario.error}}}};
  add_location(notification, scenario.file);
  notification["properties"] = {{"scenario", scenario.id}};
  return notification;
}

// The schema checks startTimeUtc as a date-time, so a start time of another shape is left out.
bool is_utc_timestamp(const std::string& text) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  return std::regex_match(text, shape);
}

Sarif invocation_json(const harness::RunResult& run) {
  Sarif notifications = Sarif::array();
  for (const auto& scenario : run.scenarios) {
    if (scenario.status == "error") notifications.push_back(notification_json(scenario));
  }
  Sarif invocation = {{"executionSuccessful", run.exit_code() != 2}, {"exitCode", run.exit_code()}};
  if (is_utc_timestamp(run.started_at)) invocation["startTimeUtc"] = run.started_at;
  invocation["toolExecutionNotifications"] = std::move(notifications);
  return invocation;
}

Sarif driver_json(const harness::RunResult& run, const std::vector<Rule>& rules) {
  Sarif driver = {{"name", "gatecrash"}};
  if (!run.gatecrash_version.empty()) driver["version"] = run.gatecrash_version;
  driver["rules"] = Sarif::array();
  for (const auto& rule : rules) driver["rules"].push_back(rule_json(rule));
  return driver;
}

}  // namespace

std::string sarif_report_text(const harness::RunResult& run) {
  const std::vector<Rule> rules = rules_of(run);
  Sarif results = Sarif::array();
  for (const auto& scenario : run.scenarios) {
    for (const auto& finding : scenario.findings)
      results.push_back(result_json(finding, scenario, rule_index(rules, finding.attack)));
  }
  Sarif sarif_run = {{"tool", {{"driver", driver_json(run, rules)}}},
                     {"invocations", Sarif::array({invocation_json(run)})},
                     {"results", std::move(results)},
                     {"properties",
                      {{"seed", run.seed},
                       {"profile", {{"name", run.profile_name}, {"file", run.profile_file}}},
                       {"time_scale", run.time_scale}}}};
  const Sarif log = {{"version", std::string(kSarifVersion)},
                     {"$schema", std::string(kSarifSchemaUri)},
                     {"runs", Sarif::array({std::move(sarif_run)})}};
  return log.dump(2, ' ', false, Sarif::error_handler_t::replace) + "\n";
}

void write_sarif_report(const harness::RunResult& run, const std::string& path) {
  write_report_file(path, sarif_report_text(run));
}

}  // namespace gatecrash::reports
