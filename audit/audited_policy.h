// audit/audited_policy.h — a policy loaded for the audit: the model plus the document as written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "policy/model.h"

namespace gatecrash::audit {

struct AuditedPolicy {
  policy::Policy policy;
  // The document as the policy loader read it (YAML through the loader's own YAML-to-JSON
  // reading), so a finding's pointer locates the same value a load error would.
  nlohmann::json written;
};

// Loads `path` with the policy loader (.json native, .yaml/.yml Intercept). Throws AuditError
// audit.E700 naming the file and every loader error (id, JSON pointer, message), one per line.
AuditedPolicy load_audited_policy(const std::string& path);
// The same from text in a given dialect (e.g. a policy `suggest` wrote); `source_name` names it.
AuditedPolicy load_audited_policy_text(std::string_view text, policy::Dialect dialect,
                                       const std::string& source_name);

}  // namespace gatecrash::audit
