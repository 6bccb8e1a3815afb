// audit/policy_pointers.cc — rule ids back to RFC 6901 pointers into the written policy.
#include "audit/policy_pointers.h"

#include <charconv>
#include <optional>

#include "policy/errors.h"

namespace gatecrash::audit {
namespace {

using Json = nlohmann::json;

// "limits[3]" -> {"limits", 3}; "rules[2]:burst" -> {"rules", 2}; "rate_limit" -> {"rate_limit"}.
struct RuleSite {
  std::string_view list;
  std::optional<std::size_t> index;
};

RuleSite parse_site(std::string_view suffix) {
  const auto open = suffix.find('[');
  const auto close = suffix.find(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return RuleSite{suffix, std::nullopt};
  }
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(suffix.data() + open + 1, suffix.data() + close, index);
  if (ec != std::errc() || end != suffix.data() + close) return RuleSite{suffix, std::nullopt};
  return RuleSite{suffix.substr(0, open), index};
}

std::string site_pointer(const std::string& tool_pointer, const RuleSite& site) {
  std::string pointer = policy::pointer_append(tool_pointer, site.list);
  return site.index ? policy::pointer_append(pointer, *site.index) : pointer;
}

}  // namespace

std::string PolicyPointers::default_action() const {
  return written_.is_object() && written_.contains("default") ? "/default" : "";
}

std::string PolicyPointers::tool(std::string_view key) const {
  return policy::pointer_append("/tools", key);
}

std::string PolicyPointers::hide(std::string_view name) const {
  if (const Json* hide = at("/hide"); hide != nullptr && hide->is_array()) {
    for (std::size_t i = 0; i < hide->size(); ++i) {
      if ((*hide)[i].is_string() && (*hide)[i].get_ref<const std::string&>() == name) {
        return policy::pointer_append("/hide", i);
      }
    }
  }
  return "/hide";
}

std::vector<std::string> PolicyPointers::hide_entries() const {
  std::vector<std::string> names;
  if (const Json* hide = at("/hide"); hide != nullptr && hide->is_array()) {
    for (const Json& entry : *hide) {
      if (entry.is_string()) names.push_back(entry.get<std::string>());
    }
  }
  return names;
}

std::string PolicyPointers::limit(std::string_view key, const policy::Limit& limit,
                                  std::string_view field) const {
  const RuleSite site = parse_site(rule_suffix(key, limit.rule));
  std::string pointer = site_pointer(tool(key), site);
  if (site.list == "rules") {
    // An Intercept rule holds its limit as `rate_limit` or as a `state` block.
    const Json* rule = at(pointer);
    if (rule != nullptr && rule->is_object()) {
      pointer =
          policy::pointer_append(pointer, rule->contains("rate_limit") ? "rate_limit" : "state");
    }
  }
  return member_if_written(pointer, field);
}

std::string PolicyPointers::condition(std::string_view key, const policy::Condition& condition,
                                      std::string_view field) const {
  const RuleSite site = parse_site(rule_suffix(key, condition.rule));
  std::string pointer = site_pointer(tool(key), site);
  if (site.list == "rules") {
    // An Intercept rule's conditions share its rule id; find this one by what it says.
    const std::string list_pointer = policy::pointer_append(pointer, "conditions");
    if (const Json* list = at(list_pointer); list != nullptr && list->is_array()) {
      for (std::size_t j = 0; j < list->size(); ++j) {
        const Json& written = (*list)[j];
        if (written.is_object() && written.value("path", Json()) == condition.path_text &&
            written.value("op", Json()) == policy::to_string(condition.op) &&
            written.value("value", Json()) == condition.value) {
          pointer = policy::pointer_append(list_pointer, j);
          break;
        }
      }
    }
  }
  return member_if_written(pointer, field);
}

std::string_view PolicyPointers::rule_suffix(std::string_view key, std::string_view rule) {
  const std::string prefix = "tools." + std::string(key) + ".";
  return rule.starts_with(prefix) ? rule.substr(prefix.size()) : rule;
}

std::string PolicyPointers::member_if_written(const std::string& pointer,
                                              std::string_view field) const {
  if (field.empty()) return pointer;
  const Json* value = at(pointer);
  return value != nullptr && value->is_object() && value->contains(std::string(field))
             ? policy::pointer_append(pointer, field)
             : pointer;
}

const Json* PolicyPointers::at(const std::string& pointer) const {
  try {
    const Json::json_pointer location(pointer);
    return written_.contains(location) ? &written_.at(location) : nullptr;
  } catch (const Json::exception&) {
    return nullptr;  // a pointer the document's shape does not have (e.g. an index into an object)
  }
}

}  // namespace gatecrash::audit
