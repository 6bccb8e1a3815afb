// harness/ledger_reader.cc — parses ledger lines and the trace id they carry.
#include "harness/ledger_reader.h"

#include <fstream>

#include "harness/errors.h"
#include "harness/json_fields.h"

namespace gatecrash::harness {

std::vector<LedgerEntry> read_ledger(const std::string& path) {
  std::vector<LedgerEntry> entries;
  std::ifstream in(path, std::ios::binary);
  if (!in) return entries;  // nothing reached a mock
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    LedgerEntry entry;
    entry.line = nlohmann::json::parse(text, nullptr, false);
    if (!entry.line.is_object()) {
      throw HarnessError("harness.E430", path + ": line " + std::to_string(number) + " is not a JSON object");
    }
    entry.text = text;
    entry.kind = string_field(entry.line, "kind");
    entry.method = string_field(entry.line, "method");
    entry.tool = string_field(entry.line, "tool");
    entry.arguments = any_field(entry.line, "arguments");
    entry.outcome = string_field(entry.line, "outcome");
    entry.effect = string_field(entry.line, "effect");
    entry.t_ns = int_field(entry.line, "t_ns");
    const auto& meta = any_field(entry.line, "meta");
    if (meta.is_object() && meta.contains("traceparent") && meta["traceparent"].is_string()) {
      const std::string traceparent = meta["traceparent"].get<std::string>();
      // "00-<32 hex trace id>-<16 hex span>-<flags>"
      if (traceparent.size() >= 35 && traceparent[2] == '-') entry.trace_id = traceparent.substr(3, 32);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace gatecrash::harness
