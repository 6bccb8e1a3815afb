// gateway/audit.h — the audit log: one JSON line per decision or gateway event, secrets redacted.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gatecrash::gateway {

using Json = nlohmann::json;

// Argument names whose values are never written anywhere (audit log, error messages): any key
// that, lower-cased, contains one of these. Covers password, app_password, api_key, apiKey,
// access_token, Authorization, client_secret, ...
bool is_secret_key(std::string_view key);
// A copy of `value` with the value of every secret-looking key, at any depth, replaced by
// "[redacted]".
Json redact(const Json& value);

// Appends JSON lines to a file opened with O_APPEND; each line goes out in one write(2), so
// lines from several threads never interleave. A disabled log (no path) writes nothing. A failed
// write is counted (failures()) and reported once on stderr; it never stops the gateway, whose
// job is enforcement (the decision has already been made when it is logged).
class AuditLog {
 public:
  AuditLog() = default;
  // Throws std::runtime_error naming the file when it cannot be opened.
  explicit AuditLog(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool enabled() const { return fd_ >= 0; }
  // Adds "t_ns" (CLOCK_REALTIME) and "event" to `fields` and appends the line.
  void write(std::string_view event, Json fields);
  std::size_t failures() const { return failures_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::atomic<std::size_t> failures_{0};
};

}  // namespace gatecrash::gateway
