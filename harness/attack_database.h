// harness/attack_database.h — the attack patterns of scenarios/attacks/, loaded strictly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::harness {

// The families of attacks.md (§D.1 .. D.6), as spelled in an attack file's `category`.
enum class AttackCategory {
  rate_cap,
  authorization,
  malformed_input,
  protocol,
  server_side,
  exfiltration,
  exhaustion
};
enum class AttackSeverity { critical, high, medium, low };
// `runnable`: every scenario listed exists and runs; `not_yet`: listed but not run (see reason).
enum class AttackStatus { runnable, not_yet };

std::string_view to_string(AttackCategory category);  // "rate-cap", "malformed-input", ...
std::string_view to_string(AttackSeverity severity);  // "critical", ...
std::string_view to_string(AttackStatus status);      // "runnable" or "not-yet"

// One `scenarios/attacks/<id>.json` (docs/scenarios.md "Attack file").
struct AttackPattern {
  std::string id;     // e.g. "R2"; equals the file name without ".json"
  std::string title;  // one line
  AttackCategory category = AttackCategory::rate_cap;
  AttackSeverity severity = AttackSeverity::medium;
  std::string summary;                    // how it gets past a naive gateway
  std::vector<std::string> detects;       // oracle names: no-leak, cap, liveness, protocol, ...
  std::vector<std::string> owasp_mcp;     // OWASP MCP Top 10 ids, "MCP01" .. "MCP10"
  std::vector<std::string> mitigations;   // policy controls or gateway behaviours that stop it
  std::vector<std::string> applies_when;  // policy features or tool classes it targets
  std::vector<std::string> scenarios;     // scenario ids, "<category>/<name>"
  AttackStatus status = AttackStatus::runnable;
  std::string reason;  // why it is not runnable yet; "" when runnable
  std::string file;    // the file it was read from

  bool runnable() const { return status == AttackStatus::runnable; }
};

struct AttackDatabase {
  std::vector<AttackPattern> patterns;  // ordered by id: letters, then number (A1, A2, .., A10)

  // The pattern with this id, or nullptr.
  const AttackPattern* find(std::string_view id) const;
};

// Reads every `*.json` directly in `directory` (other files and subdirectories are ignored).
// Strict: unknown keys, duplicate keys, wrong types, values outside their sets, an id that is not
// the file's name, a not-yet pattern without a reason are errors. Throws HarnessError
// (harness.E600 .. E619, docs/scenarios.md "Attack database errors") at the first problem, e.g.
// `harness.E601 <file>: /severity: unknown severity "hgh" (expected critical, high, ...)`.
AttackDatabase load_attack_database(const std::string& directory);

}  // namespace gatecrash::harness
