// policy/counters.cc — sliding and fixed windows over one ordered list of (time, amount) entries.
#include "policy/counters.h"

#include <algorithm>
#include <functional>
#include <string_view>

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

std::size_t Counters::KeyHash::operator()(CounterKeyView key) const noexcept {
  const std::hash<std::string_view> hash;
  std::size_t h = hash(key.counter);
  // boost::hash_combine's step: order-sensitive, so (counter, key) and (key, counter) differ.
  const auto combine = [&h](std::size_t part) {
    h ^= part + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2);
  };
  combine(static_cast<std::size_t>(key.scope));
  combine(hash(key.scope_key));
  return h;
}

bool Counters::KeyEqual::operator()(CounterKeyView a, CounterKeyView b) const noexcept {
  return a.scope == b.scope && a.counter == b.counter && a.scope_key == b.scope_key;
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

std::int64_t Counters::current(CounterKeyView key, const Window& window, TimePoint now) const {
  auto it = states_.find(key);
  return it == states_.end() ? 0 : live_total(it->second, window, nanoseconds_of(now));
}

Admission Counters::check(CounterKeyView key, const Window& window, std::int64_t max,
                          std::int64_t amount, TimePoint now) const {
  const std::int64_t now_ns = nanoseconds_of(now);
  const std::int64_t window_ns = length_ns(window);
  Admission admission;
  auto it = states_.find(key);
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

std::int64_t Counters::charge(CounterKeyView key, const Window& window, std::int64_t amount,
                              TimePoint now) {
  const std::int64_t now_ns = nanoseconds_of(now);
  if (amount <= 0) return current(key, window, now);
  auto found = states_.find(key);
  if (found == states_.end()) {  // the key's first charge: only now are its strings copied
    CounterKey stored{std::string(key.counter), key.scope, std::string(key.scope_key)};
    found = states_.emplace(std::move(stored), State{}).first;
  }
  State& state = found->second;
  state.window = window;
  const std::int64_t window_ns = length_ns(window);
  const bool sliding = window.mode == WindowMode::sliding;
  const std::int64_t at_ns = sliding ? now_ns : fixed_window_start(now_ns, window_ns);
  const std::int64_t first_live = sliding ? now_ns - window_ns + 1 : at_ns;
  while (!state.entries.empty() && state.entries.front().at_ns < first_live) {
    state.entries.pop_front();
  }
  // Sorted insert: normally a new entry at the back (or more units on it, for a fixed window's
  // bucket); earlier only if the caller's clock stepped backwards.
  if (state.entries.empty() || state.entries.back().at_ns < at_ns) {
    state.entries.push_back(Entry{at_ns, amount});
  } else {
    auto position =
        std::lower_bound(state.entries.begin(), state.entries.end(), at_ns,
                         [](const Entry& entry, std::int64_t t) { return entry.at_ns < t; });
    if (position->at_ns == at_ns) {  // position is not end(): the back entry is >= at_ns
      position->amount += amount;
    } else {
      state.entries.insert(position, Entry{at_ns, amount});
    }
  }
  return live_total(state, window, now_ns);
}

std::size_t Counters::prune(TimePoint now) {
  const std::int64_t now_ns = nanoseconds_of(now);
  return std::erase_if(states_, [&](const auto& item) {
    return live_total(item.second, item.second.window, now_ns) == 0;
  });
}

std::size_t Counters::entry_count(CounterKeyView key) const {
  auto it = states_.find(key);
  return it == states_.end() ? 0 : it->second.entries.size();
}

}  // namespace gatecrash::policy
