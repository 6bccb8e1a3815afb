// harness/profile.cc — strict loading of gateway profiles and placeholder expansion.
#include "harness/profile.h"

#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "harness/errors.h"
#include "mcp/strict_json.h"

namespace gatecrash::harness {
namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& id, const std::string& file, const std::string& pointer,
                       const std::string& message) {
  throw HarnessError(id, file + ": " + pointer + ": " + message);
}

std::string text_field(const Json& object, const std::string& key, const std::string& file,
                       const std::string& pointer) {
  const Json& value = object.at(key);
  if (!value.is_string()) fail("harness.E403", file, pointer + "/" + key, "must be a string");
  return value.get<std::string>();
}

std::vector<std::string> text_list(const Json& value, const std::string& file, const std::string& pointer) {
  if (!value.is_array()) fail("harness.E403", file, pointer, "must be an array of strings");
  std::vector<std::string> items;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) fail("harness.E403", file, pointer + "/" + std::to_string(i), "must be a string");
    items.push_back(value[i].get<std::string>());
  }
  return items;
}

IdentityBinding parse_identity(const Json& value, const std::string& file) {
  if (!value.is_object()) fail("harness.E403", file, "/identity", "must be an object");
  IdentityBinding binding;
  for (const auto& [key, item] : value.items()) {
    if (key != "env" && key != "header" && key != "value") {
      fail("harness.E402", file, "/identity/" + key, "unknown key (expected env, header, value)");
    }
    if (!item.is_string()) fail("harness.E403", file, "/identity/" + key, "must be a string");
  }
  if (value.contains("env")) binding.env = value["env"].get<std::string>();
  if (value.contains("header")) binding.header = value["header"].get<std::string>();
  if (value.contains("value")) binding.value = value["value"].get<std::string>();
  if (binding.env.empty() == binding.header.empty()) {
    fail("harness.E407", file, "/identity", "needs exactly one of env (stdio) or header (http)");
  }
  if (binding.value.empty()) fail("harness.E407", file, "/identity/value", "is required");
  return binding;
}

}  // namespace

