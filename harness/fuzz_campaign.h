// harness/fuzz_campaign.h — `gatecrash fuzz`: generated cases against a gateway, judged as they run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/runner.h"

namespace gatecrash::harness {

struct FuzzOptions {
  RunOptions run;               // gateway profile, binaries, seed, report directory, timeouts
  std::string catalog = "cloudstack";
  std::string policy_file;      // "" = <scenarios>/policies/<catalog>.json
  double seconds = 60;          // no new case starts after this (the case in progress finishes)
  std::uint64_t max_cases = 0;  // 0 = as many as fit in `seconds`
  int steps_per_case = 256;
  bool keep_going = false;      // false: stop at the first case with a finding (after minimising it)
  int minimize_attempts = 24;   // re-runs spent shrinking one finding's case
  int jobs = 1;                 // cases run at once, each with its own gateway and mocks
  std::function<void(const std::string& line)> print;
};

struct FuzzFinding {
  std::uint64_t case_index = 0;
  Finding finding;            // from the minimised case
  std::size_t steps_before = 0;
  std::size_t steps_after = 0;  // the minimised case's step count
  std::string replay_file;
};

struct FuzzStats {
  std::uint64_t cases = 0;
  std::uint64_t messages = 0;  // tools/call requests (alone, pipelined or batched), raw sends and listings
  std::size_t distinct_responses = 0;
  std::uint64_t errors = 0;    // cases that could not run
  std::vector<std::string> error_texts;
  std::vector<FuzzFinding> findings;
  std::int64_t elapsed_ms = 0;
  double messages_per_second() const { return elapsed_ms > 0 ? messages * 1000.0 / static_cast<double>(elapsed_ms) : 0; }
};

// Runs cases from FuzzGenerator(options.run.seed) until a bound is reached; every case is a
// scenario judged by the oracles. A failing case is minimised (ddmin over its steps, keeping any
// finding of the same oracle) and written as a gatecrash-replay/1 file under
// <report>/findings/. Prints a progress line about every 5 s and one `FUZZ:` line at the end.
// Throws HarnessError for bad input (unknown catalog: harness.E446).
FuzzStats run_fuzz(const FuzzOptions& options);

// "FUZZ: 120 cases, 15300 messages, 1250 msg/s, 52 distinct responses, 0 findings, 0 errors;
// seed 1; profile reference; 60.2 s"
std::string fuzz_summary_line(const FuzzStats& stats, const FuzzOptions& options);

}  // namespace gatecrash::harness
