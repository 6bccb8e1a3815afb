// policy/load_translate.h — the two dialect translators and the YAML reader behind load.h.
#pragma once

#include <variant>

#include "policy/errors.h"
#include "policy/model.h"

namespace gatecrash::policy::detail {

// Both translators report every problem they find into `diag`; the returned policy is only
// meaningful when `diag` stayed empty.
Policy translate_native(const Json& root, Diagnostics& diag);
Policy translate_intercept(const Json& root, Diagnostics& diag);

// One YAML document as JSON under the YAML 1.2 core schema (quoted scalars are strings; plain
// ones may be null, booleans, integers or floats). Refuses duplicate keys (E002), syntax errors
// (E001, with line and column) and documents that expand past the limits (E003).
std::variant<Json, PolicyError> yaml_to_json(std::string_view text);

}  // namespace gatecrash::policy::detail
