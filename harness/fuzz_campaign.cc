// harness/fuzz_campaign.cc — the `gatecrash fuzz` loop: generate, run, judge, minimise, save.
#include "harness/fuzz_campaign.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/errors.h"
#include "harness/fuzz_generator.h"
#include "mock_servers/embedded_catalogs.h"

namespace gatecrash::harness {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// A response's shape: kind, error code and the error message with its numbers and quoted parts
// taken out, so "id 7" and "id 8" are one shape but "unknown tool" and "denied by policy" two.
std::string response_shape(const Json& response) {
  if (response.is_null()) return "none";
  if (response.is_array()) return "batch of " + std::to_string(response.size());
  if (!response.is_object()) return "not an object";
  if (response.contains("error")) {
    const Json& error = response["error"];
    std::string shape = "error ";
    if (error.is_object() && error.contains("code")) shape += error["code"].dump();
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      bool quoted = false;
      for (const char c : error["message"].get<std::string>().substr(0, 80)) {
        if (c == '"' || c == '\'') quoted = !quoted;
        if (quoted || (c >= '0' && c <= '9')) continue;
        shape += c;
      }
    }
    return shape;
  }
  if (response.contains("result")) {
    const Json& result = response["result"];
    return std::string("result") + (result.is_object() && result.value("isError", false) ? " isError" : "");
  }
  return "neither result nor error";
}

struct CaseOutcome {
  ScenarioResult result;
  std::uint64_t messages = 0;
  std::set<std::string> shapes;  // response_shape() of every answer
  Json document;                 // the case as generated
};

class Campaign {
 public:
  explicit Campaign(const FuzzOptions& options) : options_(options) {
    const std::string catalog_text = mock::embedded_catalog_text(options.catalog);
    const Json catalog = Json::parse(catalog_text, nullptr, false);
    if (catalog_text.empty() || !catalog.is_object() || !catalog.contains("tools") || !catalog["tools"].is_array() ||
        catalog["tools"].empty()) {
      throw HarnessError("harness.E446", "--server: unknown catalog '" + options.catalog +
                                             "' (known: prometheus, cloudstack, trackingtime, prospectio, mock-mcp)");
    }
    target_.catalog = options.catalog;
    for (const auto& tool : catalog["tools"]) target_.tools.push_back(tool);
    const std::string policy = options.policy_file.empty()
                                   ? (fs::path(options.run.scenarios_dir) / "policies" / (options.catalog + ".json")).string()
                                   : fs::absolute(options.policy_file).string();
    if (!fs::exists(policy)) throw HarnessError("harness.E446", policy + ": no such policy file");
    target_.policy = fs::absolute(policy).string();
  }

