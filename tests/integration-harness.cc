// tests/integration-harness.cc — `gatecrash` as users run it: real gateways, mocks and reports.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp/child_process.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using gatecrash::testing::TempDir;
using gatecrash::testing::write_file;

namespace {

const std::string kScenarios = std::string(GATECRASH_SOURCE_DIR) + "/scenarios";

using gatecrash::testing::HarnessRun;

HarnessRun run_harness(const TempDir& dir, std::vector<std::string> args, std::chrono::seconds limit = 120s) {
  return gatecrash::testing::run_gatecrash(dir, std::move(args), limit);
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  json document = json::parse(in, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << path << " is not JSON";
  return document;
}

// Pids of live processes whose command line mentions `marker` (our run directories are unique,
// so anything still carrying one after gatecrash exits is a process it failed to clean up).
std::vector<int> processes_mentioning(const std::string& marker) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(marker) != std::string::npos && gatecrash::testing::process_alive(std::stoi(name))) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

std::vector<json> all_findings(const json& report) {
  std::vector<json> findings;
  for (const auto& scenario : report["scenarios"]) {
    for (const auto& finding : scenario["findings"]) findings.push_back(finding);
  }
  return findings;
}

std::string scenario_file(const std::string& id) { return kScenarios + "/" + id + ".json"; }

TEST(HarnessRun, ReferenceGatewayOverStdioPassesTheWholeSuiteWithZeroFindings) {
  TempDir dir;
  const auto run = run_harness(dir, {"run", "--report", dir.file("report"), "--seed", "7"}, 300s);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  EXPECT_EQ(report["format"], "gatecrash-report/1");
  EXPECT_EQ(report["seed"], 7);
  EXPECT_EQ(report["profile"]["name"], "reference");
  EXPECT_EQ(report["counts"]["findings"], 0) << report["counts"].dump();
  EXPECT_EQ(report["counts"]["errors"], 0);
  // Every runnable scenario file in the tree ran, and the oracles really looked at something.
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kScenarios)) {
    const std::string top = fs::relative(entry.path(), kScenarios).begin()->string();
    if (entry.path().extension() == ".json" && top != "attacks" && top != "policies" && top != "profiles") ++files;
  }
  EXPECT_EQ(report["counts"]["scenarios"].get<int>(), files);
  EXPECT_GT(report["counts"]["verdicts"]["forwarded"].get<int>(), 100);
  EXPECT_GT(report["counts"]["verdicts"]["refused"].get<int>(), 100);
  // A refusal whose call ran upstream is a bypass everywhere but in server/oversized-results,
  // where the gateway rightly refuses to relay the two 6 MB answers of calls the mock did run.
  for (const auto& scenario : report["scenarios"]) {
    const int leaked = scenario["verdicts"]["leaked"].get<int>();
    EXPECT_EQ(leaked, scenario["id"] == "server/oversized-results" ? 2 : 0) << scenario["id"];
  }
  EXPECT_NE(run.out.find("seed 7"), std::string::npos) << "the seed is printed";
}

TEST(HarnessRun, ReferenceGatewayOverHttpPassesTheRateAndAuthzSuites) {
  TempDir dir;
  for (const std::string suite : {"rate", "authz", "protocol"}) {
    const auto run = run_harness(dir, {"run", "--gateway", kScenarios + "/profiles/reference-http.json", "--suite", suite,
                                       "--report", dir.file("report-" + suite), "--seed", "11"},
                                 300s);
    EXPECT_EQ(run.exit_code, 0) << suite << "\n" << run.out << run.err;
    const json report = read_json(dir.file("report-" + suite + "/report.json"));
    EXPECT_EQ(report["counts"]["findings"], 0) << suite;
    EXPECT_GT(report["counts"]["scenarios"].get<int>(), 2) << suite;
  }
}

