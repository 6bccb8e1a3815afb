// tests/unit-reports.cc — the report writers: console and SUMMARY line, JSON, JUnit XML, SARIF,
// escaping.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "reports/console_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"
#include "reports/report_file.h"
#include "reports/safe_text.h"
#include "reports/sarif_report.h"
#include "tests/test_support.h"

namespace gatecrash::reports {
namespace {

using harness::CallVerdict;
using harness::Finding;
using harness::RunResult;
using harness::ScenarioResult;

// Text a person or CI system must not be able to confuse with markup or terminal control.
const std::string kHostile =
    std::string("<tag a=\"1\" b='2'>&amp; ]]> \x01\x1b[2J") + "\xff\xfe" + " tab\tend";

Finding finding(std::string attack, std::string oracle, std::string scenario, std::string summary,
                std::vector<std::string> evidence) {
  const std::string replay_file = "out/findings/" + attack + ".json";
  return {std::move(attack),
          std::move(oracle),
          std::move(scenario),
          std::move(summary),
          1,
          std::move(evidence),
          replay_file,
          "gatecrash replay " + replay_file};
}

ScenarioResult passing_scenario() {
  ScenarioResult scenario;
  scenario.id = "rate/concurrent-burst";
  scenario.title = "100 concurrent calls against a cap of 30";
  scenario.file = "scenarios/rate/concurrent-burst.json";
  scenario.attacks = {"R2"};
  scenario.status = "pass";
  scenario.duration_ms = 1234;
  scenario.verdicts = {{"forwarded", 30}, {"refused", 70}};
  scenario.ledger_calls = 30;
  scenario.oracles = {{"no-leak", 100, 0}, {"cap", 30, 0}, {"liveness", 30, 0}};
  scenario.notes = {{"cap", "strict sliding bound: 30 in any 60 s"}};
  scenario.timeline = {{0, "track_task", CallVerdict::forwarded, "alice", "main#1", "", "allowed"},
                       {5, "track_task", CallVerdict::refused, "alice", "main#1", "", "allowed"}};
  scenario.caps = {{"track_task_writes", {"track_task"}, 30, 60'000, "minute", "sliding", "grant"}};
  return scenario;
}

ScenarioResult failing_scenario() {
  ScenarioResult scenario;
  scenario.id = "deny/case-folding";
  scenario.title = "a denied tool called with different case";
  scenario.file = "scenarios/deny/case-folding.json";
  scenario.attacks = {"D1", "D3"};
  scenario.status = "fail";
  scenario.duration_ms = 800;
  scenario.verdicts = {{"forwarded", 4}, {"refused", 1}, {"leaked", 2}};
  scenario.ledger_calls = 6;
  scenario.oracles = {{"no-leak", 7, 2}, {"protocol", 7, 0}, {"integrity", 6, 1}};
  std::vector<std::string> evidence;
  for (int i = 1; i <= 7; ++i) evidence.push_back("ledger line " + std::to_string(i));
  scenario.findings = {
      finding("D1", "no-leak", scenario.id, "destroy_vm reached upstream as DESTROY_VM", evidence),
      finding("D3", "integrity", scenario.id, "arguments changed in transit", {"sent {\"a\":1}"})};
  scenario.workdir = "/tmp/run/deny-case-folding";
  return scenario;
}

ScenarioResult error_scenario() {
  ScenarioResult scenario;
  scenario.id = "server/rug-pull";
  scenario.attacks = {"S4"};
  scenario.status = "error";
  scenario.error = "gateway exited with status 1 before initialize";
  scenario.duration_ms = 50;
  scenario.oracles = {{"liveness", 0, 0}};
  return scenario;
}

RunResult sample_run() {
  RunResult run;
  run.gatecrash_version = "0.1.0";
  run.profile_name = "reference";
  run.profile_file = "scenarios/profiles/reference.json";
  run.seed = 42;
  run.time_scale = 0.5;
  run.started_at = "2025-01-02T03:04:05Z";
  run.duration_ms = 12345;
  run.scenarios = {passing_scenario(), failing_scenario(), error_scenario()};
  return run;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string console_text(const RunResult& run, ConsoleOptions options = {}) {
  std::ostringstream out;
  write_console_report(out, run, options);
  return out.str();
}

// ---- console ----

TEST(ConsoleReport, TableHasAnAlignedRowPerScenario) {
  const auto lines = lines_of(console_text(sample_run()));
  ASSERT_GE(lines.size(), 4u);
  const std::string& header = lines[0];
  EXPECT_EQ(header.rfind("SCENARIO", 0), 0u);
  const std::size_t status_column = header.find("STATUS");
  const std::size_t ledger_end = header.find("LEDGER") + std::string("LEDGER").size();
  ASSERT_NE(status_column, std::string::npos);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"rate/concurrent-burst", "PASS"},
      {"deny/case-folding", "FAIL"},
      {"server/rug-pull", "ERROR"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::string& row = lines[i + 1];
    EXPECT_EQ(row.rfind(expected[i].first + " ", 0), 0u) << row;
    EXPECT_EQ(row.substr(status_column), expected[i].second) << row;
    // Numbers are right-aligned under their headers: the ledger count ends where "LEDGER" ends.
    EXPECT_NE(row[ledger_end - 1], ' ') << row;
    EXPECT_EQ(row[ledger_end], ' ') << row;
  }
  EXPECT_NE(lines[2].find("D1,D3"), std::string::npos);
}

TEST(ConsoleReport, EndsWithTheExactSummaryLine) {
  const auto lines = lines_of(console_text(sample_run()));
  const std::string expected =
      "SUMMARY: 3 scenarios, 1 passed, 1 failed (2 findings), 1 error; seed 42; profile reference; "
      "12.3 s";
  EXPECT_EQ(lines.back(), expected);
  EXPECT_EQ(summary_line(sample_run()), expected);
  int summaries = 0;
  for (const auto& line : lines) summaries += line.rfind("SUMMARY:", 0) == 0 ? 1 : 0;
  EXPECT_EQ(summaries, 1);
}

TEST(ConsoleReport, SummaryLineOfACleanRunOfOne) {
  RunResult run;
  run.seed = 18446744073709551615ull;
  run.duration_ms = 0;
  run.scenarios = {passing_scenario()};
  EXPECT_EQ(summary_line(run),
            "SUMMARY: 1 scenario, 1 passed, 0 failed (0 findings), 0 errors; seed "
            "18446744073709551615; profile -; 0.0 s");
}

TEST(ConsoleReport, FindingsShowSummaryFirstEvidenceLinesAndReplay) {
  const std::string text = console_text(sample_run());
  EXPECT_NE(text.find("FINDING 1/2  D1  no-leak  deny/case-folding\n"
                      "  destroy_vm reached upstream as DESTROY_VM\n"
                      "    | ledger line 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    | ledger line 5\n    | (2 more evidence lines"), std::string::npos);
  EXPECT_EQ(text.find("ledger line 6"), std::string::npos);
  EXPECT_NE(text.find("  replay: gatecrash replay out/findings/D1.json\n"), std::string::npos);
  EXPECT_NE(text.find("FINDING 2/2  D3  integrity"), std::string::npos);
  EXPECT_NE(text.find("ERROR  server/rug-pull: gateway exited with status 1 before initialize\n"),
            std::string::npos);
  EXPECT_NE(text.find("NOTE  rate/concurrent-burst  cap: strict sliding bound"), std::string::npos);
}

TEST(ConsoleReport, ColourOnlyWhenAskedAndOnlyOnStatusWords) {
  EXPECT_EQ(console_text(sample_run()).find('\033'), std::string::npos);
  std::string coloured = console_text(sample_run(), {.color = true});
  for (const std::string word :
       {"\033[32mPASS\033[0m", "\033[31mFAIL\033[0m", "\033[33mERROR\033[0m"}) {
    const std::size_t at = coloured.find(word);
    ASSERT_NE(at, std::string::npos) << word;
    coloured.erase(at, word.size());
  }
  EXPECT_EQ(coloured.find('\033'), std::string::npos);
}

TEST(ConsoleReport, ProgressLines) {
  ScenarioResult passed = passing_scenario();
  passed.duration_ms = 1200;
  EXPECT_EQ(progress_line(passed, 3, 24),
            "[ 3/24] PASS  rate/concurrent-burst  R2  1.2 s  forwarded 30 refused 70");
  EXPECT_EQ(progress_line(failing_scenario(), 10, 24),
            "[10/24] FAIL  deny/case-folding  D1,D3  0.8 s  forwarded 4 refused 1 leaked 2  "
            "2 findings: destroy_vm reached upstream as DESTROY_VM");
  EXPECT_EQ(progress_line(error_scenario(), 1, 3),
            "[1/3] ERROR server/rug-pull  S4  0.1 s  error: gateway exited with status 1 before "
            "initialize");
  std::ostringstream out;
  write_progress(out, passed, 1, 1, {.color = true});
  EXPECT_EQ(
      out.str(),
      "[1/1] \033[32mPASS\033[0m  rate/concurrent-burst  R2  1.2 s  forwarded 30 refused 70\n");
}

TEST(ConsoleReport, HostileStringsCannotBreakLinesOrDriveTheTerminal) {
  RunResult run = sample_run();
  run.profile_name = "ref\nSUMMARY: 0 scenarios";
  run.scenarios[1].id = "evil\n" + kHostile;
  run.scenarios[1].findings[0].summary = kHostile;
  run.scenarios[1].findings[0].evidence = {kHostile};
  run.scenarios[2].error = kHostile;
  const std::string text = console_text(run);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
  EXPECT_EQ(text.find('\xff'), std::string::npos);
  EXPECT_EQ(text.find('\t'), std::string::npos);
  const auto lines = lines_of(text);
  EXPECT_EQ(lines.back().rfind("SUMMARY: 3 scenarios", 0), 0u);
  EXPECT_NE(lines.back().find("profile ref\\x0ASUMMARY: 0 scenarios;"), std::string::npos);
  EXPECT_NE(text.find("evil\\x0A<tag a=\"1\" b='2'>&amp; ]]> \\x01\\x1B[2J\\xFF\\xFE tab\\x09end"),
            std::string::npos)
      << text;
  const std::string progress = progress_line(run.scenarios[2], 3, 3);
  EXPECT_EQ(progress.find('\n'), std::string::npos);
  EXPECT_EQ(progress.find('\033'), std::string::npos);
}

// ---- JSON ----

TEST(JsonReport, CarriesTheFormatTagAndRoundTripsCountsAndFindings) {
  const RunResult run = sample_run();
  const auto report = nlohmann::json::parse(json_report_text(run));
  EXPECT_EQ(report["format"], "gatecrash-report/1");
  EXPECT_EQ(report["gatecrash_version"], "0.1.0");
  EXPECT_EQ(report["profile"], (nlohmann::json{{"name", "reference"}, {"file", run.profile_file}}));
  EXPECT_EQ(report["seed"].get<std::uint64_t>(), 42u);
  EXPECT_EQ(report["time_scale"].get<double>(), 0.5);
  EXPECT_EQ(report["started_at"], "2025-01-02T03:04:05Z");
  EXPECT_EQ(report["duration_ms"], 12345);
  EXPECT_EQ(report["exit_code"], 2);
  const nlohmann::json counts = {
      {"scenarios", 3},
      {"passed", 1},
      {"failed", 1},
      {"errors", 1},
      {"findings", 2},
      {"ledger_calls", 36},
      {"verdicts", {{"forwarded", 34}, {"refused", 71}, {"leaked", 2}, {"lost", 0}}}};
  EXPECT_EQ(report["counts"], counts);

  ASSERT_EQ(report["scenarios"].size(), run.scenarios.size());
  for (std::size_t s = 0; s < run.scenarios.size(); ++s) {
    const auto& model = run.scenarios[s];
    const auto& json = report["scenarios"][s];
    EXPECT_EQ(json["id"], model.id);
    EXPECT_EQ(json["title"], model.title);
    EXPECT_EQ(json["file"], model.file);
    EXPECT_EQ(json["attacks"].get<std::vector<std::string>>(), model.attacks);
    EXPECT_EQ(json["status"], model.status);
    EXPECT_EQ(json["error"], model.error);
    EXPECT_EQ(json["duration_ms"], model.duration_ms);
    EXPECT_EQ(json["ledger_calls"], model.ledger_calls);
    EXPECT_EQ(json["workdir"], model.workdir);
    for (const auto* verdict : {"forwarded", "refused", "leaked", "lost"}) {
      const auto it = model.verdicts.find(verdict);
      EXPECT_EQ(json["verdicts"][verdict], it == model.verdicts.end() ? 0 : it->second);
    }
    ASSERT_EQ(json["oracles"].size(), model.oracles.size());
    for (std::size_t o = 0; o < model.oracles.size(); ++o) {
      EXPECT_EQ(json["oracles"][o], (nlohmann::json{{"oracle", model.oracles[o].oracle},
                                                    {"checks", model.oracles[o].checks},
                                                    {"failures", model.oracles[o].failures}}));
    }
    ASSERT_EQ(json["findings"].size(), model.findings.size());
    for (std::size_t f = 0; f < model.findings.size(); ++f) {
      const auto& finding = model.findings[f];
      const auto& found = json["findings"][f];
      EXPECT_EQ(found["attack"], finding.attack);
      EXPECT_EQ(found["oracle"], finding.oracle);
      EXPECT_EQ(found["scenario"], finding.scenario);
      EXPECT_EQ(found["summary"], finding.summary);
      EXPECT_EQ(found["evidence"].get<std::vector<std::string>>(), finding.evidence);
      EXPECT_EQ(found["replay_file"], finding.replay_file);
      EXPECT_EQ(found["replay_command"], finding.replay_command);
    }
    ASSERT_EQ(json["notes"].size(), model.notes.size());
    ASSERT_EQ(json["timeline"].size(), model.timeline.size());
  }
  EXPECT_EQ(report["scenarios"][0]["notes"][0],
            (nlohmann::json{{"oracle", "cap"}, {"text", "strict sliding bound: 30 in any 60 s"}}));
  EXPECT_EQ(report["scenarios"][0]["timeline"][1],
            (nlohmann::json{{"t_ms", 5}, {"tool", "track_task"}, {"verdict", "refused"}, {"identity", "alice"}, {"session", "main#1"}, {"attack", ""}, {"policy", "allowed"}}));
  EXPECT_EQ(report["scenarios"][0]["caps"][0],
            (nlohmann::json{{"counter", "track_task_writes"}, {"tools", {"track_task"}}, {"max", 30}, {"window_ms", 60000},
                            {"window", "minute"}, {"mode", "sliding"}, {"scope", "grant"}}));
}

TEST(JsonReport, LargeSeedsAndUnknownVerdictNamesSurvive) {
  RunResult run;
  run.seed = 18446744073709551615ull;
  ScenarioResult scenario = passing_scenario();
  scenario.verdicts["duplicated"] = 3;
  run.scenarios = {scenario};
  const auto report = nlohmann::json::parse(json_report_text(run));
  EXPECT_EQ(report["seed"].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(report["scenarios"][0]["verdicts"]["duplicated"], 3);
  EXPECT_EQ(report["counts"]["verdicts"]["duplicated"], 3);
  EXPECT_EQ(report["exit_code"], 0);
}

TEST(JsonReport, HostileStringsSurviveAndInvalidUtf8BecomesReplacementCharacters) {
  RunResult run = sample_run();
  run.scenarios[1].findings[0].summary = kHostile;
  run.scenarios[1].findings[0].evidence = {kHostile, std::string("\0nul", 4)};
  const auto report = nlohmann::json::parse(json_report_text(run));
  const auto& found = report["scenarios"][1]["findings"][0];
  const std::string replaced = std::string("<tag a=\"1\" b='2'>&amp; ]]> \x01\x1b[2J") +
                               "\xEF\xBF\xBD\xEF\xBF\xBD" + " tab\tend";
  EXPECT_EQ(found["summary"], replaced);
  EXPECT_EQ(found["evidence"][0], replaced);
  EXPECT_EQ(found["evidence"][1], std::string("\0nul", 4));
}

TEST(JsonReport, WritesTheFileWholeAndNamesThePathWhenItCannot) {
  testing::TempDir dir;
  const std::string path = dir.file("report.json");
  write_json_report(sample_run(), path);
  EXPECT_EQ(testing::read_source_file_abs(path), json_report_text(sample_run()));
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 1);  // no temporary left beside it
  try {
    write_json_report(sample_run(), "/nonexistent-dir/report.json");
    FAIL() << "expected ReportError";
  } catch (const ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/report.json"), std::string::npos);
  }
}

// ---- JUnit XML ----

bool have_xmllint() { return std::system("command -v xmllint >/dev/null 2>&1") == 0; }

// xmllint's answer to an XPath expression over `file` (trailing newline removed), or "<failed>".
std::string xpath(const std::string& file, const std::string& expression) {
  const std::string command = "xmllint --xpath '" + expression + "' '" + file + "' 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "<failed>";
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  if (::pclose(pipe) != 0) return "<failed>";
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Writes the XML to a file and checks it with `xmllint --noout` (strict XML 1.0 well-formedness).
std::string well_formed_file(const testing::TempDir& dir, const std::string& xml) {
  const std::string path = dir.file("junit.xml");
  testing::write_file(path, xml);
  const std::string command = "xmllint --noout '" + path + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << xml;
  return path;
}

TEST(JunitReport, IsWellFormedWithATestcasePerScenarioAndOracle) {
  if (!have_xmllint())
    GTEST_SKIP() << "xmllint not installed (apt package libxml2-utils, scripts/setup.sh)";
  testing::TempDir dir;
  const std::string file = well_formed_file(dir, junit_xml(sample_run()));
  // pass: scenario + 3 oracles; fail: scenario + 3 oracles; error: scenario + 1 oracle.
  EXPECT_EQ(xpath(file, "count(/testsuites/testsuite/testcase)"), "10");
  EXPECT_EQ(xpath(file, "count(//testcase[failure])"),
            "3");  // the failing scenario, no-leak, integrity
  EXPECT_EQ(xpath(file, "count(//testcase[error])"), "1");
  EXPECT_EQ(xpath(file, "count(//testcase[skipped])"), "1");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@tests)"), "10");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@failures)"), "3");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@errors)"), "1");
  EXPECT_EQ(xpath(file, "string(/testsuites/@tests)"), "10");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@name)"), "gatecrash.reference");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@time)"), "12.345");
  EXPECT_EQ(xpath(file, "string(//property[@name=\"seed\"]/@value)"), "42");
  EXPECT_EQ(xpath(file, "count(//testcase[@classname=\"deny/case-folding\"])"), "4");
  EXPECT_EQ(xpath(file,
                  "string(//testcase[@classname=\"deny/case-folding\"][@name=\"no-leak\"]"
                  "/failure/@message)"),
            "destroy_vm reached upstream as DESTROY_VM");
  EXPECT_EQ(xpath(file,
                  "string(//testcase[@classname=\"deny/case-folding\"][@name=\"scenario\"]"
                  "/failure/@message)"),
            "2 findings: destroy_vm reached upstream as DESTROY_VM; arguments changed in transit");
  const std::string evidence = xpath(
      file, "string(//testcase[@classname=\"deny/case-folding\"][@name=\"no-leak\"]/failure)");
  EXPECT_NE(evidence.find("ledger line 1\nledger line 2\n"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("ledger line 7\nreplay: gatecrash replay out/findings/D1.json"),
            std::string::npos);
  EXPECT_EQ(xpath(file, "string(//testcase[@classname=\"server/rug-pull\"]/error/@message)"),
            "gateway exited with status 1 before initialize");
  EXPECT_EQ(
      xpath(file,
            "string(//testcase[@classname=\"rate/concurrent-burst\"][@name=\"scenario\"]/@time)"),
      "1.234");
}

