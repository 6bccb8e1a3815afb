// gateway/config.cc — strict loading of the servers and grants files.
#include "gateway/config.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "mcp/strict_json.h"

namespace gatecrash::gateway {

using mcp::Json;

namespace {

constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

std::string pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    case Json::value_t::discarded: return "nothing";
    default: return "number";
  }
}

// Reads a whole file, or says why not (E300).
std::optional<std::string> read_file(const std::string& path, std::vector<ConfigError>& errors) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    errors.push_back({std::string(config_error::kUnreadable), path, "",
                      std::string("cannot read file: ") + std::strerror(errno)});
    return std::nullopt;
  }
  if (S_ISDIR(info.st_mode)) {
    errors.push_back({std::string(config_error::kUnreadable), path, "", "cannot read file: is a directory"});
    return std::nullopt;
  }
  if (static_cast<std::size_t>(info.st_size) > kMaxConfigBytes) {
    errors.push_back({std::string(config_error::kUnreadable), path, "",
                      "file is larger than " + std::to_string(kMaxConfigBytes) + " bytes"});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    errors.push_back({std::string(config_error::kUnreadable), path, "", "cannot read file: read failed"});
    return std::nullopt;
  }
  return text.str();
}

// Parses strictly (duplicate keys, depth, UTF-8), or records E301 with the byte offset.
std::optional<Json> parse(std::string_view text, const std::string& file, std::vector<ConfigError>& errors) {
  mcp::Limits limits;
  limits.max_message_bytes = kMaxConfigBytes;
  auto parsed = mcp::parse_strict_json(text, limits);
  if (auto* error = std::get_if<mcp::JsonError>(&parsed)) {
    std::string message = error->message;
    if (!message.starts_with("at byte ") && error->byte_offset > 0) message = "at byte " + std::to_string(error->byte_offset) + ": " + message;
    errors.push_back({std::string(config_error::kSyntax), file, "", std::move(message)});
    return std::nullopt;
  }
  return std::get<Json>(std::move(parsed));
}

// A small checker that records typed errors with JSON pointers.
struct Checker {
  const std::string& file;
  std::vector<ConfigError>& errors;

  void fail(std::string_view id, std::string pointer, std::string message) {
    errors.push_back({std::string(id), file, std::move(pointer), std::move(message)});
  }
  bool expect(const Json& value, Json::value_t type, const std::string& pointer, std::string_view what) {
    const bool ok = value.type() == type || (type == Json::value_t::number_integer && value.is_number_integer());
    if (!ok) fail(config_error::kWrongType, pointer, "expected " + std::string(what) + ", got " + type_name(value));
    return ok;
  }
  std::optional<std::string> string(const Json& value, const std::string& pointer, bool non_empty = true) {
    if (!expect(value, Json::value_t::string, pointer, "a string")) return std::nullopt;
    std::string text = value.get<std::string>();
    if (non_empty && text.empty()) {
      fail(config_error::kBadValue, pointer, "must not be empty");
      return std::nullopt;
    }
    return text;
  }
  void unknown_keys(const Json& object, const std::string& pointer,
                    std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
      bool found = false;
      for (auto k : known) found = found || k == key;
      if (found) continue;
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(config_error::kUnknownKey, pointer + "/" + pointer_token(key),
           "unknown member \"" + key + "\" (expected " + list + ")");
    }
  }
};