GatewayProfile parse_profile(const Json& document, const std::string& file) {
  if (!document.is_object()) fail("harness.E403", file, "", "a profile is a JSON object");
  static const std::set<std::string> known = {
      "name", "transport", "command", "env", "url", "policy_format", "tool_names", "identity",
      "startup_timeout_ms", "replicas", "audit_format", "description"};
  for (const auto& [key, value] : document.items()) {
    if (!known.contains(key)) fail("harness.E402", file, "/" + key, "unknown key");
  }
  GatewayProfile profile;
  profile.file = file;
  if (!document.contains("name")) fail("harness.E409", file, "/name", "is required");
  profile.name = text_field(document, "name", file, "");
  if (document.contains("transport")) profile.transport = text_field(document, "transport", file, "");
  if (profile.transport != "stdio" && profile.transport != "http") {
    fail("harness.E404", file, "/transport", "unknown transport \"" + profile.transport + "\" (expected stdio or http)");
  }
  if (document.contains("command")) profile.command = text_list(document["command"], file, "/command");
  if (document.contains("env")) {
    const Json& env = document["env"];
    if (!env.is_object()) fail("harness.E403", file, "/env", "must be an object of strings");
    for (const auto& [key, value] : env.items()) {
      if (!value.is_string()) fail("harness.E403", file, "/env/" + key, "must be a string");
      profile.env[key] = value.get<std::string>();
    }
  }
  if (document.contains("url")) profile.url = text_field(document, "url", file, "");
  if (profile.is_http() && profile.url.empty()) fail("harness.E405", file, "/url", "is required for an http gateway");
  if (!profile.is_http() && profile.command.empty()) {
    fail("harness.E405", file, "/command", "is required for a stdio gateway (attach mode is http only)");
  }
  if (document.contains("policy_format")) {
    const Json& format = document["policy_format"];
    if (format.is_string()) {
      profile.policy_format = format.get<std::string>();
      if (profile.policy_format != "gatecrash" && profile.policy_format != "intercept-yaml") {
        fail("harness.E406", file, "/policy_format",
             "unknown format \"" + profile.policy_format + "\" (expected gatecrash, intercept-yaml or {\"translate\": [...]})");
      }
    } else if (format.is_object() && format.size() == 1 && format.contains("translate")) {
      profile.policy_format = "translate";
      profile.translate_command = text_list(format["translate"], file, "/policy_format/translate");
      if (profile.translate_command.empty()) fail("harness.E406", file, "/policy_format/translate", "is empty");
    } else {
      fail("harness.E406", file, "/policy_format", "must be a string or {\"translate\": [\"cmd\", ...]}");
    }
  }
  if (document.contains("tool_names")) profile.tool_names = text_field(document, "tool_names", file, "");
  if (profile.tool_names.find("{tool}") == std::string::npos) {
    fail("harness.E409", file, "/tool_names", "must contain {tool}");
  }
  if (document.contains("identity")) {
    profile.identity = parse_identity(document["identity"], file);
    if (profile.is_http() && profile.identity->header.empty()) {
      fail("harness.E407", file, "/identity", "an http gateway takes identities from a header");
    }
    if (!profile.is_http() && profile.identity->env.empty()) {
      fail("harness.E407", file, "/identity", "a stdio gateway takes identities from env");
    }
  }
  if (document.contains("startup_timeout_ms")) {
    const Json& timeout = document["startup_timeout_ms"];
    if (!timeout.is_number_integer() || timeout.get<std::int64_t>() < 1 || timeout.get<std::int64_t>() > 600'000) {
      fail("harness.E403", file, "/startup_timeout_ms", "must be an integer from 1 to 600000");
    }
    profile.startup_timeout_ms = timeout.get<int>();
  }
  if (document.contains("replicas")) {
    const Json& replicas = document["replicas"];
    if (!replicas.is_number_integer() || replicas.get<std::int64_t>() < 1 || replicas.get<std::int64_t>() > 16) {
      fail("harness.E408", file, "/replicas", "must be an integer from 1 to 16");
    }
    profile.replicas = replicas.get<int>();
    if (profile.replicas > 1 && (!profile.is_http() || profile.attach_mode())) {
      fail("harness.E408", file, "/replicas", "needs an http gateway the harness starts");
    }
  }
  if (document.contains("audit_format")) {
    profile.audit_format = text_field(document, "audit_format", file, "");
    if (profile.audit_format != "gatecrash") {
      fail("harness.E406", file, "/audit_format", "unknown audit format \"" + profile.audit_format + "\" (expected gatecrash)");
    }
  }
  if (document.contains("description") && !document["description"].is_string()) {
    fail("harness.E403", file, "/description", "must be a string");
  }
  return profile;
}

GatewayProfile load_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw HarnessError("harness.E400", path + ": cannot read the profile");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = mcp::parse_strict_json(text.str());
  if (auto* error = std::get_if<mcp::JsonError>(&parsed)) {
    throw HarnessError("harness.E401", path + ": not a valid JSON profile: " + error->message);
  }
  return parse_profile(std::get<Json>(parsed), path);
}

std::string expand(const std::string& text, const Placeholders& values, const std::string& where) {
  std::string out;
  std::size_t position = 0;
  while (position < text.size()) {
    const std::size_t open = text.find('{', position);
    if (open == std::string::npos) break;
    const std::size_t close = text.find('}', open + 1);
    if (close == std::string::npos) break;
    const std::string key = text.substr(open + 1, close - open - 1);
    const bool is_name = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    out.append(text, position, open - position);
    if (!is_name) {  // JSON or other braces in a command line are left alone
      out.append(text, open, close - open + 1);
    } else {
      auto it = values.find(key);
      if (it == values.end()) {
        throw HarnessError("harness.E410", where + ": placeholder {" + key + "} has no value here");
      }
      out += it->second;
    }
    position = close + 1;
  }
  out.append(text, position, std::string::npos);
  return out;
}

}  // namespace gatecrash::harness
