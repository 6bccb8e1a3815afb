// harness/main.cc — the gatecrash command line: run, replay, diff, list, audit, suggest
// (contracts.md §6).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>
#include <thread>

#include "audit/audit_html.h"
#include "audit/audit_report.h"
#include "audit/audited_policy.h"
#include "audit/dynamic_report.h"
#include "audit/errors.h"
#include "audit/suggest.h"
#include "audit/tool_source.h"
#include "harness/server_listing.h"
#include "harness/attack_database.h"
#include "harness/diff.h"
#include "harness/errors.h"
#include "harness/fuzz_campaign.h"
#include "harness/policy_trial.h"
#include "harness/process_registry.h"
#include "harness/runner.h"
#include "mcp/child_process.h"
#include "reports/console_report.h"
#include "reports/html_report.h"
#include "reports/json_report.h"
#include "reports/safe_text.h"
#include "reports/junit_report.h"
#include "reports/sarif_report.h"

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
  std::string html;
  std::string sarif;
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

// The attack database beside the scenarios, for the HTML report's matrix. A run does not need it:
// without one (or with a broken one, said on stderr) the matrix lists the attacks the run named.
std::vector<harness::AttackInfo> attack_infos(const std::string& scenarios_dir) {
  const fs::path directory = fs::path(scenarios_dir) / "attacks";
  std::vector<harness::AttackInfo> infos;
  if (!fs::is_directory(directory)) return infos;
  try {
    for (const auto& pattern : harness::load_attack_database(directory.string()).patterns) {
      infos.push_back({pattern.id, pattern.title, std::string(harness::to_string(pattern.category)),
                       std::string(harness::to_string(pattern.severity)), pattern.runnable(), pattern.reason});
    }
  } catch (const harness::HarnessError& error) {
    std::cerr << "gatecrash: the HTML report's attack matrix lists only this run's attacks: " << error.what() << std::endl;
    infos.clear();
  }
  return infos;
}

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
  run.attack_database = attack_infos(options.scenarios_dir);
  std::cout << "\n";
  reports::write_console_report(std::cout, run, console);
  const std::string json_path = flags.json.empty() ? (fs::path(options.report_dir) / "report.json").string() : flags.json;
  reports::write_json_report(run, json_path);
  if (!flags.junit.empty()) reports::write_junit_report(run, flags.junit);
  if (!flags.sarif.empty()) reports::write_sarif_report(run, flags.sarif);
  const std::string html_path = flags.html.empty() ? (fs::path(options.report_dir) / "report.html").string() : flags.html;
  reports::write_html_report(run, html_path);
  std::cout << "html: " << html_path << "\n";
  std::cout << "report: " << json_path << std::endl;
  return run.exit_code();
}

// --time-scale X: the run happens in a child `gatecrash` started under libfaketime's `faketime -f
// "+0 xX"`, so the harness, the gateway and every mock share one clock running X times fast
// (children of one faketime wrapper share its clock) and minute windows pass in seconds. The
// wrapper does not forward signals, so this process stays outside it: it relays the child's
// output, and on SIGINT/SIGTERM its handler sends SIGTERM to the child's group (which stops its own
// gateways), then kills what is left.
constexpr const char* kScaledClockEnv = "GATECRASH_SCALED_CLOCK";

bool clock_is_scaled() { return std::getenv(kScaledClockEnv) != nullptr; }

// Whether `program` is an executable file in a $PATH directory.
bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty() && ::access((std::string(dir) + "/" + program).c_str(), X_OK) == 0) return true;
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return false;
}

