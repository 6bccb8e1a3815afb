// harness/main.cc — the gatecrash command line: run, replay, list (contracts.md §6).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "harness/attack_database.h"
#include "harness/errors.h"
#include "harness/process_registry.h"
#include "harness/runner.h"
#include "reports/console_report.h"
#include "reports/json_report.h"
#include "reports/junit_report.h"

namespace fs = std::filesystem;
using namespace gatecrash;

namespace {

std::string own_directory() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::current_path().string() : exe.parent_path().string();
}

// Where the scenarios live: --scenarios, $GATECRASH_SCENARIOS, an installed share directory, or
// the source tree this binary was built from.
std::string find_scenarios_dir(const std::string& flag) {
  if (!flag.empty()) return fs::absolute(flag).string();
  if (const char* env = std::getenv("GATECRASH_SCENARIOS"); env != nullptr && *env != '\0') return fs::absolute(env).string();
  const fs::path installed = fs::path(own_directory()) / ".." / "share" / "gatecrash" / "scenarios";
  if (fs::exists(installed / "profiles")) return fs::canonical(installed).string();
  return GATECRASH_SOURCE_SCENARIOS_DIR;
}

struct CommonFlags {
  std::string gateway;
  std::string scenarios_dir;
  std::string report_dir;
  std::string junit;
  std::string json;
  std::string policy;
  std::uint64_t seed = 0;
  bool seed_given = false;
  double time_scale = 1.0;
  bool time_scale_given = false;
  int jobs = 1;
  int timeout_ms = 10'000;
  bool keep = false;
  bool color = false;
};