  // Cases run on options_.jobs worker threads, each case with its own gateway, mocks and work
  // directory; their outcomes are taken in case order, so what is reported (and where a run
  // without --keep-going stops) does not depend on which worker finished first.
  FuzzStats run() {
    const FuzzGenerator generator(target_, options_.run.seed);
    const auto started = Clock::now();
    auto last_print = started;
    const int jobs = std::max(1, options_.jobs);
    print("gatecrash fuzz: profile " + options_.run.profile.name + " (" + options_.run.profile.file + "), catalog " +
          options_.catalog + ", policy " + target_.policy.get<std::string>() + ", seed " + std::to_string(options_.run.seed) +
          ", " + seconds_text(options_.seconds) + (options_.max_cases > 0 ? ", at most " + std::to_string(options_.max_cases) + " cases" : "") +
          ", " + std::to_string(options_.steps_per_case) + " steps per case, " + std::to_string(jobs) + " at a time");

    std::mutex mutex;
    std::condition_variable finished_one;
    std::map<std::uint64_t, CaseOutcome> finished;  // by case index, until taken in order
    std::uint64_t next_index = 0;
    bool stop = false;
    int workers_running = jobs;
    auto worker = [&] {
      for (;;) {
        std::uint64_t index = 0;
        {
          std::lock_guard lock(mutex);
          if (stop || (options_.max_cases > 0 && next_index >= options_.max_cases) ||
              elapsed_seconds(started) >= options_.seconds) {
            break;
          }
          index = next_index++;
        }
        Json document = generator.next_case(index, options_.steps_per_case);
        CaseOutcome outcome = run_case(document, "case-" + std::to_string(index));
        outcome.document = std::move(document);
        {
          std::lock_guard lock(mutex);
          finished.emplace(index, std::move(outcome));
        }
        finished_one.notify_all();
      }
      {
        std::lock_guard lock(mutex);
        --workers_running;
      }
      finished_one.notify_all();
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < jobs; ++i) workers.emplace_back(worker);

    for (std::uint64_t index = 0;; ++index) {
      CaseOutcome outcome;
      {
        std::unique_lock lock(mutex);
        // Indices are handed out in order, so once every worker has left, a missing one never ran.
        finished_one.wait(lock, [&] { return finished.contains(index) || workers_running == 0; });
        auto it = finished.find(index);
        if (it == finished.end()) break;
        outcome = std::move(it->second);
        finished.erase(it);
      }
      ++stats_.cases;
      stats_.messages += outcome.messages;
      shapes_.insert(outcome.shapes.begin(), outcome.shapes.end());
      bool stopping = false;
      if (outcome.result.status == "error") {
        ++stats_.errors;
        stats_.error_texts.push_back("case " + std::to_string(index) + ": " + outcome.result.error);
        print("ERROR case " + std::to_string(index) + ": " + outcome.result.error);
        stopping = !options_.keep_going;
      } else if (outcome.result.status == "fail") {
        if (!options_.keep_going) {
          std::lock_guard lock(mutex);
          stop = true;  // no new case while this one is minimised
        }
        report_finding(index, outcome.document, outcome.result);
        stopping = !options_.keep_going;
      }
      if (stopping) break;
      if (std::chrono::duration<double>(Clock::now() - last_print).count() >= 5.0) {
        last_print = Clock::now();
        stats_.elapsed_ms = elapsed_ms(started);
        print(progress_line());
      }
    }
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    for (auto& thread : workers) thread.join();  // cases already started finish; their outcomes are dropped
    stats_.elapsed_ms = elapsed_ms(started);
    stats_.distinct_responses = shapes_.size();
    return stats_;
  }

