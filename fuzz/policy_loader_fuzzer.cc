// fuzz/policy_loader_fuzzer.cc — both policy dialects: no crash, and a loaded policy decides
// without throwing.
//
// Input: the first byte picks the dialect (odd: Intercept YAML, even: native JSON; the seeds use
// '1' and '0'), the rest is the document. Properties:
//   - a load gives exactly one of a policy and errors, and every error has a policy.E id and text;
//   - loading is deterministic (the same text gives the same model);
//   - a loaded policy decides every listed tool, an unlisted one and "*" without throwing, every
//     decision names its rule, and a tool decide() allows is one tools/list would show.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/decide.h"
#include "policy/load.h"
#include "fuzz/fuzz_support.h"

using namespace gatecrash::policy;

namespace {

using gatecrash::fuzzing::require;

LoadResult load(bool yaml, std::string_view text) {
  return yaml ? load_policy_yaml(text, "fuzz.yaml") : load_policy_json(text, "fuzz.json");
}

void check_decides(const Policy& policy, const std::string& tool, Counters& counters,
                   TimePoint now) {
  const Call call{tool, Json{{"a", 1}, {"project_name", "x"}, {"leaseMs", 5000}}, "alice", "s1",
                  false};
  const Decision decision = decide(policy, call, counters, now);
  require(!decision.rule.empty());
  require(decision.allowed() || decision.charges.empty());
  if (decision.allowed()) require(visible_in_listing(policy, tool));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool yaml = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const LoadResult result = load(yaml, text);
  require(result.ok() != !result.errors.empty());  // exactly one of policy and errors
  if (!result.ok()) {
    for (const auto& error : result.errors) {
      require(error.id.rfind("policy.E", 0) == 0 && !error.text().empty());
    }
    return 0;
  }
  const Policy& policy = *result.policy;
  const Json model = to_json(policy);
  const LoadResult again = load(yaml, text);
  require(again.ok() && to_json(*again.policy) == model);

  Counters counters;
  const TimePoint now(std::chrono::seconds(1'800'000'000));
  for (const auto& [name, rules] : policy.tools) check_decides(policy, name, counters, now);
  check_decides(policy, "fuzz_unlisted_tool", counters, now);
  check_decides(policy, "*", counters, now);
  return 0;
}
