// fuzz/fuzz_support.h — what the targets share: the property check, the coverage opt-out, a fixed policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "policy/load.h"

// Code that checks properties is not code under test: left out of coverage, its loops would only
// add features (and comparison callbacks) that steer nothing, yet cost libFuzzer work on every run.
#if defined(__clang__)
#define NOT_UNDER_TEST __attribute__((no_sanitize("coverage")))
#else
#define NOT_UNDER_TEST
#endif

namespace gatecrash::fuzzing {

// A failed property: std::abort(), which libFuzzer and the corpus replay tests report as a crash.
NOT_UNDER_TEST inline void require(bool condition) {
  if (!condition) std::abort();
}

// Reads a structured case byte by byte; past the end every byte reads as 0, so any input is a case.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  bool empty() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// A target's fixed native-JSON policy, loaded once (a policy is immutable and shared); a policy
// that does not load is the target's own bug and aborts.
inline std::shared_ptr<const policy::Policy> load_fixed_policy(std::string_view json, const char* source) {
  auto result = policy::load_policy_json(json, source);
  require(result.ok());
  return std::make_shared<const policy::Policy>(std::move(*result.policy));
}

}  // namespace gatecrash::fuzzing