int run_under_scaled_clock(const std::vector<std::string>& args, double scale) {
  if (!on_path("faketime")) {
    throw harness::HarnessError("harness.E443", "--time-scale needs libfaketime's faketime command (Debian package faketime; scripts/setup.sh installs it)");
  }
  char factor[32];
  std::snprintf(factor, sizeof factor, "+0 x%g", scale);
  mcp::ChildOptions options;
  options.argv = {"faketime", "-f", factor, (fs::path(own_directory()) / "gatecrash").string()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env[kScaledClockEnv] = factor;
  auto spawning = harness::hold_while_spawning();
  auto child = mcp::ChildProcess::spawn(options);
  harness::register_group(child->pid());
  spawning.unlock();
  child->close_stdin();
  while (!child->at_eof()) {
    if (auto line = child->read_line(std::chrono::milliseconds(1000))) std::cout << *line << "\n" << std::flush;
  }
  const auto status = child->wait_exit(std::chrono::milliseconds(10'000));
  // A signal stopped us: the handler thread exits with 2 once everything is down.
  while (harness::stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  harness::unregister_group(child->pid());
  return status && *status >= 0 && *status <= 2 ? *status : 2;
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
  if (clock_is_scaled()) {
    // Every wait below is read on the scaled clock: stretch the bounds so they stay the same in
    // real time (a gateway is not faster because its clock is).
    options.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(flags.timeout_ms * flags.time_scale));
    options.profile.startup_timeout_ms = static_cast<int>(std::min(600'000.0 * flags.time_scale, options.profile.startup_timeout_ms * flags.time_scale));
  }
  options.keep_workdirs = flags.keep;
  options.policy_override = flags.policy;
  options.report_dir = flags.report_dir;
  if (options.report_dir.empty()) {
    options.report_dir = (fs::temp_directory_path() / ("gatecrash-" + std::to_string(::getpid()))).string();
  }
  options.report_dir = fs::absolute(options.report_dir).string();
  return options;
}

// The scenario files of a suite (a category directory, or every one for "" and "default").
std::vector<std::string> suite_files(const std::string& scenarios_dir, const std::string& suite) {
  std::vector<std::string> files;
  for (const auto& file : harness::find_scenario_files(scenarios_dir)) {
    const std::string relative = fs::relative(file, scenarios_dir).string();
    if (suite.empty() || suite == "default" || relative.rfind(suite + "/", 0) == 0) files.push_back(file);
  }
  if (files.empty()) {
    throw harness::HarnessError("harness.E442", "no scenarios found in " + scenarios_dir + (suite.empty() ? "" : " for suite " + suite));
  }
  return files;
}

void add_run_flags(CLI::App& command, CommonFlags& flags) {
  command.add_option("--gateway", flags.gateway, "gateway profile (default: scenarios/profiles/reference-stdio.json)");
  command.add_option("--scenarios", flags.scenarios_dir, "scenarios directory (default: the bundled one)");
  command.add_option("--report", flags.report_dir, "report directory: run directories, findings/, report.json");
  command.add_option("--junit", flags.junit, "also write JUnit XML here");
  command.add_option("--sarif", flags.sarif, "also write SARIF 2.1.0 here");
  command.add_option("--html", flags.html, "write the HTML report here (default: <report>/report.html)");
  command.add_option("--json", flags.json, "write the JSON report here (default: <report>/report.json)");
  command.add_option("--policy", flags.policy, "use this policy for every scenario");
  command.add_option("--seed", flags.seed, "seed (printed and stored in every report)")->each([&](const std::string&) { flags.seed_given = true; });
  command.add_option("--time-scale", flags.time_scale, "run on a shared libfaketime clock X times faster (minute windows in seconds)")
      ->check(CLI::Range(0.001, 1000.0))
      ->each([&](const std::string&) { flags.time_scale_given = true; });
  command.add_option("-j,--jobs", flags.jobs, "scenarios in parallel (only 1 is implemented yet)")->check(CLI::Range(1, 64));
  command.add_option("--timeout-ms", flags.timeout_ms, "bound of every wait for an answer")->check(CLI::Range(100, 600'000));
  command.add_flag("--keep", flags.keep, "keep the run directories of passing scenarios too");
  command.add_flag("--color", flags.color, "colour the PASS/FAIL words even when not on a terminal");
}

// Where audit and suggest take the server's tools from: exactly one of --server, --tools and
// --command.
struct ToolSourceFlags {
  std::string server;
  std::string tools_file;
  std::string command;
  int timeout_ms = 10'000;
};

struct AuditFlags {
  std::string policy;
  ToolSourceFlags tools;
  std::string json;
  std::string html;
  std::string fail_on = "high";
  bool dynamic = false;
  CommonFlags run;  // --gateway, --scenarios, --report, --seed, --keep for --dynamic
};

void add_tool_source_flags(CLI::App& command, ToolSourceFlags& flags) {
  auto* source = command.add_option_group("tool source", "where the server's tools come from (exactly one)");
  source->add_option("--server", flags.server, "a bundled catalog: prometheus, cloudstack, trackingtime, prospectio or mock-mcp");
  source->add_option("--tools", flags.tools_file, "a saved tools/list result: {\"tools\": [...]} or a JSON-RPC response holding one");
  source->add_option("--command", flags.command,
                     "start this MCP server (one shell command line, run by /bin/sh -c, over stdio), list its tools, stop it");
  source->require_option(1);
  command.add_option("--timeout-ms", flags.timeout_ms, "with --command: bound of each wait for the server's answer")
      ->check(CLI::Range(100, 600'000));
}

audit::ToolList load_tools(const ToolSourceFlags& flags) {
  if (!flags.command.empty()) {
    return audit::tools_from_document(
        harness::list_server_tools(flags.command, std::chrono::milliseconds(flags.timeout_ms)),
        "--command '" + flags.command + "'");
  }
  return flags.server.empty() ? audit::tools_from_file(flags.tools_file) : audit::tools_from_catalog(flags.server);
}

// gatecrash audit (docs/audit.md): exit 0 when no finding is at --fail-on or worse, 1 when one is;
// bad input throws audit::AuditError (exit 2).
int run_audit(const AuditFlags& flags) {
  if (flags.dynamic && flags.tools.server.empty()) {
    throw audit::AuditError(audit::error_id::kDynamicNeedsCatalog, "--dynamic: needs --server CATALOG (the scenarios drive the bundled mock servers)");
  }
  const audit::AuditedPolicy policy = audit::load_audited_policy(flags.policy);
  const audit::AuditReport report = audit::build_report(policy, load_tools(flags.tools));
  const audit::Severity fail_on = audit::parse_severity(flags.fail_on).value_or(audit::Severity::high);
  audit::write_text_report(std::cout, report, fail_on);
  std::optional<audit::DynamicAudit> dynamic;
  std::map<std::string, std::string> attack_titles;
  if (flags.dynamic) {
    const std::string scenarios_dir = find_scenarios_dir(flags.run.scenarios_dir);
    CommonFlags run_flags = flags.run;
    if (run_flags.report_dir.empty()) {
      run_flags.report_dir = (fs::temp_directory_path() / ("gatecrash-audit-" + std::to_string(::getpid()))).string();
    }
    if (!run_flags.seed_given) {  // both runs of every scenario share one seed
      run_flags.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1'000'000'007ULL;
      run_flags.seed_given = true;
    }
    const harness::RunOptions options = base_options(run_flags, scenarios_dir);
    CommonFlags reference_flags = run_flags;
    reference_flags.gateway.clear();  // the scenarios' own policies run on the reference gateway
    const harness::RunOptions reference = base_options(reference_flags, scenarios_dir);
    std::cout << std::flush;
    dynamic = harness::trial_policy(reference, options, flags.tools.server, flags.policy,
                                    [](const std::string& line) { std::cout << line << std::endl; });
    audit::write_dynamic_text(std::cout, *dynamic);
    for (const auto& info : attack_infos(scenarios_dir)) attack_titles[info.id] = info.title;
  } else {
    try {
      for (const auto& info : attack_infos(find_scenarios_dir(flags.run.scenarios_dir))) attack_titles[info.id] = info.title;
    } catch (const harness::HarnessError&) {
      // Titles are a nicety of the HTML page: an audit needs no scenarios directory.
    }
  }
  if (!flags.json.empty()) {
    auto document = audit::to_json(report, fail_on);
    if (dynamic) document["dynamic"] = audit::dynamic_to_json(*dynamic);
    audit::write_output_file(flags.json, document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
  if (!flags.html.empty()) {
    audit::write_output_file(flags.html, audit::audit_html_text(report, fail_on, dynamic ? &*dynamic : nullptr, attack_titles));
    std::cout << "html: " << flags.html << std::endl;
  }
  if (dynamic && dynamic->errors() > 0) return 2;
  return report.fails(fail_on) || (dynamic && dynamic->not_stopped() > 0) ? 1 : 0;
}

struct FuzzFlags {
  CommonFlags run;
  std::string catalog = "cloudstack";
  std::string policy;
  double seconds = 60;
  std::uint64_t runs = 0;
  int steps = 256;
  bool keep_going = false;
  int jobs = 0;  // 0: two per core, at most 8 (default_fuzz_jobs)
  FuzzFlags() { run.timeout_ms = 2000; }
};

// Two cases per core: a case spends much of its time with its three processes (harness, gateway,
// mock) waiting on each other's pipes, so one per core left a third of the CPU idle (docs/fuzzing.md,
// "Speed"). At most 8, so that a big machine does not start dozens of gateways by default.
int default_fuzz_jobs() {
  return static_cast<int>(std::clamp(2 * std::thread::hardware_concurrency(), 1u, 8u));
}

// gatecrash fuzz (docs/fuzzing.md): exit 0 no finding, 1 findings, 2 a case could not run.
int run_fuzz_command(FuzzFlags flags) {
  if (!flags.run.seed_given) {
    flags.run.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1'000'000'007ULL;
  }
  harness::FuzzOptions options;
  options.run = base_options(flags.run, find_scenarios_dir(flags.run.scenarios_dir));
  options.catalog = flags.catalog;
  options.policy_file = flags.policy;
  options.seconds = flags.seconds;
  options.max_cases = flags.runs;
  options.steps_per_case = flags.steps;
  options.keep_going = flags.keep_going;
  options.jobs = flags.jobs > 0 ? flags.jobs : default_fuzz_jobs();
  options.print = [](const std::string& line) { std::cout << reports::one_line(line) << std::endl; };
  const harness::FuzzStats stats = harness::run_fuzz(options);
  std::cout << harness::fuzz_summary_line(stats, options) << std::endl;
  if (stats.errors > 0) return 2;
  return stats.findings.empty() ? 0 : 1;
}

// gatecrash suggest (docs/audit.md): the policy on stdout, or in --out.
int run_suggest(const ToolSourceFlags& flags, const std::string& out) {
  const audit::ToolList tools = load_tools(flags);
  const std::string text = audit::suggest_policy(audit::classify_tools(tools.tools), tools.source)
                               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (out.empty()) {
    std::cout << text;
  } else {
    audit::write_output_file(out, text);
  }
  return 0;
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
  std::string against;
  std::vector<std::string> diff_scenarios;
  std::string diff_suite;
  auto* diff = app.add_subcommand("diff", "run the same traffic against two gateways and compare their decisions");
  add_run_flags(*diff, flags);
  diff->add_option("--against", against, "the second gateway profile (the first is --gateway)")->required();
  diff->add_option("--scenario", diff_scenarios, "scenario file(s) instead of the suite");
  diff->add_option("--suite", diff_suite, "a scenario category, or default");

  auto* list = app.add_subcommand("list", "list attacks, scenarios or profiles");
  list->add_option("what", what, "attacks | scenarios | profiles")->required()->check(CLI::IsMember({"attacks", "scenarios", "profiles"}));
  list->add_option("--scenarios", flags.scenarios_dir, "scenarios directory");

  AuditFlags audit_flags;
  auto* audit_command = app.add_subcommand("audit", "check a policy against a server's tools, statically (docs/audit.md)");
  audit_command->add_option("policy", audit_flags.policy, "policy file: .json (native) or .yaml/.yml (Intercept)")->required();
  add_tool_source_flags(*audit_command, audit_flags.tools);
  audit_command->add_option("--json", audit_flags.json, "also write the findings here as JSON (gatecrash-audit/1)");
  audit_command->add_option("--html", audit_flags.html, "also write the audit as one self-contained HTML page");
  audit_command->add_flag("--dynamic", audit_flags.dynamic,
                          "also run the scenarios of the --server catalog with this policy and with their own, and report per attack "
                          "whether this policy stopped it");
  audit_command->add_option("--gateway", audit_flags.run.gateway, "with --dynamic: the gateway profile (default: the reference gateway)");
  audit_command->add_option("--scenarios", audit_flags.run.scenarios_dir, "with --dynamic: scenarios directory (default: the bundled one)");
  audit_command->add_option("--report", audit_flags.run.report_dir, "with --dynamic: where the runs' directories go");
  audit_command->add_option("--seed", audit_flags.run.seed, "with --dynamic: seed of both runs of every scenario")
      ->each([&](const std::string&) { audit_flags.run.seed_given = true; });
  audit_command->add_flag("--keep", audit_flags.run.keep, "with --dynamic: keep the run directories of passing scenarios too");
  audit_command->add_option("--fail-on", audit_flags.fail_on, "exit 1 when a finding is this severe or worse (default high)")
      ->check(CLI::IsMember({"critical", "high", "medium", "low"}));

  FuzzFlags fuzz_flags;
  auto* fuzz_command = app.add_subcommand("fuzz", "fuzz a gateway with generated MCP traffic, judged by the oracles (docs/fuzzing.md)");
  fuzz_command->add_option("--gateway", fuzz_flags.run.gateway, "gateway profile (default: scenarios/profiles/reference-stdio.json)");
  fuzz_command->add_option("--server", fuzz_flags.catalog, "the mock catalog behind the gateway (default cloudstack)");
  fuzz_command->add_option("--policy", fuzz_flags.policy, "the policy (default: scenarios/policies/<catalog>.json)");
  fuzz_command->add_option("--scenarios", fuzz_flags.run.scenarios_dir, "scenarios directory (default: the bundled one)");
  fuzz_command->add_option("--report", fuzz_flags.run.report_dir, "where run directories of failing cases and findings/ go");
  fuzz_command->add_option("--seed", fuzz_flags.run.seed, "seed: the same seed generates the same cases")
      ->each([&](const std::string&) { fuzz_flags.run.seed_given = true; });
  fuzz_command->add_option("--seconds", fuzz_flags.seconds, "start no case after this many seconds (default 60)")->check(CLI::Range(0.0, 86400.0));
  fuzz_command->add_option("--runs", fuzz_flags.runs, "at most this many cases (default: no bound but --seconds)");
  fuzz_command->add_option("--steps", fuzz_flags.steps, "steps per case (default 256)")->check(CLI::Range(1, 4096));
  fuzz_command->add_option("--timeout-ms", fuzz_flags.run.timeout_ms, "bound of every wait for an answer (default 2000)")
      ->check(CLI::Range(100, 600'000));
  fuzz_command->add_flag("--keep-going", fuzz_flags.keep_going, "do not stop at the first case with a finding");
  fuzz_command->add_option("--jobs", fuzz_flags.jobs, "cases run at once, each with its own gateway and mocks (default: two per core, at most 8)")
      ->check(CLI::Range(1, 64));
  fuzz_command->add_flag("--keep", fuzz_flags.run.keep, "keep the run directories of passing cases too");

  ToolSourceFlags suggest_tools;
  std::string suggest_out;
  auto* suggest_command = app.add_subcommand("suggest", "print a starting policy for a server's tools (docs/audit.md)");
  add_tool_source_flags(*suggest_command, suggest_tools);
  suggest_command->add_option("--out", suggest_out, "write the policy here instead of to stdout");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  try {
    if (*audit_command) return run_audit(audit_flags);
    if (*suggest_command) return run_suggest(suggest_tools, suggest_out);
    if (*fuzz_command) return run_fuzz_command(fuzz_flags);
    if ((*run || *replay || *diff || app.get_subcommands().empty()) && flags.time_scale != 1.0 && !clock_is_scaled()) {
      return run_under_scaled_clock(std::vector<std::string>(argv + 1, argv + argc), flags.time_scale);
    }
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
    if (*diff) {
      // Same scenario files, same seed, one run per profile: the traffic is the same on both sides.
      if (!flags.seed_given) {
        flags.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1'000'000'007ULL;
        flags.seed_given = true;
      }
      harness::RunOptions left = base_options(flags, scenarios_dir);
      left.scenario_files = diff_scenarios.empty() ? suite_files(scenarios_dir, diff_suite) : diff_scenarios;
      const std::string report_dir = left.report_dir;
      left.report_dir = (fs::path(report_dir) / "left").string();
      CommonFlags right_flags = flags;
      right_flags.gateway = against;
      harness::RunOptions right = base_options(right_flags, scenarios_dir);
      right.scenario_files = left.scenario_files;
      right.report_dir = (fs::path(report_dir) / "right").string();
      std::cout << "gatecrash diff: " << left.profile.name << " (" << left.profile.file << ") against " << right.profile.name << " ("
                << right.profile.file << "), " << left.scenario_files.size() << " scenario file(s), seed " << left.seed << std::endl;
      const harness::RunResult left_run = harness::run_suite(left);
      reports::write_json_report(left_run, (fs::path(left.report_dir) / "report.json").string());
      const harness::RunResult right_run = harness::run_suite(right);
      reports::write_json_report(right_run, (fs::path(right.report_dir) / "report.json").string());
      const harness::RunDifference difference = harness::compare_runs(left_run, right_run);
      std::cout << harness::diff_text(difference);
      const std::string diff_path = (fs::path(report_dir) / "diff.json").string();
      std::ofstream(diff_path) << harness::to_json(difference).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      std::cout << "diff: " << diff_path << std::endl;
      if (left_run.error_count() > 0 || right_run.error_count() > 0) return 2;
      return difference.differing() > 0 ? 1 : 0;
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
        if (flags.time_scale != 1.0 && !clock_is_scaled()) {
          std::vector<std::string> args(argv + 1, argv + argc);
          args.push_back("--time-scale");
          args.push_back(std::to_string(flags.time_scale));
          return run_under_scaled_clock(args, flags.time_scale);
        }
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
    options.scenario_files = scenario_files.empty() ? suite_files(scenarios_dir, suite) : scenario_files;
    return execute(options, flags);
  } catch (const harness::HarnessError& error) {
    std::cerr << "gatecrash: " << error.what() << std::endl;
    return 2;
  } catch (const audit::AuditError& error) {
    std::cerr << "gatecrash: " << error.what() << std::endl;
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "gatecrash: harness.E599 " << error.what() << std::endl;
    return 2;
  }
}
