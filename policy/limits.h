// policy/limits.h — every bound the policy loaders and counters apply, named in one place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gatecrash::policy {

// Largest policy document accepted, in bytes. Real policies are a few kilobytes.
inline constexpr std::size_t kMaxPolicyBytes = 4 * 1024 * 1024;
// Deepest nesting of objects and arrays in a policy document (condition values included).
inline constexpr std::size_t kMaxPolicyDepth = 64;
// Most nodes a YAML document may expand to once aliases are resolved ("billion laughs" guard).
inline constexpr std::size_t kMaxYamlNodes = 100'000;
// Most bytes of keys and scalars a YAML document may expand to once aliases are resolved: few
// nodes can still each repeat one long string (found by fuzz/policy_loader_fuzzer: 7 KB of YAML
// asking for 600 MB), so the text is bounded too, at the size a whole policy may have.
inline constexpr std::size_t kMaxYamlExpandedBytes = kMaxPolicyBytes;
// Largest `max` of a sliding-window limit. A sliding window keeps one timestamp per admitted call
// (at most `max` per counter key, 16 bytes each), so this bounds memory per key to ~16 MB.
// Fixed windows keep one number per key and take any `max` up to INT64_MAX.
inline constexpr std::int64_t kMaxSlidingWindowMax = 1'000'000;

}  // namespace gatecrash::policy
