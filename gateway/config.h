// gateway/config.h — the servers file (mcpServers) and the grants file, loaded strictly.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::gateway {

// Stable ids of configuration errors; each is listed in docs/gateway.md and asserted by
// tests/unit-gateway-config.cc with its exact message.
namespace config_error {
inline constexpr std::string_view kUnreadable = "gateway.E300";    // the file cannot be read
inline constexpr std::string_view kSyntax = "gateway.E301";        // not JSON, duplicate key, too deep
inline constexpr std::string_view kWrongType = "gateway.E302";     // a value of the wrong type
inline constexpr std::string_view kMissingKey = "gateway.E303";    // a required member is absent
inline constexpr std::string_view kUnknownKey = "gateway.E304";    // a member we do not know
inline constexpr std::string_view kBadValue = "gateway.E305";      // empty, unsupported or malformed
inline constexpr std::string_view kDuplicate = "gateway.E306";     // a token granted twice
inline constexpr std::string_view kNoServers = "gateway.E307";     // mcpServers is empty
inline constexpr std::string_view kToolCollision = "gateway.E310"; // two upstreams, one tool name
inline constexpr std::string_view kUpstreamStart = "gateway.E311"; // an upstream failed at startup
inline constexpr std::string_view kBadFlag = "gateway.E320";       // a command-line value
}  // namespace config_error

struct ConfigError {
  std::string id;
  std::string file;     // the file at fault ("" for flags)
  std::string pointer;  // JSON pointer into it ("" for the whole file)
  std::string message;
  // "<file>: gateway.E302 /mcpServers/a/args: expected an array of strings, got number"
  std::string text() const;
};

enum class UpstreamKind { stdio, http };

struct UpstreamSpec {
  std::string name;  // the key in mcpServers
  UpstreamKind kind = UpstreamKind::stdio;
  // stdio
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to the gateway's environment
  std::string cwd;
  // http
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ServersLoad {
  std::vector<UpstreamSpec> servers;  // in name order (nlohmann objects are sorted)
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// The `mcpServers` shape MCP clients read (contracts.md §2). Members besides mcpServers at the
// top are other clients' settings and are ignored; inside an entry every member must be known.
ServersLoad load_servers_text(std::string_view text, const std::string& file);
ServersLoad load_servers_file(const std::string& path);

using TokenHash = std::array<unsigned char, 32>;  // SHA-256 of the bearer token

// Bearer tokens and the identities they stand for. Only hashes are kept: a token given in
// plain text in the file is hashed when loaded and the text dropped.
class Grants {
 public:
  void add(const TokenHash& hash, std::string identity);
  // The identity of `token`, comparing hashes in constant time (every grant is compared, so
  // the time taken says nothing about which one matched).
  std::optional<std::string> identity_of(std::string_view token) const;
  std::size_t size() const { return grants_.size(); }

 private:
  std::vector<std::pair<TokenHash, std::string>> grants_;
};

struct GrantsLoad {
  Grants grants;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// {"grants": [{"identity": "alice", "token_sha256": "<64 hex digits>"},
//             {"identity": "bob", "token": "<plain token, hashed at load>"}]}
GrantsLoad load_grants_text(std::string_view text, const std::string& file);
GrantsLoad load_grants_file(const std::string& path);

TokenHash sha256(std::string_view bytes);
std::string to_hex(const TokenHash& hash);

// Every error, one text() per line.
std::string error_lines(const std::vector<ConfigError>& errors);

}  // namespace gatecrash::gateway
