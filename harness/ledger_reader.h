// harness/ledger_reader.h — reads the mocks' ledger (docs/ledger.md) for the oracles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

struct LedgerEntry {
  nlohmann::json line;  // the whole line as parsed
  std::string text;     // the line as written, for evidence
  std::string kind;
  std::string method;
  std::string tool;
  nlohmann::json arguments;
  std::string trace_id;  // from meta.traceparent, "" when absent
  std::string outcome;
  std::string effect;
  std::int64_t t_ns = 0;
  bool is_call() const { return kind == "request" && method == "tools/call"; }
};

// Every line of the ledger; throws HarnessError harness.E430 naming the file and line on a line
// that is not a JSON object (the mocks write whole lines, so this means the file is corrupt).
std::vector<LedgerEntry> read_ledger(const std::string& path);

}  // namespace gatecrash::harness
