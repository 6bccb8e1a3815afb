// audit/audited_policy.cc — loading a policy through policy/'s loader and keeping its text's shape.
#include "audit/audited_policy.h"

#include <filesystem>
#include <fstream>
#include <variant>

#include "audit/errors.h"
#include "policy/limits.h"
#include "policy/load.h"
// The loader's own YAML reading (policy/yaml_json.cc): reusing it keeps finding pointers and
// load-error pointers on the same structure.
#include "policy/load_translate.h"

namespace gatecrash::audit {
namespace {

[[noreturn]] void refuse(const policy::LoadResult& result) {
  std::string lines;
  for (const auto& error : result.errors)
    lines += "\n  " + result.source_name + ": " + error.text();
  throw AuditError(error_id::kPolicyDoesNotLoad,
                   result.source_name + ": the policy does not load:" + lines);
}

}  // namespace

AuditedPolicy load_audited_policy_text(std::string_view text, policy::Dialect dialect,
                                       const std::string& source_name) {
  const bool native = dialect == policy::Dialect::native;
  policy::LoadResult result = native ? policy::load_policy_json(text, source_name)
                                     : policy::load_policy_yaml(text, source_name);
  if (!result.ok()) refuse(result);
  AuditedPolicy audited{std::move(*result.policy), nlohmann::json()};
  if (native) {
    // The strict loader accepted this text, so the lenient parser reads the same document.
    audited.written = nlohmann::json::parse(text);
  } else {
    auto written = policy::detail::yaml_to_json(text);
    if (auto* error = std::get_if<policy::PolicyError>(&written)) {
      result.policy.reset();
      result.errors = {*error};
      refuse(result);
    }
    audited.written = std::move(std::get<nlohmann::json>(written));
  }
  return audited;
}

AuditedPolicy load_audited_policy(const std::string& path) {
  const bool native = path.ends_with(".json");
  const bool intercept = path.ends_with(".yaml") || path.ends_with(".yml");
  std::error_code ec;
  std::ifstream file;
  if ((native || intercept) && !std::filesystem::is_directory(path, ec)) {
    file.open(path, std::ios::binary);
  }
  if (!file.is_open()) {
    // An unknown extension or an unreadable file: the loader words the error (E004, E005).
    policy::LoadResult result = policy::load_policy_file(path);
    if (!result.ok()) refuse(result);
    throw AuditError(error_id::kPolicyDoesNotLoad, path + ": cannot read file");
  }
  // One byte past the limit at most: the loader then reports the size (E003).
  std::string text(policy::kMaxPolicyBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) throw AuditError(error_id::kPolicyDoesNotLoad, path + ": cannot read file");
  text.resize(static_cast<std::size_t>(file.gcount()));
  return load_audited_policy_text(
      text, native ? policy::Dialect::native : policy::Dialect::intercept, path);
}

}  // namespace gatecrash::audit