void load_server(Checker& check, const std::string& name, const Json& entry, const std::string& at,
                 std::vector<UpstreamSpec>& out) {
  if (name.empty()) {
    check.fail(config_error::kBadValue, at, "a server name must not be empty");
    return;
  }
  if (!check.expect(entry, Json::value_t::object, at, "an object")) return;
  check.unknown_keys(entry, at, {"type", "command", "args", "env", "cwd", "url", "headers", "disabled"});
  if (auto it = entry.find("disabled"); it != entry.end()) {
    if (!check.expect(*it, Json::value_t::boolean, at + "/disabled", "a boolean")) return;
    if (it->get<bool>()) return;  // the client convention: a disabled server is not started
  }
  UpstreamSpec spec;
  spec.name = name;
  std::string type;
  if (auto it = entry.find("type"); it != entry.end()) {
    auto text = check.string(*it, at + "/type");
    if (!text) return;
    type = *text;
  } else {
    type = entry.contains("url") && !entry.contains("command") ? "http" : "stdio";
  }
  if (type == "stdio") {
    spec.kind = UpstreamKind::stdio;
    auto command = entry.find("command");
    if (command == entry.end()) {
      check.fail(config_error::kMissingKey, at, "a stdio server needs \"command\"");
      return;
    }
    auto text = check.string(*command, at + "/command");
    if (!text) return;
    spec.command = *text;
    if (auto it = entry.find("args"); it != entry.end()) {
      if (!check.expect(*it, Json::value_t::array, at + "/args", "an array of strings")) return;
      for (std::size_t i = 0; i < it->size(); ++i) {
        auto arg = check.string((*it)[i], at + "/args/" + std::to_string(i), false);
        if (!arg) return;
        spec.args.push_back(*arg);
      }
    }
    if (auto it = entry.find("env"); it != entry.end()) {
      if (!check.expect(*it, Json::value_t::object, at + "/env", "an object of strings")) return;
      for (const auto& [key, value] : it->items()) {
        auto text_value = check.string(value, at + "/env/" + pointer_token(key), false);
        if (!text_value) return;
        spec.env[key] = *text_value;
      }
    }
    if (auto it = entry.find("cwd"); it != entry.end()) {
      auto cwd = check.string(*it, at + "/cwd");
      if (!cwd) return;
      spec.cwd = *cwd;
    }
    if (entry.contains("url")) {
      check.fail(config_error::kBadValue, at + "/url", "a stdio server takes \"command\", not \"url\"");
      return;
    }
  } else if (type == "http" || type == "streamable-http" || type == "streamableHttp") {
    spec.kind = UpstreamKind::http;
    auto url = entry.find("url");
    if (url == entry.end()) {
      check.fail(config_error::kMissingKey, at, "an http server needs \"url\"");
      return;
    }
    auto text = check.string(*url, at + "/url");
    if (!text) return;
    if (text->rfind("http://", 0) != 0) {
      check.fail(config_error::kBadValue, at + "/url",
                 "unsupported url \"" + *text + "\" (only plain http:// upstreams are supported)");
      return;
    }
    spec.url = *text;
    if (auto it = entry.find("headers"); it != entry.end()) {
      if (!check.expect(*it, Json::value_t::object, at + "/headers", "an object of strings")) return;
      for (const auto& [key, value] : it->items()) {
        auto header = check.string(value, at + "/headers/" + pointer_token(key), false);
        if (!header) return;
        spec.headers.emplace_back(key, *header);
      }
    }
    for (const char* stdio_only : {"command", "args", "env", "cwd"}) {
      if (entry.contains(stdio_only)) {
        check.fail(config_error::kBadValue, at + "/" + stdio_only,
                   std::string("an http server takes \"url\", not \"") + stdio_only + "\"");
        return;
      }
    }
  } else {
    check.fail(config_error::kBadValue, at + "/type",
               "unsupported server type \"" + type + "\" (expected stdio or http)");
    return;
  }
  out.push_back(std::move(spec));
}

std::optional<TokenHash> parse_hex_hash(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  TokenHash hash{};
  for (std::size_t i = 0; i < 32; ++i) {
    int byte = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[2 * i + j];
      int nibble;
      if (c >= '0' && c <= '9') nibble = c - '0';
      else if (c >= 'a' && c <= 'f') nibble = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') nibble = c - 'A' + 10;
      else return std::nullopt;
      byte = byte * 16 + nibble;
    }
    hash[i] = static_cast<unsigned char>(byte);
  }
  return hash;
}

}  // namespace

std::string ConfigError::text() const {
  std::string out;
  if (!file.empty()) out += file + ": ";
  out += id + " " + (pointer.empty() ? std::string("(root)") : pointer) + ": " + message;
  return out;
}

std::string error_lines(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& error : errors) out += error.text() + "\n";
  return out;
}

