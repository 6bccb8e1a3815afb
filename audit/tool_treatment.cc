// audit/tool_treatment.cc — collects, for one tool, the entries decide() would consult.
#include "audit/tool_treatment.h"

#include <algorithm>

namespace gatecrash::audit {
namespace {

bool is_cap(const policy::Limit& limit) {
  return limit.increment > 0 || limit.increment_from.has_value();
}

void collect(const std::string& key, const policy::ToolRules& rules, ToolTreatment& treatment) {
  if (rules.action == policy::ToolAction::approve) treatment.needs_approval = true;
  for (const auto& limit : rules.limits) treatment.limits.push_back(LimitSite{key, &limit});
  for (const auto& condition : rules.conditions) {
    treatment.conditions.push_back(ConditionSite{key, &condition});
  }
}

}  // namespace

std::vector<LimitSite> ToolTreatment::caps() const {
  std::vector<LimitSite> caps;
  std::copy_if(limits.begin(), limits.end(), std::back_inserter(caps),
               [](const LimitSite& site) { return is_cap(*site.limit); });
  return caps;
}

bool ToolTreatment::has_own_cap() const {
  const auto all = caps();
  return std::any_of(all.begin(), all.end(),
                     [](const LimitSite& site) { return site.key != kWildcardKey; });
}

ToolTreatment treatment_of(const policy::Policy& policy, const std::string& tool) {
  ToolTreatment treatment;
  treatment.callable = policy::visible_in_listing(policy, tool);
  const auto entry = policy.tools.find(tool);
  treatment.listed = entry != policy.tools.end();
  if (treatment.listed) collect(tool, entry->second, treatment);
  if (policy.wildcard) collect(std::string(kWildcardKey), *policy.wildcard, treatment);
  return treatment;
}

}  // namespace gatecrash::audit