TEST(JunitReport, FindingsWithoutAnOracleOutcomeStillFail) {
  if (!have_xmllint())
    GTEST_SKIP() << "xmllint not installed (apt package libxml2-utils, scripts/setup.sh)";
  RunResult run;
  ScenarioResult scenario = failing_scenario();
  scenario.oracles.clear();
  run.scenarios = {scenario};
  testing::TempDir dir;
  const std::string file = well_formed_file(dir, junit_xml(run));
  EXPECT_EQ(xpath(file, "count(//testcase)"), "3");  // scenario, no-leak, integrity
  EXPECT_EQ(xpath(file, "count(//testcase[failure])"), "3");
  EXPECT_EQ(xpath(file, "string(/testsuites/testsuite/@name)"), "gatecrash");
}

TEST(JunitReport, HostileStringsSurviveEscaping) {
  if (!have_xmllint())
    GTEST_SKIP() << "xmllint not installed (apt package libxml2-utils, scripts/setup.sh)";
  RunResult run = sample_run();
  run.profile_name = kHostile;
  auto& failing = run.scenarios[1];
  failing.id = "deny/\"quoted\" & <odd>";
  for (auto& f : failing.findings) f.scenario = failing.id;
  failing.findings[0].summary = kHostile;
  failing.findings[0].evidence = {kHostile, "line\r\nwith CRLF", std::string("\0nul", 4)};
  run.scenarios[2].error = kHostile;
  testing::TempDir dir;
  const std::string file = well_formed_file(dir, junit_xml(run));

  // Attributes hold one line: controls and invalid bytes shown as \xNN, markup characters intact.
  const std::string shown = "<tag a=\"1\" b='2'>&amp; ]]> \\x01\\x1B[2J\\xFF\\xFE tab\\x09end";
  EXPECT_EQ(xpath(file, "string(//testcase[@name=\"no-leak\"][failure]/failure/@message)"), shown);
  EXPECT_EQ(xpath(file, "string(//testcase[@classname=\"server/rug-pull\"]/error/@message)"),
            shown);
  EXPECT_EQ(xpath(file,
                  "count(//testcase[starts-with(@classname, \"deny/\")][contains(@classname, "
                  "\"& <odd>\")])"),
            "4");
  // A property value is not shortened to one line: the tab survives as &#9;.
  EXPECT_EQ(xpath(file, "string(//property[@name=\"profile\"]/@value)"),
            "<tag a=\"1\" b='2'>&amp; ]]> \\x01\\x1B[2J\\xFF\\xFE tab\tend");

  // Element text keeps tabs and line breaks (CR included); forbidden characters become \xNN.
  const std::string text = xpath(file, "string(//testcase[@name=\"no-leak\"][failure]/failure)");
  EXPECT_NE(text.find("<tag a=\"1\" b='2'>&amp; ]]> \\x01\\x1B[2J\\xFF\\xFE tab\tend\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("line\r\nwith CRLF\n"), std::string::npos);
  EXPECT_NE(text.find("\\x00nul\n"), std::string::npos);
}

// ---- SARIF ----

nlohmann::json sarif_of(const RunResult& run) {
  return nlohmann::json::parse(sarif_report_text(run));
}

TEST(SarifReport, VersionFirstThenSchemaAndOneRunOfGatecrash) {
  const std::string text = sarif_report_text(sample_run());
  EXPECT_EQ(text.rfind("{\n  \"version\": \"2.1.0\",\n  \"$schema\": "
                       "\"https://json.schemastore.org/sarif-2.1.0-rtm.5.json\",\n",
                       0),
            0u)
      << text.substr(0, 200);
  EXPECT_EQ(text.back(), '\n');
  const auto log = nlohmann::json::parse(text);
  ASSERT_EQ(log["runs"].size(), 1u);
  const auto& run = log["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "gatecrash");
  EXPECT_EQ(run["tool"]["driver"]["version"], "0.1.0");
  EXPECT_FALSE(run["tool"]["driver"].contains("informationUri"));
  EXPECT_EQ(run["properties"],
            (nlohmann::json{
                {"seed", 42},
                {"profile", {{"name", "reference"}, {"file", "scenarios/profiles/reference.json"}}},
                {"time_scale", 0.5}}));
  ASSERT_EQ(run["invocations"].size(), 1u);
  EXPECT_EQ(run["invocations"][0]["exitCode"], 2);
  EXPECT_EQ(run["invocations"][0]["executionSuccessful"], false);
  EXPECT_EQ(run["invocations"][0]["startTimeUtc"], "2025-01-02T03:04:05Z");
}

TEST(SarifReport, OneResultPerFindingLocatedAtItsScenarioFile) {
  const auto run = sarif_of(sample_run())["runs"][0];
  const auto& results = run["results"];
  ASSERT_EQ(results.size(), 2u);
  const auto& first = results[0];
  EXPECT_EQ(first["ruleId"], "D1");
  EXPECT_EQ(first["level"], "error");
  EXPECT_EQ(first["message"]["text"], "destroy_vm reached upstream as DESTROY_VM");
  EXPECT_EQ(first["locations"], nlohmann::json::parse(R"([{"physicalLocation": {"artifactLocation":
                {"uri": "scenarios/deny/case-folding.json"}}}])"));
  const auto& properties = first["properties"];
  EXPECT_EQ(properties["oracle"], "no-leak");
  EXPECT_EQ(properties["scenario"], "deny/case-folding");
  EXPECT_EQ(properties["occurrences"], 1);
  EXPECT_EQ(properties["evidence"].size(), 7u);
  EXPECT_EQ(properties["evidence"][6], "ledger line 7");
  EXPECT_EQ(properties["replay_command"], "gatecrash replay out/findings/D1.json");
  EXPECT_EQ(results[1]["ruleId"], "D3");
  EXPECT_EQ(results[1]["properties"]["oracle"], "integrity");
  for (const auto& result : results) {
    const auto& rule = run["tool"]["driver"]["rules"][result["ruleIndex"].get<std::size_t>()];
    EXPECT_EQ(rule["id"], result["ruleId"]);
  }
}

TEST(SarifReport, FingerprintsDependOnlyOnScenarioAttackOracleAndSummary) {
  const auto fingerprint_of = [](const RunResult& run) {
    return sarif_of(run)["runs"][0]["results"][0]["partialFingerprints"]["gatecrash/v1"]
        .get<std::string>();
  };
  const std::string original = fingerprint_of(sample_run());
  EXPECT_EQ(original.size(), 16u);
  EXPECT_EQ(original.find_first_not_of("0123456789abcdef"), std::string::npos) << original;
  RunResult other_run = sample_run();
  other_run.seed = 7;
  other_run.scenarios[1].findings[0].evidence = {"other evidence"};
  other_run.scenarios[1].findings[0].occurrences = 3;
  other_run.scenarios[1].findings[0].replay_command = "gatecrash replay elsewhere.json";
  EXPECT_EQ(fingerprint_of(other_run), original);
  for (const auto change :
       {+[](Finding& f) { f.summary += "!"; }, +[](Finding& f) { f.oracle = "cap"; },
        +[](Finding& f) { f.attack = "D2"; }, +[](Finding& f) { f.scenario = "deny/other"; }}) {
    RunResult changed = sample_run();
    change(changed.scenarios[1].findings[0]);
    EXPECT_NE(fingerprint_of(changed), original);
  }
}

TEST(SarifReport, RulesAreOnePerAttackWithAFinding) {
  RunResult run = sample_run();
  ScenarioResult again = failing_scenario();
  again.id = "deny/unicode-folding";
  again.file = "scenarios/deny/unicode-folding.json";
  for (auto& f : again.findings) f.scenario = again.id;
  again.findings[1].attack = "D1";  // D1 again, now reported by the integrity oracle
  run.scenarios.push_back(again);
  const auto sarif_run = sarif_of(run)["runs"][0];
  const auto& rules = sarif_run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 2u);  // D1, D3; not R2 or S4, which have no finding
  EXPECT_EQ(rules[0]["id"], "D1");
  EXPECT_EQ(rules[0]["shortDescription"]["text"],
            "Attack D1, reported by the oracles no-leak, integrity");
  EXPECT_EQ(rules[0]["properties"]["oracles"], (nlohmann::json{"no-leak", "integrity"}));
  EXPECT_EQ(rules[0]["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(rules[1]["id"], "D3");
  EXPECT_EQ(rules[1]["shortDescription"]["text"], "Attack D3, reported by the oracle integrity");
  ASSERT_EQ(sarif_run["results"].size(), 4u);
  EXPECT_EQ(sarif_run["results"][3]["ruleId"], "D1");
  EXPECT_EQ(sarif_run["results"][3]["ruleIndex"], 0);
  EXPECT_EQ(sarif_run["results"][3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "scenarios/deny/unicode-folding.json");
}

TEST(SarifReport, ScenariosThatCouldNotRunAreToolExecutionNotifications) {
  RunResult run = sample_run();
  run.scenarios[2].file = "scenarios/server/rug-pull.json";
  const auto invocation = sarif_of(run)["runs"][0]["invocations"][0];
  ASSERT_EQ(invocation["toolExecutionNotifications"].size(), 1u);
  const auto& notification = invocation["toolExecutionNotifications"][0];
  EXPECT_EQ(notification["level"], "error");
  EXPECT_EQ(notification["message"]["text"], "gateway exited with status 1 before initialize");
  EXPECT_EQ(notification["properties"]["scenario"], "server/rug-pull");
  EXPECT_EQ(notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "scenarios/server/rug-pull.json");
  // A scenario without a file has no locations at all (an empty list says nothing).
  EXPECT_FALSE(
      sarif_of(sample_run())["runs"][0]["invocations"][0]["toolExecutionNotifications"][0].contains(
          "locations"));
}

TEST(SarifReport, ACleanRunHasEmptyResultsAndASuccessfulInvocation) {
  RunResult run;
  run.scenarios = {passing_scenario()};
  const auto sarif_run = sarif_of(run)["runs"][0];
  EXPECT_EQ(sarif_run["results"], nlohmann::json::array());
  EXPECT_EQ(sarif_run["tool"]["driver"]["rules"], nlohmann::json::array());
  EXPECT_FALSE(sarif_run["tool"]["driver"].contains("version"));  // unknown: left out
  EXPECT_EQ(sarif_run["invocations"][0]["exitCode"], 0);
  EXPECT_EQ(sarif_run["invocations"][0]["executionSuccessful"], true);
  EXPECT_EQ(sarif_run["invocations"][0]["toolExecutionNotifications"], nlohmann::json::array());
  EXPECT_FALSE(sarif_run["invocations"][0].contains("startTimeUtc"));

  RunResult findings_only = sample_run();
  findings_only.scenarios.pop_back();
  findings_only.started_at = "yesterday";  // not a date-time: left out rather than invalid
  const auto invocation = sarif_of(findings_only)["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["exitCode"], 1);
  EXPECT_EQ(invocation["executionSuccessful"], true);  // findings are a successful run
  EXPECT_FALSE(invocation.contains("startTimeUtc"));
}

TEST(SarifReport, RepeatedFindingsSayHowOftenInTheMessage) {
  RunResult run = sample_run();
  run.scenarios[1].findings[0].occurrences = 80;
  const auto result = sarif_of(run)["runs"][0]["results"][0];
  EXPECT_EQ(result["message"]["text"],
            "destroy_vm reached upstream as DESTROY_VM (80 occurrences)");
  EXPECT_EQ(result["properties"]["occurrences"], 80);
}

TEST(SarifReport, FileUrisArePercentEncodedAndAbsolutePathsBecomeFileUris) {
  RunResult run = sample_run();
  run.scenarios[1].file = "/srv/my scenarios/caf\xC3\xA9:1.json";
  EXPECT_EQ(sarif_of(run)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                         ["artifactLocation"]["uri"],
            "file:///srv/my%20scenarios/caf%C3%A9%3A1.json");
}

TEST(SarifReport, InvalidUtf8BecomesReplacementCharactersAndTheTextIsStrictUtf8) {
  RunResult run = sample_run();
  run.gatecrash_version = "0.1\xff";
  run.scenarios[1].findings[0].summary = kHostile;
  run.scenarios[1].findings[0].evidence = {kHostile, std::string("\0nul", 4), "\xC0\x80"};
  run.scenarios[2].error = "bad \xed\xa0\x80 surrogate";
  const std::string text = sarif_report_text(run);
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint point = next_code_point(text, pos);
    ASSERT_TRUE(point.valid) << "invalid UTF-8 at byte " << pos;
    pos += point.length;
  }
  const auto sarif_run = nlohmann::json::parse(text)["runs"][0];
  const std::string replaced = std::string("<tag a=\"1\" b='2'>&amp; ]]> \x01\x1b[2J") +
                               "\xEF\xBF\xBD\xEF\xBF\xBD" + " tab\tend";
  const auto& result = sarif_run["results"][0];
  EXPECT_EQ(result["message"]["text"], replaced);
  EXPECT_EQ(result["properties"]["evidence"][0], replaced);
  EXPECT_EQ(result["properties"]["evidence"][1], std::string("\0nul", 4));
  EXPECT_EQ(result["properties"]["evidence"][2], "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(sarif_run["tool"]["driver"]["version"], "0.1\xEF\xBF\xBD");
  EXPECT_EQ(sarif_run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"],
            "bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate");
}

TEST(SarifReport, WritesTheFileWholeAndNamesThePathWhenItCannot) {
  testing::TempDir dir;
  const std::string path = dir.file("report.sarif");
  write_sarif_report(sample_run(), path);
  EXPECT_EQ(testing::read_source_file_abs(path), sarif_report_text(sample_run()));
  try {
    write_sarif_report(sample_run(), "/nonexistent-dir/report.sarif");
    FAIL() << "expected ReportError";
  } catch (const ReportError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/report.sarif"), std::string::npos);
  }
}

// ---- the escapes underneath ----

TEST(SafeText, StrictUtf8) {
  EXPECT_TRUE(next_code_point("\xF0\x9F\x94\x92", 0).valid);  // U+1F512
  EXPECT_EQ(next_code_point("\xF0\x9F\x94\x92", 0).value, U'\U0001F512');
  EXPECT_FALSE(next_code_point("\xC0\x80", 0).valid);          // overlong NUL
  EXPECT_FALSE(next_code_point("\xED\xA0\x80", 0).valid);      // surrogate
  EXPECT_FALSE(next_code_point("\xF4\x90\x80\x80", 0).valid);  // above U+10FFFF
  EXPECT_FALSE(next_code_point("\xE2\x82", 0).valid);          // truncated
  EXPECT_EQ(next_code_point("\xE2\x82", 0).length, 1u);
  EXPECT_EQ(display_width("a\xC3\xA9\xF0\x9F\x94\x92"), 3u);
}

TEST(SafeText, OneLineAndXmlEscapes) {
  EXPECT_EQ(one_line("a\tb\nc\x7f\xC2\x85\xff"), "a\\x09b\\x0Ac\\x7F\\u0085\\xFF");
  EXPECT_EQ(one_line("\xC3\xA9t\xC3\xA9 long text", 4), "\xC3\xA9t\xC3\xA9 ...");
  EXPECT_EQ(xml_escape_text("<a href='x'>\"&\"</a> ]]>\t\r\n\x01\xEF\xBF\xBE\xff"),
            "&lt;a href='x'&gt;\"&amp;\"&lt;/a&gt; ]]&gt;\t&#13;\n\\x01\\uFFFE\\xFF");
  EXPECT_EQ(xml_escape_attribute("<'\"&>\tb\nc\rd"), "&lt;&apos;&quot;&amp;&gt;&#9;b&#10;c&#13;d");
}

}  // namespace
}  // namespace gatecrash::reports
