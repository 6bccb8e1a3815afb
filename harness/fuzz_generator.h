// harness/fuzz_generator.h — `gatecrash fuzz` cases: scenarios of structure-aware mutated MCP traffic.
//
// A case is an ordinary scenario document (docs/scenarios.md) whose steps are drawn from a table
// of named mutators (the .cc): arguments generated from each tool's inputSchema and mutated,
// envelope and framing mutations as raw bytes, tool-name confusion, and protocol-order mutations.
// Because a case is a scenario, the oracles judge it exactly as they judge the bundled suite, and
// a finding's replay file re-runs it with `gatecrash replay`.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

struct FuzzTarget {
  std::string catalog;               // the mock catalog behind the gateway
  std::vector<nlohmann::json> tools; // its tools/list entries (name, inputSchema, ...)
  nlohmann::json policy;             // the scenario's "policy" value: a path or an inline policy
  // The mock's parsing personality (mock_servers/README.md): lenient by default, like the sloppy
  // servers real gateways front, so that a gateway forwarding a name variant, a duplicate or
  // case-variant key or a mistyped argument lets the upstream run something the policy refused.
  nlohmann::json behaviors = {{"name_lookup", "lenient"}, {"duplicate_keys", "first"}, {"key_case", "insensitive"}, {"coerce", "lenient"}};
};

// Every step of a case carries `"note": "fuzz group <k>: <mutator>"`: the steps one mutator made
// (a session, what it sends there, its close) form group k, and minimising removes whole groups so
// that no step loses the set-up it needs. fuzz_group_of() reads k back (-1 without such a note).
std::string fuzz_group_note(int group, std::string_view mutator);
int fuzz_group_of(const nlohmann::json& step);

// The mutator names, in table order (for --help and the docs).
std::vector<std::string_view> fuzz_mutator_names();

class FuzzGenerator {
 public:
  // Deterministic: the same target and seed give the same cases in the same order.
  FuzzGenerator(FuzzTarget target, std::uint64_t seed);

  // Case number `index`, `steps` steps long (a few more when a mutator needs a set-up step).
  nlohmann::json next_case(std::uint64_t index, int steps) const;  // thread-safe: a pure function of (seed, index)

 private:
  FuzzTarget target_;
  std::uint64_t seed_;
};

}  // namespace gatecrash::harness
