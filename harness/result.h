// harness/result.h — what a run produced: per-call verdicts, findings, per-scenario results.
// The report writers in reports/ read only this header (and nlohmann/json).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

using Json = nlohmann::json;

// contracts.md §4: how one tools/call sent through the gateway ended, judged against the ledger.
enum class CallVerdict { forwarded, refused, leaked, lost };
inline std::string_view to_string(CallVerdict verdict) {
  switch (verdict) {
    case CallVerdict::forwarded: return "forwarded";
    case CallVerdict::refused: return "refused";
    case CallVerdict::leaked: return "leaked";
    case CallVerdict::lost: return "lost";
  }
  return "lost";
}

// One oracle's complaint about one scenario run.
struct Finding {
  std::string attack;       // attack id from the database, e.g. "R2" (the scenario's or step's)
  std::string oracle;       // "no-leak", "cap", "liveness", "protocol", "integrity", "audit"
  std::string scenario;     // scenario id
  std::string summary;      // one line a person reads first
  int occurrences = 1;      // how many times the oracle saw it (evidence shows the first few)
  std::vector<std::string> evidence;  // ledger lines and transcript excerpts, verbatim
  std::string replay_file;  // path of the replay file written for it ("" until written)
  std::string replay_command;  // e.g. "gatecrash replay out/findings/R2-….json"
};

// Something worth showing that is not a failure (e.g. the strict sliding bound of a fixed window).
struct Note {
  std::string oracle;
  std::string text;
};

// Counts of one oracle's checks in a scenario: how many things it looked at, how many failed.
struct OracleOutcome {
  std::string oracle;
  int checks = 0;
  int failures = 0;
};

// One point of a scenario's timeline (for the HTML report's calls-vs-cap chart).
struct TimelinePoint {
  std::int64_t t_ms = 0;  // since the scenario started
  std::string tool;
  CallVerdict verdict = CallVerdict::lost;
  std::string identity;  // who sent it
  std::string session;   // the session instance (a reconnect under one name is a new one)
  std::string attack;    // the attack id of the step that sent it
  // The oracles' static reading of the policy in force for this call (harness/policy_judge.h):
  // "allowed", "hidden", "denied", "needs approval" or "condition failed".
  std::string policy;
};

// A limit of the scenario's policy that some call of the scenario was charged to: the HTML
// report draws it over the timeline of the calls to `tools`.
struct CapLine {
  std::string counter;
  std::vector<std::string> tools;  // the scenario's tools charged to it, sorted
  std::int64_t max = 0;
  std::int64_t window_ms = 0;
  std::string window;  // as the policy names it, e.g. "minute"
  std::string mode;    // "sliding" or "fixed"
  std::string scope;   // "grant", "session" or "global"
};

// One pattern of the attack database, for the HTML report's attack x outcome matrix.
struct AttackInfo {
  std::string id;
  std::string title;
  std::string category;
  std::string severity;
  bool runnable = true;
  std::string reason;  // why it is not runnable yet
};

struct ScenarioResult {
  std::string id;
  std::string title;
  std::string file;                  // the scenario file it came from
  std::vector<std::string> attacks;  // attack ids the scenario exercises
  std::string status;                // "pass", "fail" (findings) or "error" (could not run)
  std::string error;                 // why it could not run (status "error")
  std::int64_t duration_ms = 0;
  std::map<std::string, int> verdicts;  // CallVerdict name -> count
  int ledger_calls = 0;                 // tools/call lines in the ledger
  std::vector<OracleOutcome> oracles;
  std::vector<Finding> findings;
  std::vector<Note> notes;
  std::vector<TimelinePoint> timeline;
  std::vector<CapLine> caps;
  std::string workdir;  // the run directory (kept when the scenario failed or errored)
};

struct RunResult {
  std::string gatecrash_version;
  std::string profile_name;
  std::string profile_file;
  std::uint64_t seed = 0;
  double time_scale = 1.0;
  std::string started_at;  // RFC 3339 UTC
  std::int64_t duration_ms = 0;
  std::vector<ScenarioResult> scenarios;
  std::vector<AttackInfo> attack_database;  // empty when the run had none at hand

  int finding_count() const {
    int count = 0;
    for (const auto& scenario : scenarios) count += static_cast<int>(scenario.findings.size());
    return count;
  }
  int error_count() const {
    int count = 0;
    for (const auto& scenario : scenarios) count += scenario.status == "error" ? 1 : 0;
    return count;
  }
  // 0 every oracle held, 1 findings, 2 a scenario could not run (contracts.md §6).
  int exit_code() const { return error_count() > 0 ? 2 : finding_count() > 0 ? 1 : 0; }
};

}  // namespace gatecrash::harness
