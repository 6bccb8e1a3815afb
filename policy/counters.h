// policy/counters.h — rate-limit state: exact sliding windows and calendar-aligned fixed windows.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/model.h"

namespace gatecrash::policy {

// One counter as seen by one scope key: identity for grant, session id for session, "" for global.
struct CounterKey {
  std::string counter;
  Scope scope = Scope::global;
  std::string scope_key;
};

// A counter key whose parts belong to someone else (the policy, the call), as Counters takes it:
// looking a key up copies nothing, and only a key charged for the first time is stored as a
// CounterKey. Valid while the strings it views are; a CounterKey converts to one.
struct CounterKeyView {
  CounterKeyView() = default;
  CounterKeyView(std::string_view counter_name, Scope key_scope, std::string_view key)
      : counter(counter_name), scope(key_scope), scope_key(key) {}
  CounterKeyView(const CounterKey& key)  // NOLINT: implicit, a key is usable wherever a view is
      : counter(key.counter), scope(key.scope), scope_key(key.scope_key) {}

  std::string_view counter;
  Scope scope = Scope::global;
  std::string_view scope_key;
};

// Whether `amount` more units fit under `max` right now, and if not, how long until they would
// (assuming nothing else is charged meanwhile). retry_after is zero when the amount fits, and
// `never` when it can never fit (amount > max).
struct Admission {
  bool fits = false;
  bool never = false;
  std::int64_t current = 0;
  std::chrono::nanoseconds retry_after{0};
};

// The counters of one gateway. Not thread-safe: the caller serialises decide() calls (a counter
// reservation must be atomic across all the limits of one call anyway).
//
// Sliding: a deque of (timestamp, amount) per key; a unit charged at t counts while now - t < L,
// so every interval of length L holds at most `max`. Entries never exceed `max` per key (each
// holds >= 1 unit and the live total stays <= max), and expired ones are dropped on each charge.
// Fixed: one (window start, total) per key, window start = floor(now / L) * L in UTC.
// The same storage serves both, so a counter survives a policy reload that changes its window.
class Counters {
 public:
  // The units counted in the window ending at `now`.
  std::int64_t current(CounterKeyView key, const Window& window, TimePoint now) const;
  Admission check(CounterKeyView key, const Window& window, std::int64_t max, std::int64_t amount,
                  TimePoint now) const;
  // Records `amount` units at `now` (the caller checked they fit); returns the new current value.
  std::int64_t charge(CounterKeyView key, const Window& window, std::int64_t amount, TimePoint now);
  // Forgets keys whose windows hold nothing at `now`; returns how many were dropped.
  std::size_t prune(TimePoint now);
  // Keys kept, and entries kept for one key (for memory-bound tests and metrics).
  std::size_t key_count() const { return states_.size(); }
  std::size_t entry_count(CounterKeyView key) const;

 private:
  struct Entry {
    std::int64_t at_ns;  // sliding: charge time; fixed: window start
    std::int64_t amount;
  };
  struct State {
    Window window;              // as of the last charge, for prune()
    std::deque<Entry> entries;  // sorted by at_ns
  };
  // Hash and equality over all three parts, for stored keys and views alike (`is_transparent`:
  // find() takes a view as it is). Keys are compared whole, so a hash collision only costs a
  // comparison.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(CounterKeyView key) const noexcept;
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(CounterKeyView a, CounterKeyView b) const noexcept;
  };
  static std::int64_t live_total(const State& state, const Window& window, std::int64_t now_ns);

  std::unordered_map<CounterKey, State, KeyHash, KeyEqual> states_;
};

}  // namespace gatecrash::policy
