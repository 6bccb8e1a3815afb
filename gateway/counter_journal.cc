// gateway/counter_journal.cc — flock-guarded replay and append of counter charges.
#include "gateway/counter_journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "mcp/stdio.h"
#include "mcp/strict_json.h"

namespace gatecrash::gateway {

namespace {

std::optional<policy::Scope> scope_named(std::string_view name) {
  if (name == "grant") return policy::Scope::grant;
  if (name == "session") return policy::Scope::session;
  if (name == "global") return policy::Scope::global;
  return std::nullopt;
}

}  // namespace

CounterJournal::CounterJournal(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open the counter journal: " + std::strerror(errno));
}

CounterJournal::~CounterJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void CounterJournal::acquire(policy::Counters& counters, const policy::Policy& policy) {
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    offset_ += static_cast<std::uint64_t>(n);
    partial_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t newline; (newline = partial_.find('\n', start)) != std::string::npos; start = newline + 1) {
      const std::string_view line(partial_.data() + start, newline - start);
      auto parsed = mcp::parse_strict_json(line);
      const mcp::Json* entry = std::get_if<mcp::Json>(&parsed);
      if (!entry || !entry->is_object() || !(*entry)["c"].is_string() || !(*entry)["s"].is_string() ||
          !(*entry)["k"].is_string() || !(*entry)["a"].is_number_integer() || !(*entry)["t"].is_number_integer()) {
        ++bad_lines_;
        continue;
      }
      auto scope = scope_named((*entry)["s"].get<std::string>());
      auto spec = policy.counters.find((*entry)["c"].get<std::string>());
      if (!scope || spec == policy.counters.end()) continue;
      counters.charge(policy::CounterKey{spec->first, *scope, (*entry)["k"].get<std::string>()}, spec->second.window,
                      (*entry)["a"].get<std::int64_t>(),
                      policy::TimePoint(std::chrono::nanoseconds((*entry)["t"].get<std::int64_t>())));
      ++lines_replayed_;
    }
    partial_.erase(0, start);
  }
}

void CounterJournal::release(const std::vector<policy::Charge>& charges, policy::TimePoint now) {
  if (!charges.empty()) {
    std::string lines;
    const std::int64_t t = now.time_since_epoch().count();
    for (const auto& charge : charges) {
      lines += mcp::to_line(mcp::Json{{"c", charge.counter},
                                      {"s", std::string(policy::to_string(charge.scope))},
                                      {"k", charge.scope_key},
                                      {"a", charge.amount},
                                      {"t", t}});
      lines.push_back('\n');
    }
    // Whole lines in one write while we hold the lock; we then skip over them when replaying.
    if (mcp::write_all_fd(fd_, lines)) offset_ += lines.size();
  }
  ::flock(fd_, LOCK_UN);
}

}  // namespace gatecrash::gateway
