// policy/load.h — load a policy from native JSON or Intercept-style YAML, strictly.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/errors.h"
#include "policy/model.h"

namespace gatecrash::policy {

// Either a policy or every error found (never both). Loaders never throw.
struct LoadResult {
  std::optional<Policy> policy;
  std::vector<PolicyError> errors;
  std::string source_name;
  bool ok() const { return policy.has_value(); }
  // All errors, one `PolicyError::text()` per line, each prefixed with "<source_name>: ".
  std::string error_text() const;
};

// The native (PolicyLayer-style) JSON dialect. Duplicate keys are errors.
LoadResult load_policy_json(std::string_view text, std::string source_name = "<policy>");
// The Intercept-style YAML dialect. Duplicate keys are errors; one document only.
LoadResult load_policy_yaml(std::string_view text, std::string source_name = "<policy>");
// Reads `path` and picks the dialect by extension: .json -> native, .yaml/.yml -> Intercept.
// This is the only function in policy/ that touches the file system.
LoadResult load_policy_file(const std::string& path);

}  // namespace gatecrash::policy