// A gateway that enforces nothing: the oracles must name the attacks, and a finding must replay.
TEST(HarnessRun, PassThroughGatewayIsCaughtAndItsFindingReplays) {
  TempDir dir;
  const auto run = run_harness(dir, {"run", "--gateway", kScenarios + "/profiles/passthrough.json", "--report",
                                     dir.file("report"), "--seed", "3", "--scenario", scenario_file("rate/concurrent-burst"),
                                     "--scenario", scenario_file("authz/hidden-tools"), "--junit", dir.file("junit.xml")});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  std::set<std::pair<std::string, std::string>> seen;  // (attack, oracle)
  std::string cap_replay;
  for (const auto& finding : all_findings(report)) {
    seen.insert({finding["attack"].get<std::string>(), finding["oracle"].get<std::string>()});
    EXPECT_FALSE(finding["evidence"].empty()) << finding.dump();
    EXPECT_TRUE(fs::exists(finding["replay_file"].get<std::string>())) << finding.dump();
    if (finding["oracle"] == "cap" && cap_replay.empty()) cap_replay = finding["replay_file"];
  }
  EXPECT_TRUE(seen.count({"R2", "cap"})) << report.dump(1).substr(0, 4000);
  bool hidden_leak = false;
  for (const auto& [attack, oracle] : seen) hidden_leak |= oracle == "no-leak";
  EXPECT_TRUE(hidden_leak) << "a hidden tool called through a pass-through must be a no-leak finding";
  EXPECT_TRUE(fs::exists(dir.file("junit.xml")));
  ASSERT_FALSE(cap_replay.empty());

  const auto replayed = run_harness(dir, {"replay", cap_replay, "--report", dir.file("replayed")});
  EXPECT_EQ(replayed.exit_code, 1) << replayed.out << replayed.err;
  const json again = read_json(dir.file("replayed/report.json"));
  EXPECT_EQ(again["seed"], 3) << "the replay uses the finding's seed";
  bool cap_again = false;
  for (const auto& finding : all_findings(again)) cap_again |= finding["attack"] == "R2" && finding["oracle"] == "cap";
  EXPECT_TRUE(cap_again) << again.dump(1).substr(0, 4000);
}