ServersLoad load_servers_text(std::string_view text, const std::string& file) {
  ServersLoad load;
  auto doc = parse(text, file, load.errors);
  if (!doc) return load;
  Checker check{file, load.errors};
  if (!check.expect(*doc, Json::value_t::object, "", "an object with \"mcpServers\"")) return load;
  auto servers = doc->find("mcpServers");
  if (servers == doc->end()) {
    check.fail(config_error::kMissingKey, "", "missing \"mcpServers\"");
    return load;
  }
  if (!check.expect(*servers, Json::value_t::object, "/mcpServers", "an object")) return load;
  for (const auto& [name, entry] : servers->items()) {
    load_server(check, name, entry, "/mcpServers/" + pointer_token(name), load.servers);
  }
  if (load.errors.empty() && load.servers.empty()) {
    check.fail(config_error::kNoServers, "/mcpServers", "no servers to proxy (every entry is absent or disabled)");
  }
  if (!load.errors.empty()) load.servers.clear();
  return load;
}

ServersLoad load_servers_file(const std::string& path) {
  ServersLoad load;
  auto text = read_file(path, load.errors);
  if (!text) return load;
  return load_servers_text(*text, path);
}

TokenHash sha256(std::string_view bytes) {
  TokenHash hash{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), hash.data());
  return hash;
}

std::string to_hex(const TokenHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : hash) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

void Grants::add(const TokenHash& hash, std::string identity) { grants_.emplace_back(hash, std::move(identity)); }

std::optional<std::string> Grants::identity_of(std::string_view token) const {
  const TokenHash hash = sha256(token);
  const std::string* found = nullptr;
  for (const auto& [granted, identity] : grants_) {
    // CRYPTO_memcmp takes the same time whatever the bytes; we also never stop early.
    const bool equal = CRYPTO_memcmp(granted.data(), hash.data(), hash.size()) == 0;
    if (equal) found = &identity;
  }
  if (!found) return std::nullopt;
  return *found;
}

GrantsLoad load_grants_text(std::string_view text, const std::string& file) {
  GrantsLoad load;
  auto doc = parse(text, file, load.errors);
  if (!doc) return load;
  Checker check{file, load.errors};
  if (!check.expect(*doc, Json::value_t::object, "", "an object with \"grants\"")) return load;
  check.unknown_keys(*doc, "", {"grants"});
  auto grants = doc->find("grants");
  if (grants == doc->end()) {
    check.fail(config_error::kMissingKey, "", "missing \"grants\"");
    return load;
  }
  if (!check.expect(*grants, Json::value_t::array, "/grants", "an array")) return load;
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < grants->size(); ++i) {
    const Json& grant = (*grants)[i];
    const std::string at = "/grants/" + std::to_string(i);
    if (!check.expect(grant, Json::value_t::object, at, "an object")) continue;
    check.unknown_keys(grant, at, {"identity", "token_sha256", "token"});
    if (!grant.contains("identity")) {
      check.fail(config_error::kMissingKey, at, "missing \"identity\"");
      continue;
    }
    auto identity = check.string(grant["identity"], at + "/identity");
    if (!identity) continue;
    const bool has_hash = grant.contains("token_sha256");
    const bool has_token = grant.contains("token");
    if (has_hash == has_token) {
      check.fail(has_hash ? config_error::kBadValue : config_error::kMissingKey, at,
                 "give exactly one of \"token_sha256\" and \"token\"");
      continue;
    }
    std::optional<TokenHash> hash;
    if (has_hash) {
      auto hex = check.string(grant["token_sha256"], at + "/token_sha256");
      if (!hex) continue;
      hash = parse_hex_hash(*hex);
      if (!hash) {
        check.fail(config_error::kBadValue, at + "/token_sha256", "expected 64 hexadecimal digits (SHA-256)");
        continue;
      }
    } else {
      auto token = check.string(grant["token"], at + "/token");
      if (!token) continue;
      hash = sha256(*token);
    }
    const std::string hex = to_hex(*hash);
    bool duplicate = false;
    for (const auto& other : seen) duplicate = duplicate || other == hex;
    if (duplicate) {
      check.fail(config_error::kDuplicate, at, "this token is already granted to an identity");
      continue;
    }
    seen.push_back(hex);
    load.grants.add(*hash, *identity);
  }
  if (!load.errors.empty()) load.grants = Grants{};
  return load;
}

GrantsLoad load_grants_file(const std::string& path) {
  GrantsLoad load;
  auto text = read_file(path, load.errors);
  if (!text) return load;
  return load_grants_text(*text, path);
}

}  // namespace gatecrash::gateway
