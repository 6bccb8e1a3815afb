// policy/counters.cc — sliding and fixed windows over one ordered list of (time, amount) entries.
#include "policy/counters.h"

#include <algorithm>

namespace gatecrash::policy {
namespace {

std::int64_t length_ns(const Window& window) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(window.length).count();
}

// floor(now / L) * L, also for times before the epoch.
std::int64_t fixed_window_start(std::int64_t now_ns, std::int64_t window_ns) {
  std::int64_t quotient = now_ns / window_ns;
  if (now_ns % window_ns < 0) --quotient;
  return quotient * window_ns;
}

std::int64_t nanoseconds_of(TimePoint now) { return now.time_since_epoch().count(); }

}  // namespace

std::string Counters::flat_key(const CounterKey& key) {
  // Length-prefixed, so no counter name or scope key can collide with another pair.
  return std::to_string(key.counter.size()) + ":" + key.counter +
         static_cast<char>('0' + static_cast<int>(key.scope)) + key.scope_key;
}

std::int64_t Counters::live_total(const State& state, const Window& window, std::int64_t now_ns) {
  const std::int64_t window_ns = length_ns(window);
  // Sliding: a unit charged at t counts while now - t < L. Fixed: entries in the current window.
  const std::int64_t first_live = window.mode == WindowMode::sliding
                                      ? now_ns - window_ns + 1
                                      : fixed_window_start(now_ns, window_ns);
  std::int64_t total = 0;
  for (auto it = state.entries.rbegin(); it != state.entries.rend() && it->at_ns >= first_live;
       ++it) {
    total += it->amount;
  }
  return total;
}

std::int64_t Counters::current(const CounterKey& key, const Window& window, TimePoint now) const {
  auto it = states_.find(flat_key(key));
  return it == states_.end() ? 0 : live_total(it->second, window, nanoseconds_of(now));
}

Admission Counters::check(const CounterKey& key, const Window& window, std::int64_t max,
                          std::int64_t amount, TimePoint now) const {
  const std::int64_t now_ns = nanoseconds_of(now);
  const std::int64_t window_ns = length_ns(window);
  Admission admission;
  auto it = states_.find(flat_key(key));
  admission.current = it == states_.end() ? 0 : live_total(it->second, window, now_ns);
  if (amount > max) {
    admission.never = true;
    return admission;
  }
  if (admission.current <= max - amount) {
    admission.fits = true;
    return admission;
  }
  if (window.mode == WindowMode::fixed) {
    admission.retry_after =
        std::chrono::nanoseconds(fixed_window_start(now_ns, window_ns) + window_ns - now_ns);
    return admission;
  }
  // Sliding: wait until the oldest live entries that free enough units have aged out.
  const std::int64_t need = (admission.current - max) + amount;  // > 0, cannot overflow
  std::int64_t freed = 0;
  for (const Entry& entry : it->second.entries) {
    if (entry.at_ns <= now_ns - window_ns) continue;
    freed += entry.amount;
    if (freed >= need) {
      admission.retry_after = std::chrono::nanoseconds(entry.at_ns + window_ns - now_ns);
      break;
    }
  }
  return admission;
}

std::int64_t Counters::charge(const CounterKey& key, const Window& window, std::int64_t amount,
                              TimePoint now) {
  const std::int64_t now_ns = nanoseconds_of(now);
  if (amount <= 0) return current(key, window, now);
  State& state = states_[flat_key(key)];
  state.window = window;
  const std::int64_t window_ns = length_ns(window);
  const bool sliding = window.mode == WindowMode::sliding;
  const std::int64_t at_ns = sliding ? now_ns : fixed_window_start(now_ns, window_ns);
  const std::int64_t first_live = sliding ? now_ns - window_ns + 1 : at_ns;
  while (!state.entries.empty() && state.entries.front().at_ns < first_live) {
    state.entries.pop_front();
  }
  // Sorted insert: normally at the back; earlier only if the caller's clock stepped backwards.
  auto position =
      std::lower_bound(state.entries.begin(), state.entries.end(), at_ns,
                       [](const Entry& entry, std::int64_t t) { return entry.at_ns < t; });
  if (position != state.entries.end() && position->at_ns == at_ns) {
    position->amount += amount;
  } else {
    state.entries.insert(position, Entry{at_ns, amount});
  }
  return live_total(state, window, now_ns);
}

std::size_t Counters::prune(TimePoint now) {
  const std::int64_t now_ns = nanoseconds_of(now);
  return std::erase_if(states_, [&](const auto& item) {
    return live_total(item.second, item.second.window, now_ns) == 0;
  });
}

std::size_t Counters::entry_count(const CounterKey& key) const {
  auto it = states_.find(flat_key(key));
  return it == states_.end() ? 0 : it->second.entries.size();
}

}  // namespace gatecrash::policy