TEST(HarnessErrors, MalformedProfileNamesTheFileAndTheJsonPath) {
  TempDir dir;
  const std::string profile = dir.file("broken-profile.json");
  write_file(profile, R"({"name": "x", "transport": "carrier-pigeon", "command": ["true"], "policy_format": "gatecrash"})");
  const auto run = run_harness(dir, {"run", "--gateway", profile, "--report", dir.file("report")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("harness.E4"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(profile), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("/transport"), std::string::npos) << run.err;

  write_file(profile, "{\"name\": \"x\",\n  \"transport\": \"stdio\", oops}");
  const auto unparsable = run_harness(dir, {"run", "--gateway", profile, "--report", dir.file("report")});
  EXPECT_EQ(unparsable.exit_code, 2);
  EXPECT_NE(unparsable.err.find(profile), std::string::npos) << unparsable.err;
}

TEST(HarnessErrors, MalformedScenarioIsAnErrorNamingTheFileAndPath) {
  TempDir dir;
  const std::string scenario = dir.file("broken-scenario.json");
  write_file(scenario, R"({"id": "t/broken", "title": "t", "attacks": ["R2"], "servers": [{"name": "p", "catalog": "prometheus"}],
    "policy": {"version": "1", "default": "allow", "tools": {}}, "steps": [{"do": "teleport"}]})");
  const auto run = run_harness(dir, {"run", "--scenario", scenario, "--report", dir.file("report")});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  const std::string all = run.out + run.err;
  EXPECT_NE(all.find("harness.E5"), std::string::npos) << all;
  EXPECT_NE(all.find("/steps/0/do"), std::string::npos) << all;
  EXPECT_NE(all.find("teleport"), std::string::npos) << all;
}

TEST(HarnessErrors, GatewayThatExitsAtOnceIsAnErrorNotAFinding) {
  TempDir dir;
  const std::string profile = dir.file("dies.json");
  write_file(profile, json{{"name", "dies"}, {"transport", "stdio"}, {"command", {"sh", "-c", "echo bye >&2; exit 3"}},
                           {"policy_format", "gatecrash"}, {"tool_names", "{tool}"}}
                          .dump());
  const auto run = run_harness(dir, {"run", "--gateway", profile, "--scenario", scenario_file("rate/concurrent-burst"),
                                     "--report", dir.file("report"), "--timeout-ms", "2000"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  ASSERT_EQ(report["scenarios"].size(), 1u);
  EXPECT_EQ(report["scenarios"][0]["status"], "error");
  EXPECT_NE(report["scenarios"][0]["error"].get<std::string>().find("harness.E425"), std::string::npos) << report.dump(1);
  EXPECT_EQ(report["counts"]["findings"], 0) << "a gateway that never started has not been judged";
}

// A gateway that never answers: every wait is bounded, the run ends, and nothing is left behind.
TEST(HarnessCleanup, HungGatewayIsKilledAndNothingIsLeftRunning) {
  TempDir dir;
  const std::string marker = dir.file("hung-marker");
  const std::string profile = dir.file("hung.json");
  write_file(profile, json{{"name", "hung"}, {"transport", "stdio"},
                           {"command", {"sh", "-c", "sleep 300 & sleep 300; echo " + marker, "{servers}"}},
                           {"policy_format", "gatecrash"}, {"tool_names", "{tool}"}}
                          .dump());
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_harness(dir, {"run", "--gateway", profile, "--scenario", scenario_file("rate/concurrent-burst"),
                                     "--report", dir.file("report"), "--timeout-ms", "500"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(processes_mentioning(marker).empty()) << "the hung gateway's group outlived the run";
  EXPECT_TRUE(processes_mentioning(dir.path().string()).empty()) << "a process started for the run is still alive";
}

// SIGTERM in the middle of a scenario: exit 2 at once, every group killed and reaped.
TEST(HarnessCleanup, SigtermMidRunKillsEveryProcessGroupItStarted) {
  TempDir dir;
  const std::string scenario = dir.file("slow.json");
  write_file(scenario, R"({"id": "t/slow", "title": "a long wait", "attacks": ["R2"],
    "servers": [{"name": "p", "catalog": "prometheus"}, {"name": "c", "catalog": "cloudstack"}],
    "policy": {"version": "1", "default": "allow", "tools": {}},
    "steps": [{"do": "session", "session": "a"}, {"do": "session", "session": "b"}, {"do": "wait", "ms": 60000}]})");
  auto child = gatecrash::mcp::ChildProcess::spawn(
      {{GATECRASH_HARNESS_BIN, "run", "--scenario", scenario, "--report", dir.file("report")}, {}, dir.file("err.txt"), ""});
  child->close_stdin();
  // Wait until both sessions' gateways (and their mocks) are up.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (processes_mentioning(dir.path().string()).size() < 6 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const auto started = processes_mentioning(dir.path().string());
  ASSERT_GE(started.size(), 6u) << "expected 2 gateways and 4 mocks for the run";
  ASSERT_EQ(::kill(child->pid(), SIGTERM), 0);
  const auto status = child->wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << "gatecrash did not exit after SIGTERM";
  EXPECT_EQ(*status, 2);
  std::this_thread::sleep_for(200ms);
  for (int pid : started) EXPECT_FALSE(gatecrash::testing::process_alive(pid)) << "pid " << pid << " survived";
  EXPECT_TRUE(processes_mentioning(dir.path().string()).empty());
}

TEST(HarnessList, ListsAttacksScenariosAndProfiles) {
  TempDir dir;
  const auto attacks = run_harness(dir, {"list", "attacks"});
  EXPECT_EQ(attacks.exit_code, 0) << attacks.err;
  EXPECT_EQ(std::count(attacks.out.begin(), attacks.out.end(), '\n'), 64) << attacks.out;
  EXPECT_NE(attacks.out.find("R2\trunnable"), std::string::npos) << attacks.out;
  const auto profiles = run_harness(dir, {"list", "profiles"});
  EXPECT_EQ(profiles.exit_code, 0) << profiles.err;
  EXPECT_NE(profiles.out.find("reference\tstdio"), std::string::npos) << profiles.out;
  EXPECT_NE(profiles.out.find("passthrough"), std::string::npos) << profiles.out;
  const auto bad = run_harness(dir, {"list", "gateways"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace

namespace {

TEST(HarnessErrors, ScenarioWithABrokenPolicyIsAnErrorBeforeAnythingStarts) {
  TempDir dir;
  const std::string scenario = dir.file("bad-policy.json");
  write_file(scenario, R"({"id": "t/bad-policy", "title": "t", "attacks": ["R2"], "servers": [{"name": "p", "catalog": "prometheus"}],
    "policy": {"version": "1", "default": "deny", "tools": {"ListMetrics": {"limits": [{"window": "minute", "max": 3}]}}},
    "steps": [{"do": "call", "tool": "ListMetrics", "arguments": {}}]})");
  const auto run = run_harness(dir, {"run", "--scenario", scenario, "--report", dir.file("report")});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  const std::string error = report["scenarios"][0]["error"];
  EXPECT_EQ(error.rfind("harness.E511 " + scenario + ": /policy: the policy does not load: ", 0), 0u) << error;
  EXPECT_NE(error.find("policy.E"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
  // Nothing was started: no ledger line, no gateway stderr.
  const fs::path workdir = report["scenarios"][0]["workdir"].get<std::string>();
  EXPECT_FALSE(fs::exists(workdir / "ledger.jsonl") && fs::file_size(workdir / "ledger.jsonl") > 0);
  EXPECT_TRUE(fs::exists(workdir / "transcript.txt")) << "kept for an errored scenario";
}

// Calls sent as raw bytes carry no trace, so the ledger cannot say whose they were: they still
// fill a grant-scoped counter, and a later refusal for that full counter is correct (liveness must
// not blame the gateway). Found by gatecrash fuzz on the trackingtime and prometheus catalogs.
TEST(HarnessOracles, RawCallsOfUnknownScopeStillCountTowardsAFullCounter) {
  TempDir dir;
  const std::string scenario = dir.file("raw-fill.json");
  json steps = json::array({{{"do", "call"}, {"tool", "ListMetrics"}, {"arguments", json::object()}, {"expect", "forwarded"}}});
  for (const std::string id : {"r1", "r2"}) {
    const json call = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", "ListMetrics"}, {"arguments", json::object()}}}};
    steps.push_back({{"do", "raw"}, {"bytes", call.dump()}});
  }
  steps.push_back({{"do", "call"}, {"tool", "ListMetrics"}, {"arguments", json::object()}, {"expect", "refused"}});
  const json document = {
      {"id", "t/raw-fill"}, {"title", "t"}, {"attacks", {"R2"}}, {"servers", {{{"name", "p"}, {"catalog", "prometheus"}}}},
      {"identities", {"alice", "bob"}},
      {"policy", {{"version", "1"}, {"default", "deny"},
                  {"tools", {{"ListMetrics", {{"limits", {{{"counter", "lists"}, {"window", "minute"}, {"max", 3}, {"scope", "grant"}}}}}}}}}},
      {"steps", steps}};
  write_file(scenario, document.dump(2));
  const auto run = run_harness(dir, {"run", "--scenario", scenario, "--report", dir.file("report")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  EXPECT_EQ(report["scenarios"][0]["ledger_calls"], 3);
  EXPECT_EQ(report["scenarios"][0]["verdicts"]["refused"], 1);
  EXPECT_TRUE(report["scenarios"][0]["findings"].empty()) << report["scenarios"][0]["findings"].dump(1);
}

// A typo in a mock behaviour, at start or in a `mock` step, is the scenario's error, found by
// gatecrash-mock --check before any gateway starts, with the file and the JSON pointer.
TEST(HarnessErrors, BadMockBehavioursAreE512BeforeAnythingStarts) {
  TempDir dir;
  const std::string at_start = dir.file("bad-start.json");
  write_file(at_start, R"({"id": "t/bad-start", "title": "t", "attacks": ["S5"],
    "servers": [{"name": "p", "catalog": "prometheus", "behaviors": {"inject": "everywhere"}}],
    "policy": {"version": "1", "default": "allow", "tools": {}},
    "steps": [{"do": "call", "tool": "ListMetrics", "arguments": {}}]})");
  const std::string switched = dir.file("bad-switch.json");
  write_file(switched, R"({"id": "t/bad-switch", "title": "t", "attacks": ["S5"],
    "servers": [{"name": "p", "catalog": "prometheus", "behaviors": {"delay_ms": "1"}}],
    "policy": {"version": "1", "default": "allow", "tools": {}},
    "steps": [{"do": "call", "tool": "ListMetrics", "arguments": {}},
              {"do": "mock", "server": "p", "behaviors": {"inject": "content"}},
              {"do": "mock", "server": "p", "behaviors": {"result_bytes": "lots"}}]})");
  for (const auto& [scenario, expected] :
       {std::pair{at_start, ": /servers/0/behaviors: --behavior 'inject=everywhere': expected one of content, structured, both"},
        std::pair{switched, ": /steps/2/behaviors: --control "}}) {
    const auto run = run_harness(dir, {"run", "--scenario", scenario, "--report", dir.file("report")});
    EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
    const json report = read_json(dir.file("report/report.json"));
    const std::string error = report["scenarios"][0]["error"];
    EXPECT_EQ(error.rfind("harness.E512 " + scenario + expected, 0), 0u) << error;
    const fs::path workdir = report["scenarios"][0]["workdir"].get<std::string>();
    EXPECT_FALSE(fs::exists(workdir / "ledger.jsonl") && fs::file_size(workdir / "ledger.jsonl") > 0);
  }
  const json report = read_json(dir.file("report/report.json"));
  EXPECT_NE(report["scenarios"][0]["error"].get<std::string>().find("'result_bytes=lots': expected a whole number"),
            std::string::npos);
}

TEST(HarnessErrors, ReplayFileOfTheWrongShapeIsE441) {
  TempDir dir;
  const std::string file = dir.file("replay.json");
  for (const std::string& text : {std::string(R"({"format": 5, "scenario": {}})"), std::string(R"({"format": "gatecrash-replay/1"})"),
                                  std::string(R"({"format": "gatecrash-replay/1", "scenario": {}, "profile": 7})"),
                                  std::string("not json")}) {
    write_file(file, text);
    const auto run = run_harness(dir, {"replay", file, "--report", dir.file("report")});
    EXPECT_EQ(run.exit_code, 2) << text;
    EXPECT_NE(run.err.find("harness.E441 " + file + ": "), std::string::npos) << text << "\n" << run.err;
  }
}

}  // namespace

namespace {

// replicas: N gateway processes behind one profile, sessions spread round-robin. Two reference
// gateways sharing a counters journal must hold grant and global caps across replicas; the same
// two without the journal (each counting alone) must be caught letting 2 x max through.
TEST(HarnessReplicas, CapsAcrossTwoReplicasHoldOnlyWithSharedCounters) {
  TempDir dir;
  auto profile = [&](bool shared) {
    json command = {"{bindir}/gatecrash-gateway", "--policy", "{policy}", "--servers", "{servers}", "--listen", "127.0.0.1:{port}",
                    "--grants", "{grants}"};
    if (shared) {
      command.push_back("--counters");
      command.push_back("{workdir}/counters.jsonl");
    }
    const std::string path = dir.file(shared ? "shared.json" : "alone.json");
    write_file(path, json{{"name", shared ? "two-replicas-shared" : "two-replicas-alone"}, {"transport", "http"}, {"command", command},
                          {"url", "http://127.0.0.1:{port}/mcp"}, {"policy_format", "gatecrash"}, {"tool_names", "{tool}"},
                          {"identity", {{"header", "Authorization"}, {"value", "Bearer {token}"}}}, {"replicas", 2}}
                         .dump());
    return path;
  };
  const auto shared = run_harness(dir, {"run", "--gateway", profile(true), "--scenario", scenario_file("rate/multi-session"),
                                        "--scenario", scenario_file("rate/session-churn"), "--report", dir.file("shared"), "--seed", "2"});
  EXPECT_EQ(shared.exit_code, 0) << shared.out << shared.err;

  const auto alone = run_harness(dir, {"run", "--gateway", profile(false), "--scenario", scenario_file("rate/multi-session"),
                                       "--report", dir.file("alone"), "--seed", "2"});
  EXPECT_EQ(alone.exit_code, 1) << alone.out << alone.err;
  bool cap = false;
  for (const auto& finding : all_findings(read_json(dir.file("alone/report.json")))) cap |= finding["oracle"] == "cap";
  EXPECT_TRUE(cap) << alone.out;
}

}  // namespace

namespace {

// --time-scale: gateway, mocks and harness share one libfaketime clock running 30x, so a minute
// window refills after a scenario's 61 s wait in about two seconds of real time.
TEST(HarnessTimeScale, AMinuteWindowIsTestedInSecondsOnOneSharedClock) {
  TempDir dir;
  const std::string scenario = std::string(GATECRASH_SOURCE_DIR) + "/tests/fixtures/harness/minute-window.json";
  const auto run = run_harness(dir, {"run", "--scenario", scenario, "--report", dir.file("report"), "--time-scale", "30", "--keep"}, 90s);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json report = read_json(dir.file("report/report.json"));
  EXPECT_EQ(report["time_scale"], 30.0);
  EXPECT_EQ(report["counts"]["verdicts"]["forwarded"], 6);
  EXPECT_EQ(report["counts"]["verdicts"]["refused"], 2);
  // The mock's ledger is on the same scaled clock: its first and last calls are a scaled minute apart.
  const auto ledger = gatecrash::testing::read_json_lines(report["scenarios"][0]["workdir"].get<std::string>() + "/ledger.jsonl");
  std::int64_t first = 0, last = 0;
  for (const auto& line : ledger) {
    if (line.value("method", "") != "tools/call") continue;
    const std::int64_t t = line["t_ns"].get<std::int64_t>();
    first = first == 0 ? t : std::min(first, t);
    last = std::max(last, t);
  }
  EXPECT_GE(last - first, 60'000'000'000LL) << "the mock did not see a minute pass";
}

TEST(HarnessTimeScale, SigtermStopsTheScaledRunAndEverythingItStarted) {
  TempDir dir;
  const std::string scenario = dir.file("slow.json");
  write_file(scenario, R"({"id": "t/slow", "title": "a long wait", "attacks": ["R2"],
    "servers": [{"name": "p", "catalog": "prometheus"}],
    "policy": {"version": "1", "default": "allow", "tools": {}},
    "steps": [{"do": "session", "session": "a"}, {"do": "wait", "ms": 120000}]})");
  auto child = gatecrash::mcp::ChildProcess::spawn({{GATECRASH_HARNESS_BIN, "run", "--scenario", scenario, "--report",
                                                     dir.file("report"), "--time-scale", "2"},
                                                    {}, dir.file("err.txt"), ""});
  child->close_stdin();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (processes_mentioning(dir.path().string()).size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  const auto started = processes_mentioning(dir.path().string());
  ASSERT_GE(started.size(), 3u) << "expected the scaled harness, its gateway and its mock";
  ASSERT_EQ(::kill(child->pid(), SIGTERM), 0);
  const auto status = child->wait_exit(15s);
  ASSERT_TRUE(status.has_value()) << "gatecrash did not exit after SIGTERM";
  EXPECT_EQ(*status, 2);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(processes_mentioning(dir.path().string()).empty()) << gatecrash::testing::read_source_file_abs(dir.file("err.txt"));
}

}  // namespace

namespace {

TEST(HarnessDiff, TheSameTrafficAgainstTwoGatewaysShowsWhereTheyDecideDifferently) {
  TempDir dir;
  const auto differ = run_harness(dir, {"diff", "--gateway", kScenarios + "/profiles/reference-stdio.json", "--against",
                                        kScenarios + "/profiles/passthrough.json", "--scenario", scenario_file("rate/call-level-units"),
                                        "--report", dir.file("d1"), "--seed", "3"});
  EXPECT_EQ(differ.exit_code, 1) << differ.out << differ.err;
  EXPECT_NE(differ.out.find("refused / forwarded"), std::string::npos) << differ.out;
  const json diff = read_json(dir.file("d1/diff.json"));
  EXPECT_EQ(diff["format"], "gatecrash-diff/1");
  EXPECT_EQ(diff["differing_scenarios"], 1);
  EXPECT_TRUE(fs::exists(dir.file("d1/left/report.json")) && fs::exists(dir.file("d1/right/report.json")));

  const auto same = run_harness(dir, {"diff", "--gateway", kScenarios + "/profiles/reference-stdio.json", "--against",
                                      kScenarios + "/profiles/reference-http.json", "--scenario", scenario_file("rate/call-level-units"),
                                      "--scenario", scenario_file("authz/hidden-tools"), "--report", dir.file("d2"), "--seed", "3"});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
}

}  // namespace

namespace {

// The audit oracle: a profile that declares the reference audit format but whose gateway keeps no
// audit log is reported for every decision it did not write down.
TEST(HarnessAudit, AGatewayThatDeclaresTheAuditFormatButWritesNothingIsReported) {
  TempDir dir;
  const std::string profile = dir.file("no-audit.json");
  write_file(profile, json{{"name", "no-audit"}, {"transport", "stdio"},
                           {"command", {"{bindir}/gatecrash-gateway", "--policy", "{policy}", "--servers", "{servers}"}},
                           {"policy_format", "gatecrash"}, {"audit_format", "gatecrash"}, {"tool_names", "{tool}"},
                           {"identity", {{"env", "GATECRASH_IDENTITY"}, {"value", "{identity}"}}}}
                          .dump());
  const auto run = run_harness(dir, {"run", "--gateway", profile, "--scenario", scenario_file("rate/call-level-units"), "--report",
                                     dir.file("report"), "--seed", "4"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  std::set<std::string> summaries;
  for (const auto& finding : all_findings(read_json(dir.file("report/report.json")))) {
    EXPECT_EQ(finding["oracle"], "audit") << finding.dump();
    summaries.insert(finding["summary"].get<std::string>());
  }
  EXPECT_TRUE(summaries.count("a call that reached upstream has no audit line deciding it allow"));
  EXPECT_TRUE(summaries.count("a call refused by policy has no audit line recording the refusal"));
}

}  // namespace
