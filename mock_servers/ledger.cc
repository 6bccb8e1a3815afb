// mock_servers/ledger.cc — O_APPEND single-write JSON Lines writer.
#include "mock_servers/ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gatecrash::mock {

Ledger::Ledger(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw LedgerError("cannot open ledger '" + path + "': " + std::strerror(errno));
}

Ledger::~Ledger() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t Ledger::append(nlohmann::json line) {
  const std::uint64_t seq = ++seq_;
  line["seq"] = seq;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  for (;;) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n == static_cast<ssize_t>(text.size())) return seq;
    if (n < 0 && errno == EINTR) continue;
    throw LedgerError("write to ledger '" + path_ + "' failed" +
                      (n < 0 ? std::string(": ") + std::strerror(errno) : std::string(" (short write)")));
  }
}

void Ledger::append_or_exit(nlohmann::json line) noexcept {
  try {
    append(std::move(line));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatecrash-mock: %s; stopping\n", e.what());
    std::_Exit(2);  // no destructors: nothing more may be answered
  }
}

std::string credential_hash(const std::string& secret) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : secret) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return std::string("fnv1a64:") + out;
}

}  // namespace gatecrash::mock
