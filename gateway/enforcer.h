// gateway/enforcer.h — the live policy and its counters: decides calls, reloads, audits.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gateway/audit.h"
#include "gateway/counter_journal.h"
#include "gateway/seeded_defects.h"
#include "mcp/jsonrpc.h"
#include "policy/decide.h"
#include "policy/load.h"

namespace gatecrash::gateway {

// Who asked, for the audit line; the policy only sees policy::Call.
struct CallContext {
  std::string upstream;  // the server the tool belongs to
  Json request_id;       // the client's id
#ifdef GATECRASH_SEEDED_DEFECTS
  bool defect_skip_conditions = false;  // see gateway/seeded_defects.h
  bool defect_no_charge = false;
#endif
};

// Thread-safe: decide() and reload() may be called from any thread. A decision and its charge
// happen under one lock, so concurrent calls can never both take the last unit (R2).
class Enforcer {
 public:
  // With a journal, counters are shared with every other process using the same file.
  Enforcer(std::shared_ptr<const policy::Policy> policy, std::string policy_path, AuditLog& audit,
           std::unique_ptr<CounterJournal> journal = nullptr);

  // Decides at the wall clock's now (CLOCK_REALTIME, which libfaketime moves) and writes the
  // audit line.
  policy::Decision decide(const policy::Call& call, const CallContext& context);
  // Re-reads the policy file. On success the new policy applies to the next call, and counters
  // carry over (a counter is keyed by name and scope key, so an unchanged limit keeps its
  // history). On failure the old policy stays and the errors are returned (and audited).
  std::optional<std::string> reload();

  std::shared_ptr<const policy::Policy> policy() const;
  bool visible_in_listing(std::string_view tool) const;
  const std::string& policy_path() const { return policy_path_; }

 private:
#ifdef GATECRASH_SEEDED_DEFECTS
  policy::Decision decide_defective(const policy::Call& call, const CallContext& context, policy::TimePoint now);
#endif
  mutable std::mutex mu_;
  std::shared_ptr<const policy::Policy> policy_;
  policy::Counters counters_;
  std::uint64_t decisions_ = 0;
  std::string policy_path_;
  AuditLog& audit_;
  std::unique_ptr<CounterJournal> journal_;
};

// The JSON-RPC error a refusal is answered with (contracts.md §5): -32001 "denied by policy:
// <reason>" with data {kind, rule[, retry_after_ms]}; unknown_tool is -32602 "Unknown tool: <name>",
// exactly what an upstream says for a tool it does not have.
mcp::ErrorObject refusal_error(const policy::Decision& decision, std::string_view tool);
mcp::ErrorObject unknown_tool_error(std::string_view tool);
// -32001 with data.kind "tool_changed": the upstream changed a pinned definition (rug pull).
mcp::ErrorObject tool_changed_error(std::string_view tool, std::string_view what);

}  // namespace gatecrash::gateway
