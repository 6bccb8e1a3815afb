// gateway/counter_journal.h — rate-limit counters shared by several gateway processes via one file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/counters.h"
#include "policy/decide.h"

namespace gatecrash::gateway {

// An append-only journal of charges, one JSON line per charge:
//   {"c": counter, "s": scope, "k": scope key, "a": units, "t": CLOCK_REALTIME ns}
// Every process deciding against the same policy opens the same file (the stdio front runs one
// gateway per client session; HTTP replicas run side by side), so grant and global scopes hold
// across processes (attacks.md R3, R5). A decision holds an exclusive flock(2) on the file from
// before it reads the clock until its charges are written: it first replays what others
// appended since its last look, so check-and-charge stays atomic across processes (R2), and the
// journal's times are in lock order.
//
// The journal only grows (about 100 bytes per allowed call); it is meant for a run's working
// directory, not for months of traffic.
class CounterJournal {
 public:
  // Opens (creating) the file; throws std::runtime_error naming it.
  explicit CounterJournal(const std::string& path);
  ~CounterJournal();
  CounterJournal(const CounterJournal&) = delete;
  CounterJournal& operator=(const CounterJournal&) = delete;

  // Takes the lock, replays foreign charges into `counters` (windows from `policy`; charges to
  // counters the policy does not have are skipped), and returns. `release` appends `charges`
  // made at `now` and unlocks. Between the two the caller decides.
  void acquire(policy::Counters& counters, const policy::Policy& policy);
  void release(const std::vector<policy::Charge>& charges, policy::TimePoint now);

  const std::string& path() const { return path_; }
  std::uint64_t lines_replayed() const { return lines_replayed_; }
  std::uint64_t bad_lines() const { return bad_lines_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::uint64_t offset_ = 0;  // bytes of the file already applied (ours included)
  std::string partial_;       // a line without its newline yet (never expected: writes are whole)
  std::uint64_t lines_replayed_ = 0;
  std::uint64_t bad_lines_ = 0;
};

}  // namespace gatecrash::gateway