int execute(harness::RunOptions options, const CommonFlags& flags) {
  const bool color = flags.color || (::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
  reports::ConsoleOptions console{color};
  std::cout << "gatecrash: profile " << options.profile.name << " (" << options.profile.file << "), "
            << options.scenario_files.size() << " scenario file(s), seed " << options.seed << ", report " << options.report_dir
            << std::endl;
  options.on_scenario_done = [&](const harness::ScenarioResult& result, std::size_t index, std::size_t total) {
    reports::write_progress(std::cout, result, static_cast<int>(index), static_cast<int>(total), console);
    std::cout << std::flush;
  };
  harness::RunResult run = harness::run_suite(options);
  std::cout << "\n";
  reports::write_console_report(std::cout, run, console);
  const std::string json_path = flags.json.empty() ? (fs::path(options.report_dir) / "report.json").string() : flags.json;
  reports::write_json_report(run, json_path);
  if (!flags.junit.empty()) reports::write_junit_report(run, flags.junit);
  std::cout << "report: " << json_path << std::endl;
  return run.exit_code();
}

harness::RunOptions base_options(const CommonFlags& flags, const std::string& scenarios_dir) {
  harness::RunOptions options;
  options.scenarios_dir = scenarios_dir;
  const std::string profile = flags.gateway.empty() ? (fs::path(scenarios_dir) / "profiles" / "reference-stdio.json").string()
                                                    : flags.gateway;
  options.profile = harness::load_profile(profile);
  options.bindir = own_directory();
  options.seed = flags.seed;
  if (!flags.seed_given) {
    options.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1'000'000'007ULL;
  }
  options.time_scale = flags.time_scale;
  options.request_timeout = std::chrono::milliseconds(flags.timeout_ms);
  options.keep_workdirs = flags.keep;
  options.policy_override = flags.policy;
  options.report_dir = flags.report_dir;
  if (options.report_dir.empty()) {
    options.report_dir = (fs::temp_directory_path() / ("gatecrash-" + std::to_string(::getpid()))).string();
  }
  options.report_dir = fs::absolute(options.report_dir).string();
  return options;
}

void add_run_flags(CLI::App& command, CommonFlags& flags) {
  command.add_option("--gateway", flags.gateway, "gateway profile (default: scenarios/profiles/reference-stdio.json)");
  command.add_option("--scenarios", flags.scenarios_dir, "scenarios directory (default: the bundled one)");
  command.add_option("--report", flags.report_dir, "report directory: run directories, findings/, report.json");
  command.add_option("--junit", flags.junit, "also write JUnit XML here");
  command.add_option("--json", flags.json, "write the JSON report here (default: <report>/report.json)");
  command.add_option("--policy", flags.policy, "use this policy for every scenario");
  command.add_option("--seed", flags.seed, "seed (printed and stored in every report)")->each([&](const std::string&) { flags.seed_given = true; });
  command.add_option("--time-scale", flags.time_scale, "divide waits by this factor")
      ->check(CLI::Range(0.001, 1000.0))
      ->each([&](const std::string&) { flags.time_scale_given = true; });
  command.add_option("-j,--jobs", flags.jobs, "scenarios in parallel (only 1 is implemented yet)")->check(CLI::Range(1, 64));
  command.add_option("--timeout-ms", flags.timeout_ms, "bound of every wait for an answer")->check(CLI::Range(100, 600'000));
  command.add_flag("--keep", flags.keep, "keep the run directories of passing scenarios too");
  command.add_flag("--color", flags.color, "colour the PASS/FAIL words even when not on a terminal");
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  harness::install_termination_handler();
  harness::become_subreaper();

  CLI::App app{"gatecrash: attack-pattern test harness and fuzzer for MCP gateways"};
  app.require_subcommand(0, 1);
  CommonFlags flags;
  std::vector<std::string> scenario_files;
  std::string suite;
  auto* run = app.add_subcommand("run", "run scenarios against a gateway and judge it from the ledger");
  add_run_flags(*run, flags);
  run->add_option("--scenario", scenario_files, "scenario file(s) instead of the suite");
  run->add_option("--suite", suite, "a scenario category (rate, authz, malformed, protocol, server, exhaustion) or default");

  std::string replay_file;
  auto* replay = app.add_subcommand("replay", "re-run the scenario of a finding's replay file");
  replay->add_option("finding", replay_file, "replay file written for a finding")->required();
  add_run_flags(*replay, flags);

  std::string what;
  auto* list = app.add_subcommand("list", "list attacks, scenarios or profiles");
  list->add_option("what", what, "attacks | scenarios | profiles")->required()->check(CLI::IsMember({"attacks", "scenarios", "profiles"}));
  list->add_option("--scenarios", flags.scenarios_dir, "scenarios directory");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  try {
    const std::string scenarios_dir = find_scenarios_dir(flags.scenarios_dir);
    if (*list) {
      if (what == "attacks") {
        for (const auto& pattern : harness::load_attack_database((fs::path(scenarios_dir) / "attacks").string()).patterns) {
          std::cout << pattern.id << "\t" << harness::to_string(pattern.status) << "\t" << harness::to_string(pattern.category) << "\t"
                    << pattern.title << "\n";
        }
      } else if (what == "scenarios") {
        for (const auto& file : harness::find_scenario_files(scenarios_dir)) {
          auto scenario = harness::load_scenario(file, scenarios_dir);
          std::cout << scenario.id << "\t" << scenario.status << "\t";
          for (const auto& attack : scenario.attacks) std::cout << attack << " ";
          std::cout << "\t" << scenario.title << "\n";
        }
      } else {
        std::vector<fs::path> files;  // profiles are the .json files; others there are their helpers
        for (const auto& entry : fs::directory_iterator(fs::path(scenarios_dir) / "profiles")) {
          if (entry.path().extension() == ".json") files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
          auto profile = harness::load_profile(file.string());
          std::cout << profile.name << "\t" << profile.transport << "\t" << file.string() << "\n";
        }
      }
      return 0;
    }
    if (*replay) {
      std::ifstream in(replay_file);
      if (!in) throw harness::HarnessError("harness.E440", replay_file + ": cannot read the replay file");
      nlohmann::json document = nlohmann::json::parse(in, nullptr, false);
      auto text_member = [&](const char* key) -> std::string {
        if (!document.contains(key)) return "";
        if (!document[key].is_string()) {
          throw harness::HarnessError("harness.E441", replay_file + ": /" + key + " must be a string");
        }
        return document[key].get<std::string>();
      };
      if (!document.is_object() || !document.contains("format") || !document["format"].is_string() ||
          document["format"] != "gatecrash-replay/1" || !document.contains("scenario") || !document["scenario"].is_object()) {
        throw harness::HarnessError("harness.E441", replay_file + ": not a gatecrash-replay/1 file (needs \"format\": "
                                                                  "\"gatecrash-replay/1\" and a \"scenario\" object)");
      }
      if (document.contains("finding") && !document["finding"].is_object()) {
        throw harness::HarnessError("harness.E441", replay_file + ": /finding must be an object");
      }
      if (!flags.seed_given && document.contains("seed") && document["seed"].is_number_unsigned()) {
        flags.seed = document["seed"].get<std::uint64_t>();
        flags.seed_given = true;
      }
      if (flags.gateway.empty()) flags.gateway = text_member("profile");
      if (flags.policy.empty()) flags.policy = text_member("policy_override");
      if (!flags.time_scale_given && document.contains("time_scale") && document["time_scale"].is_number()) {
        flags.time_scale = document["time_scale"].get<double>();
      }
      harness::RunOptions options = base_options(flags, scenarios_dir);
      fs::create_directories(options.report_dir);
      const std::string scenario_path = (fs::path(options.report_dir) / "replayed-scenario.json").string();
      std::ofstream(scenario_path) << document["scenario"].dump(2) << "\n";
      options.scenario_files = {scenario_path};
      const nlohmann::json finding = document.value("finding", nlohmann::json::object());
      const auto summary = finding.find("summary");
      std::cout << "replaying: " << (summary != finding.end() && summary->is_string() ? summary->get<std::string>() : replay_file)
                << std::endl;
      return execute(options, flags);
    }
    // run (also the default with no subcommand)
    harness::RunOptions options = base_options(flags, scenarios_dir);
    if (!scenario_files.empty()) {
      options.scenario_files = scenario_files;
    } else {
      for (const auto& file : harness::find_scenario_files(scenarios_dir)) {
        const std::string relative = fs::relative(file, scenarios_dir).string();
        if (suite.empty() || suite == "default" || relative.rfind(suite + "/", 0) == 0) options.scenario_files.push_back(file);
      }
      if (options.scenario_files.empty()) {
        throw harness::HarnessError("harness.E442", "no scenarios found in " + scenarios_dir + (suite.empty() ? "" : " for suite " + suite));
      }
    }
    return execute(options, flags);
  } catch (const harness::HarnessError& error) {
    std::cerr << "gatecrash: " << error.what() << std::endl;
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "gatecrash: harness.E599 " << error.what() << std::endl;
    return 2;
  }
}
