// audit/errors.h — the audit's one error type: a stable id (audit.E7xx, docs/audit.md) and a
// message naming the file and the JSON pointer or byte offset at fault.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace gatecrash::audit {

namespace error_id {
inline constexpr std::string_view kPolicyDoesNotLoad =
    "audit.E700";                                                   // the policy loader refused it
inline constexpr std::string_view kUnknownCatalog = "audit.E701";   // --server names no catalog
inline constexpr std::string_view kToolsUnreadable = "audit.E702";  // --tools file cannot be read
inline constexpr std::string_view kToolsNotJson = "audit.E703";     // not strict JSON
inline constexpr std::string_view kToolsShape =
    "audit.E704";  // no {"tools"} / {"result":{"tools"}}
inline constexpr std::string_view kToolInvalid = "audit.E705";  // one tool object is malformed
inline constexpr std::string_view kCannotWrite = "audit.E706";  // --json / --out cannot be written
inline constexpr std::string_view kDynamicNeedsCatalog = "audit.E709";  // --dynamic without --server
}  // namespace error_id

// Thrown by the loaders in this folder and caught at the edge (gatecrash's main), which prints
// "gatecrash: <what()>" and exits 2. what() is "<id> <message>".
class AuditError : public std::runtime_error {
 public:
  AuditError(std::string_view id, const std::string& message)
      : std::runtime_error(std::string(id) + " " + message), id_(id) {}
  const std::string& id() const { return id_; }

 private:
  std::string id_;
};

}  // namespace gatecrash::audit
