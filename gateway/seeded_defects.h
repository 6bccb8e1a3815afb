// gateway/seeded_defects.h — realistic bugs the harness's mutation test must catch.
//
// Contract: only the test-only binary gatecrash-gateway-defective (tests/seeded_defects/) is
// compiled with GATECRASH_SEEDED_DEFECTS; it switches one defect on from $GATECRASH_SEEDED_DEFECT.
// In gatecrash-gateway the macro is undefined and every hook sits inside #ifdef, so no defect code
// is compiled into anything shipped. Each hook is one small branch next to the code it breaks.
#pragma once

#ifdef GATECRASH_SEEDED_DEFECTS
#include <cstdlib>
#include <string_view>

namespace gatecrash::gateway {

enum class Defect {
  case_insensitive_names,   // A1: a tool is found and decided by its case-folded name
  fixed_windows,            // R1: every sliding window enforced as a fixed one
  session_scope,            // R3: grant-scoped counters keyed by session
  refund_on_error,          // R9: units charged only when the upstream answers without error
  check_then_increment,     // R2: checked on arrival, charged when the answer comes back
  hidden_callable,          // A12: `hide` applied to tools/list only
  duplicate_key_last_wins,  // A7: the stdio front re-parses leniently (last duplicate wins)
  conditions_skip_meta,     // A16: calls carrying _meta take a path without argument conditions
  unparsable_arguments,     // A11: non-object arguments are forwarded as they came
  rug_pull_ignored,         // S2: a changed tool definition silently replaces the pinned one
  batch_first_only,         // R8: a batch's first call is decided, the rest ride on its verdict
  ids_not_rewritten,        // P3: answers are routed back by the client's request id alone
};

inline bool seeded(Defect defect) {
  static const char* chosen = std::getenv("GATECRASH_SEEDED_DEFECT");
  if (chosen == nullptr) return false;
  static constexpr std::string_view kNames[] = {
      "case_insensitive_names", "fixed_windows",        "session_scope",      "refund_on_error",
      "check_then_increment",   "hidden_callable",      "duplicate_key_last_wins", "conditions_skip_meta",
      "unparsable_arguments",   "rug_pull_ignored",     "batch_first_only",   "ids_not_rewritten"};
  return kNames[static_cast<int>(defect)] == std::string_view(chosen);
}

}  // namespace gatecrash::gateway
#endif
