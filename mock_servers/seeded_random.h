// mock_servers/seeded_random.h — a catalog's only randomness: seeded, portable, replayable.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::mock {

// 64-bit FNV-1a followed by the splitmix64 finaliser: the same value on every platform, so
// hash-derived data (Prometheus samples) replays anywhere from the seed and the input text.
std::uint64_t stable_hash(std::string_view text, std::uint64_t salt = 0);

// Wraps std::mt19937_64, whose output sequence the C++ standard fixes. The distributions are our
// own (not std::uniform_int_distribution, which differs between standard libraries), so one
// seed gives the same inventory and timings with any toolchain.
class SeededRandom {
 public:
  // `stream` (the catalog name) decorrelates catalogs that are given the same seed.
  SeededRandom(std::uint64_t seed, std::string_view stream);

  std::uint64_t next() { return engine_(); }
  std::uint64_t below(std::uint64_t bound);                   // [0, bound); 0 when bound == 0
  std::int64_t between(std::int64_t low, std::int64_t high);  // [low, high], inclusive
  bool chance_per_mille(int per_mille);  // true with probability per_mille/1000
  std::string hex(std::size_t digits);   // lowercase hex digits
  std::string uuid();  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", the layout CloudStack prints

  template <class T>
  const T& pick(const std::vector<T>& items) {  // items must not be empty
    return items[below(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace gatecrash::mock
