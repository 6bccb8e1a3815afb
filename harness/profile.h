// harness/profile.h — gateway profiles (contracts.md §1): how the harness starts and reaches a gateway.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

// How the gateway learns who the client is: an environment variable (stdio) or an HTTP header.
struct IdentityBinding {
  std::string env;     // variable name, stdio gateways
  std::string header;  // header name, HTTP gateways
  std::string value;   // template with {identity} / {token}
};

struct GatewayProfile {
  std::string name;
  std::string file;                  // where it was loaded from ("" for built-in)
  std::string transport = "stdio";   // "stdio" or "http"
  std::vector<std::string> command;  // empty: attach mode (http only, fixed url)
  std::map<std::string, std::string> env;
  std::string url;                   // http: template with {port}
  std::string policy_format = "gatecrash";     // "gatecrash", "intercept-yaml" or "translate"
  std::vector<std::string> translate_command;  // when policy_format is "translate"
  std::string tool_names = "{tool}";
  std::optional<IdentityBinding> identity;
  int startup_timeout_ms = 10'000;
  int replicas = 1;
  // Not in contracts.md §1 but needed to judge the audit oracle: "gatecrash" when the gateway
  // writes the reference audit log to {workdir}/audit.jsonl; "" otherwise.
  std::string audit_format;

  bool attach_mode() const { return command.empty(); }
  bool is_http() const { return transport == "http"; }
};

// Reads and validates a profile; throws HarnessError harness.E4xx naming the file and JSON pointer.
GatewayProfile load_profile(const std::string& path);
GatewayProfile parse_profile(const nlohmann::json& document, const std::string& file);

// Values for the placeholders; an absent key leaves `{key}` in place (and is reported by
// `expand` as unknown when `strict`).
using Placeholders = std::map<std::string, std::string>;

// Replaces every `{name}` in `text`. Throws HarnessError harness.E410 for a placeholder that has
// no value, naming `where` (the profile file and field).
std::string expand(const std::string& text, const Placeholders& values, const std::string& where);

}  // namespace gatecrash::harness
