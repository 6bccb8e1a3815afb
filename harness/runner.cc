// harness/runner.cc — one scenario: launch, steps, stop everything, judge, write replay files.
#include "harness/runner.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "harness/errors.h"
#include "harness/launcher.h"
#include "harness/ledger_reader.h"
#include "harness/oracles.h"
#include "harness/scenario_context.h"
#include "harness/steps.h"
#include "mock_servers/embedded_catalogs.h"
#include "policy/load.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

std::set<std::string> upstream_tools(const Scenario& scenario) {
  std::set<std::string> names;
  for (const auto& server : scenario.servers) {
    auto catalog = nlohmann::json::parse(mock::embedded_catalog_text(server.catalog), nullptr, false);
    if (!catalog.is_object()) continue;
    for (const auto& tool : catalog.value("tools", nlohmann::json::array())) names.insert(tool.value("name", ""));
  }
  return names;
}

// Every tool of a mock told to change definitions mid-run: a correct gateway refuses them after
// the change, which the policy alone cannot predict.
std::set<std::string> rug_pulled_tools(const Scenario& scenario) {
  std::set<std::string> names;
  for (const auto& server : scenario.servers) {
    bool pulls = server.behaviors.contains("rug_pull_after");
    for (const Step* step : mock_steps_of(scenario, server.name)) {  // or a switch turns one on
      pulls = pulls || step->spec["behaviors"].contains("rug_pull_after");
    }
    if (!pulls) continue;
    Scenario one = scenario;
    one.servers = {server};
    auto tools = upstream_tools(one);
    names.insert(tools.begin(), tools.end());
  }
  return names;
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

nlohmann::json replay_document(const Scenario& scenario, const RunOptions& options, const Finding& finding) {
  nlohmann::json scenario_document = scenario.document;
  // A policy file is named by its absolute path (so the replay works from any directory); an
  // inline policy is already in the document.
  if (!scenario.policy_path.empty()) scenario_document["policy"] = fs::absolute(scenario.policy_path).string();
  return {{"format", "gatecrash-replay/1"},
          {"scenario", scenario_document},
          {"scenario_file", scenario.file},
          {"seed", options.seed},
          {"time_scale", options.time_scale},
          {"profile", fs::absolute(options.profile.file).string()},
          {"policy_override", options.policy_override.empty() ? "" : fs::absolute(options.policy_override).string()},
          {"finding", {{"attack", finding.attack}, {"oracle", finding.oracle}, {"summary", finding.summary}, {"evidence", finding.evidence}}}};
}

ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options, const std::string& workdir) {
  ScenarioResult result;
  result.id = scenario.id;
  result.title = scenario.title;
  result.file = scenario.file;
  result.attacks = scenario.attacks;
  result.workdir = workdir;
  const auto started = Clock::now();
  auto finish = [&](ScenarioResult& done) -> ScenarioResult& {
    done.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    return done;
  };
  Transcript transcript;
  // Written on every path: an errored scenario's run directory is kept, and what was said before
  // the error is what a person needs to see.
  auto write_transcript = [&] {
    std::ofstream transcript_file(fs::path(workdir) / "transcript.txt");
    for (const auto& line : transcript.lines()) transcript_file << line << "\n";
  };
  try {
    Scenario effective = scenario;
    if (!options.policy_override.empty()) {
      effective.inline_policy = nullptr;
      effective.policy_path = fs::absolute(options.policy_override).string();
    }
    LaunchSettings settings{options.bindir, workdir, options.seed, options.request_timeout};
    Launcher launcher(options.profile, effective, settings);
    // The policy is written and judged loadable before any process starts.
    launcher.write_policy();
    auto loaded = policy::load_policy_file(launcher.policy_path());
    if (!loaded.ok()) {
      std::string errors = loaded.error_text();
      for (char& c : errors) c = c == '\n' ? ';' : c;
      while (!errors.empty() && (errors.back() == ';' || errors.back() == ' ')) errors.pop_back();
      throw HarnessError("harness.E511", (effective.inline_policy.is_null() ? effective.policy_path : effective.file) +
                                             ": /policy: the policy does not load: " + errors);
    }
    launcher.check_mock_behaviors();
    launcher.start();
    bool survived = true;
    std::string exit_text;
    {
      ScenarioContext context(effective, options.profile, launcher, transcript,
                              EngineSettings{options.seed, options.request_timeout});
      for (std::size_t i = 0; i < effective.steps.size(); ++i) {
        context.set_current_step(static_cast<int>(i));
        find_step_kind(effective.steps[i].kind)->run(context, effective.steps[i]);
      }
      context.report_dead_sessions();
      survived = launcher.gateway_alive();
      if (!survived) exit_text = "an HTTP gateway replica exited";
      context.close_all();
    }
    launcher.stop();
    if (options.on_transcript) options.on_transcript(transcript);
    // The ledger is complete only now: mocks ledger unanswered calls when their session ends.
    auto ledger = read_ledger(launcher.ledger_path());
    OracleInput input{effective, *loaded.policy, transcript, ledger, upstream_tools(effective), rug_pulled_tools(effective),
                      survived, exit_text, options.time_scale};
    input.judge_scenario_expectations = options.policy_override.empty();
    // The audit oracle reads {workdir}/audit.jsonl when the profile says the gateway writes the
    // reference audit format there (a missing file is an empty log: every decision is missing).
    std::vector<std::string> audit_lines;
    if (options.profile.audit_format == "gatecrash") {
      std::ifstream audit(fs::path(workdir) / "audit.jsonl");
      for (std::string line; std::getline(audit, line);) {
        if (!line.empty()) audit_lines.push_back(line);
      }
      input.audit_lines = &audit_lines;
    }
    judge_scenario(input, result);
    write_transcript();
    result.status = result.findings.empty() ? "pass" : "fail";
  } catch (const HarnessError& error) {
    result.status = "error";
    result.error = error.what();
    write_transcript();
  } catch (const std::exception& error) {
    result.status = "error";
    result.error = std::string("harness.E599 unexpected error: ") + error.what();
    write_transcript();
  }
  return finish(result);
}