 private:
  static std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f s", seconds);
    return text;
  }
  static double elapsed_seconds(Clock::time_point started) { return std::chrono::duration<double>(Clock::now() - started).count(); }
  static std::int64_t elapsed_ms(Clock::time_point started) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  }

  void print(const std::string& line) const {
    if (options_.print) options_.print(line);
  }

  std::string progress_line() const {
    char text[200];
    std::snprintf(text, sizeof text, "#%llu cases  %llu msgs  %.0f msg/s  distinct responses %zu  findings %zu  errors %llu",
                  static_cast<unsigned long long>(stats_.cases), static_cast<unsigned long long>(stats_.messages),
                  stats_.messages_per_second(), shapes_.size(), stats_.findings.size(), static_cast<unsigned long long>(stats_.errors));
    return text;
  }

  CaseOutcome run_case(const Json& document, const std::string& name) {
    CaseOutcome outcome;
    const Scenario scenario = parse_scenario(document, name, options_.run.scenarios_dir);
    RunOptions run = options_.run;
    run.on_transcript = [&](const Transcript& transcript) {
      for (const auto& call : transcript.calls()) {
        ++outcome.messages;
        outcome.shapes.insert(response_shape(call.response));
      }
      for (const auto& raw : transcript.raws()) {
        ++outcome.messages;
        for (const auto& answer : raw.answers) outcome.shapes.insert(response_shape(Json::parse(answer, nullptr, false)));
      }
      outcome.messages += transcript.lists().size();
    };
    const std::string workdir = (fs::path(options_.run.report_dir) / "runs" / name).string();
    fs::remove_all(workdir);
    outcome.result = run_scenario(scenario, run, workdir);
    if (outcome.result.status == "pass" && !options_.run.keep_workdirs) fs::remove_all(workdir);
    return outcome;
  }

  // ddmin over the mutators' step groups: drop chunks of groups (halves, then quarters, ...)
  // while some finding of the same oracle still appears; bounded by minimize_attempts re-runs.
  Json minimise(Json document, const std::string& oracle, std::uint64_t index) {
    int attempts = 0;
    const auto groups_of = [](const Json& doc) {
      std::vector<int> groups;
      for (const auto& step : doc["steps"]) {
        const int group = fuzz_group_of(step);
        if (groups.empty() || groups.back() != group) groups.push_back(group);
      }
      return groups;
    };
    std::size_t chunk = groups_of(document).size() / 2;
    while (chunk >= 1 && attempts < options_.minimize_attempts) {
      bool removed_any = false;
      for (std::size_t start = 0; start < groups_of(document).size() && attempts < options_.minimize_attempts;) {
        const std::vector<int> current = groups_of(document);
        const std::set<int> dropped(current.begin() + static_cast<long>(start),
                                    current.begin() + static_cast<long>(std::min(current.size(), start + chunk)));
        Json steps = Json::array();
        for (const auto& step : document["steps"]) {
          if (!dropped.contains(fuzz_group_of(step))) steps.push_back(step);
        }
        if (steps.empty()) break;
        Json candidate = document;
        candidate["steps"] = std::move(steps);
        ++attempts;
        const CaseOutcome outcome = run_case(candidate, "case-" + std::to_string(index) + "-min-" + std::to_string(attempts));
        const bool reproduces = std::any_of(outcome.result.findings.begin(), outcome.result.findings.end(),
                                            [&](const Finding& finding) { return finding.oracle == oracle; });
        if (reproduces) {
          document = std::move(candidate);
          removed_any = true;
        } else {
          start += chunk;
        }
      }
      if (!removed_any) chunk /= 2;
    }
    return document;
  }

  void report_finding(std::uint64_t index, const Json& document, const ScenarioResult& result) {
    std::set<std::string> oracles_seen;
    for (const auto& first : result.findings) {
      if (!oracles_seen.insert(first.oracle).second) continue;  // one minimisation per oracle
      print("FINDING case " + std::to_string(index) + " " + first.attack + " " + first.oracle + ": " + first.summary);
      const Json smallest = minimise(document, first.oracle, index);
      // The finding as the minimised case shows it (its summary may differ in counts).
      const Scenario scenario = parse_scenario(smallest, "case-" + std::to_string(index) + "-minimised", options_.run.scenarios_dir);
      const CaseOutcome again = run_case(smallest, "case-" + std::to_string(index) + "-minimised");
      FuzzFinding found{index, first, document["steps"].size(), smallest["steps"].size(), ""};
      for (const auto& finding : again.result.findings) {
        if (finding.oracle == first.oracle) {
          found.finding = finding;
          break;
        }
      }
      const fs::path replay = fs::path(options_.run.report_dir) / "findings" /
                              ("fuzz-" + std::to_string(options_.run.seed) + "-case" + std::to_string(index) + "-" + first.oracle + ".json");
      fs::create_directories(replay.parent_path());
      std::ofstream(replay) << replay_document(scenario, options_.run, found.finding).dump(2) << "\n";
      found.replay_file = replay.string();
      print("  minimised from " + std::to_string(found.steps_before) + " to " + std::to_string(found.steps_after) + " steps; replay: gatecrash replay " +
            replay.string());
      print("  " + found.finding.attack + " " + found.finding.oracle + ": " + found.finding.summary);
      for (std::size_t i = 0; i < found.finding.evidence.size() && i < 5; ++i) print("    | " + found.finding.evidence[i].substr(0, 200));
      stats_.findings.push_back(std::move(found));
    }
  }

  const FuzzOptions& options_;
  FuzzTarget target_;
  FuzzStats stats_;
  std::set<std::string> shapes_;
};

}  // namespace

FuzzStats run_fuzz(const FuzzOptions& options) { return Campaign(options).run(); }

std::string fuzz_summary_line(const FuzzStats& stats, const FuzzOptions& options) {
  char text[400];
  std::snprintf(text, sizeof text,
                "FUZZ: %llu cases, %llu messages, %.0f msg/s, %zu distinct responses, %zu findings, %llu errors; seed %llu; profile %s; %.1f s",
                static_cast<unsigned long long>(stats.cases), static_cast<unsigned long long>(stats.messages), stats.messages_per_second(),
                stats.distinct_responses, stats.findings.size(), static_cast<unsigned long long>(stats.errors),
                static_cast<unsigned long long>(options.run.seed), options.run.profile.name.empty() ? "-" : options.run.profile.name.c_str(),
                static_cast<double>(stats.elapsed_ms) / 1000.0);
  return text;
}

}  // namespace gatecrash::harness
