// audit/finding.cc — severity names.
#include "audit/finding.h"

namespace gatecrash::audit {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "critical";
}

std::optional<Severity> parse_severity(std::string_view text) {
  for (Severity severity : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (text == to_string(severity)) return severity;
  }
  return std::nullopt;
}

}  // namespace gatecrash::audit