RunResult run_suite(const RunOptions& options) {
  RunResult run;
  run.gatecrash_version = "0.1.0";
  run.profile_name = options.profile.name;
  run.profile_file = options.profile.file;
  run.seed = options.seed;
  run.time_scale = options.time_scale;
  run.started_at = now_rfc3339();
  const auto started = Clock::now();
  fs::create_directories(options.report_dir);
  std::size_t index = 0;
  for (const auto& file : options.scenario_files) {
    ++index;
    ScenarioResult result;
    Scenario scenario;
    try {
      scenario = load_scenario(file, options.scenarios_dir);
    } catch (const HarnessError& error) {
      result.id = file;
      result.file = file;
      result.status = "error";
      result.error = error.what();
    }
    if (result.status.empty()) {
      if (scenario.status == "not-yet") continue;
      const std::string workdir = (fs::path(options.report_dir) / "runs" / slug(scenario.id)).string();
      fs::remove_all(workdir);
      result = run_scenario(scenario, options, workdir);
      int number = 0;
      for (auto& finding : result.findings) {
        const fs::path replay = fs::path(options.report_dir) / "findings" /
                                (slug(finding.attack) + "-" + slug(scenario.id) + "-" + std::to_string(++number) + ".json");
        fs::create_directories(replay.parent_path());
        std::ofstream(replay) << replay_document(scenario, options, finding).dump(2) << "\n";
        finding.replay_file = replay.string();
        finding.replay_command = "gatecrash replay " + replay.string();
      }
      if (result.status == "pass" && !options.keep_workdirs) {
        fs::remove_all(workdir);
        result.workdir.clear();
      }
    }
    if (options.on_scenario_done) options.on_scenario_done(result, index, options.scenario_files.size());
    run.scenarios.push_back(std::move(result));
  }
  run.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return run;
}

}  // namespace gatecrash::harness
