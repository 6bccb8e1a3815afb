// mock_servers/ledger.h — the call ledger: one JSON line per received message (contracts.md §3).
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace gatecrash::mock {

class LedgerError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends each line with a single write(2) on an O_APPEND descriptor, so several processes can
// share one file and no line is ever torn or interleaved (Linux holds the inode lock for the
// whole write on regular files). A failed or short write throws: a ledger with a hole is worse
// than a mock that stops.
class Ledger {
 public:
  explicit Ledger(const std::string& path);  // throws LedgerError naming the path
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Adds "seq" (per-process, from 1) and writes the line. Returns the seq used.
  std::uint64_t append(nlohmann::json line);
  // append(), but a failure ends the process with exit code 2 after saying why on stderr: a mock
  // must never answer a message it could not ledger, and the session reports records from places
  // an exception cannot leave (the destructor of a request dropped unanswered).
  void append_or_exit(nlohmann::json line) noexcept;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<std::uint64_t> seq_{0};
};

// Correlation hash of a credential: FNV-1a 64, hex. Not a cryptographic hash — it only lets the
// oracles tell "the same secret arrived" without the ledger ever holding the secret.
std::string credential_hash(const std::string& secret);

}  // namespace gatecrash::mock
