// audit/finding.h — one audit finding: which check, how bad, which attacks it opens, where, the
// fix.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::audit {

// Ordered: a comparison says which is worse.
enum class Severity { low, medium, high, critical };

std::string_view to_string(Severity severity);
// "critical", "high", "medium" or "low"; nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view text);

struct Finding {
  std::string check;  // stable check id, e.g. "audit.default-allow"
  Severity severity = Severity::medium;
  std::vector<std::string> attacks;  // attack ids of shared/design/attacks.md, e.g. "R3"
  std::string pointer;  // JSON pointer (RFC 6901) into the policy as written; "" is the document
  std::string tool;     // the server tool concerned, "" when the finding is about the policy
  std::string message;  // what is wrong, one paragraph, naming the values involved
  std::string fix;      // a concrete change to the policy that removes the finding
};

}  // namespace gatecrash::audit
