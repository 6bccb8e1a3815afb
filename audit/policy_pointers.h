// audit/policy_pointers.h — JSON pointers into the policy as written, for what the model holds.
//
// The model keeps each limit's and condition's rule id (`tools.<key>.limits[0]`,
// `tools.<key>.rules[2]:<name>`, ...), not where it was written; these functions turn a rule id
// back into the RFC 6901 pointer of its value in the document, for native JSON and Intercept YAML
// alike, so a finding points where a person has to edit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/audited_policy.h"

namespace gatecrash::audit {

class PolicyPointers {
 public:
  explicit PolicyPointers(const AuditedPolicy& policy) : written_(policy.written) {}

  // "/default", or "" (the document) when the policy leaves `default` out.
  std::string default_action() const;
  // "/tools/<key>"; `key` is a tool name or "*" for the wildcard entry.
  std::string tool(std::string_view key) const;
  // "/hide/<index>" of the entry naming `name`, or "/hide" if no entry does.
  std::string hide(std::string_view name) const;
  // The `hide` entries in the order they are written.
  std::vector<std::string> hide_entries() const;
  // Where the limit is written: ".../limits/<i>", ".../rate_limit", or for Intercept the rule's
  // "rate_limit" or "state"; with `field`, that member of it when the policy writes one.
  std::string limit(std::string_view key, const policy::Limit& limit,
                    std::string_view field = "") const;
  // Where the condition is written: ".../args/<i>" or ".../rules/<i>/conditions/<j>"; with
  // `field` ("path", "value"), that member of it.
  std::string condition(std::string_view key, const policy::Condition& condition,
                        std::string_view field = "") const;

 private:
  // The rule id's part after "tools.<key>.", e.g. "limits[0]".
  static std::string_view rule_suffix(std::string_view key, std::string_view rule);
  // `pointer` + "/" + `field` when the document has that member; `pointer` otherwise.
  std::string member_if_written(const std::string& pointer, std::string_view field) const;
  const nlohmann::json* at(const std::string& pointer) const;

  const nlohmann::json& written_;
};

}  // namespace gatecrash::audit
