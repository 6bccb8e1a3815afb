// gateway/audit.cc — JSON Lines audit log with redaction of secret-looking arguments.
#include "gateway/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "mcp/server_session.h"
#include "mcp/stdio.h"
#include "mcp/strict_json.h"

namespace gatecrash::gateway {

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::string_view kMarkers[] = {"password", "passwd", "secret", "token",
                                                  "api_key", "apikey", "authorization",
                                                  "credential", "private_key"};
  for (auto marker : kMarkers) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  return false;
}

Json redact(const Json& value) {
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, member] : value.items()) {
      out[key] = is_secret_key(key) ? Json("[redacted]") : redact(member);
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& element : value) out.push_back(redact(element));
    return out;
  }
  return value;
}

AuditLog::AuditLog(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw std::runtime_error(path + ": cannot open the audit log: " + std::strerror(errno));
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::write(std::string_view event, Json fields) {
  if (fd_ < 0) return;
  Json line = Json::object();
  line["t_ns"] = mcp::realtime_ns();
  line["event"] = std::string(event);
  for (auto& [key, value] : fields.items()) line[key] = std::move(value);
  std::string text = mcp::to_line(line);
  text.push_back('\n');
  if (!mcp::write_all_fd(fd_, text)) {
    if (failures_++ == 0) {
      std::cerr << "gatecrash-gateway: writing the audit log " << path_ << " failed: "
                << std::strerror(errno) << " (further failures are counted, not reported)\n";
    }
  }
}

}  // namespace gatecrash::gateway
