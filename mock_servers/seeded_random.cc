// mock_servers/seeded_random.cc — portable seeded randomness and hashing for the catalogs.
#include "mock_servers/seeded_random.h"

namespace gatecrash::mock {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::uint64_t stable_hash(std::string_view text, std::uint64_t salt) {
  std::uint64_t hash = 0xcbf29ce484222325ULL ^ splitmix64(salt);
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return splitmix64(hash);
}

SeededRandom::SeededRandom(std::uint64_t seed, std::string_view stream)
    : engine_(stable_hash(stream, seed)) {}

std::uint64_t SeededRandom::below(std::uint64_t bound) {
  return bound == 0 ? 0 : next() % bound;  // the modulo bias is irrelevant for a mock
}

std::int64_t SeededRandom::between(std::int64_t low, std::int64_t high) {
  if (high <= low) return low;
  return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
}

bool SeededRandom::chance_per_mille(int per_mille) {
  return static_cast<int>(below(1000)) < per_mille;
}

std::string SeededRandom::hex(std::size_t digits) {
  std::string text;
  text.reserve(digits);
  for (std::size_t i = 0; i < digits; ++i) text += kHexDigits[below(16)];
  return text;
}

std::string SeededRandom::uuid() {
  std::string text = hex(8) + "-" + hex(4) + "-4" + hex(3) + "-";
  text += kHexDigits[8 + below(4)];
  return text + hex(3) + "-" + hex(12);
}

}  // namespace gatecrash::mock
