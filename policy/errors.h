// policy/errors.h — load errors: stable ids (documented in docs/policy-errors.md) and their format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::policy {

// Every id a loader can report. Each is listed, with its meaning and an example message, in
// docs/policy-errors.md, and tests/unit-policy-loader.cc asserts each one's exact message.
namespace error_id {
// The document as a whole.
inline constexpr std::string_view kSyntax = "policy.E001";         // not JSON / not YAML
inline constexpr std::string_view kDuplicateKey = "policy.E002";   // a key twice in one object
inline constexpr std::string_view kTooLarge = "policy.E003";       // size, depth or alias blow-up
inline constexpr std::string_view kUnreadable = "policy.E004";     // the file cannot be read
inline constexpr std::string_view kUnknownFormat = "policy.E005";  // extension not json/yaml/yml
// One value.
inline constexpr std::string_view kUnknownKey = "policy.E100";
inline constexpr std::string_view kWrongType = "policy.E101";
inline constexpr std::string_view kMissingKey = "policy.E102";
inline constexpr std::string_view kVersion = "policy.E103";
inline constexpr std::string_view kUnknownWindow = "policy.E104";
inline constexpr std::string_view kBadMax = "policy.E105";
inline constexpr std::string_view kUnknownValue = "policy.E106";  // default, action, scope, op...
inline constexpr std::string_view kBadIncrement = "policy.E107";
inline constexpr std::string_view kBadRegex = "policy.E108";
inline constexpr std::string_view kBadPath = "policy.E109";
inline constexpr std::string_view kBadOperand = "policy.E110";  // value does not suit op
inline constexpr std::string_view kRateLimitWithConditions = "policy.E111";
inline constexpr std::string_view kDenyWithConditions = "policy.E112";
inline constexpr std::string_view kEvaluateWithoutConditions = "policy.E113";
inline constexpr std::string_view kRuleWithoutName = "policy.E114";
inline constexpr std::string_view kBadRateLimit = "policy.E115";
inline constexpr std::string_view kIncrementConflict = "policy.E116";
inline constexpr std::string_view kEmptyName = "policy.E117";
inline constexpr std::string_view kRateLimitWithDeny = "policy.E118";
inline constexpr std::string_view kSlidingMaxTooLarge = "policy.E119";
// Across values.
inline constexpr std::string_view kCounterRedefined = "policy.E200";
inline constexpr std::string_view kCounterTwiceInTool = "policy.E201";
inline constexpr std::string_view kHiddenButAllowed = "policy.E202";
inline constexpr std::string_view kDuplicateHide = "policy.E203";
inline constexpr std::string_view kUnknownCounter = "policy.E204";
inline constexpr std::string_view kCounterScopeMismatch = "policy.E205";
inline constexpr std::string_view kCounterWithoutCap = "policy.E206";
}  // namespace error_id

struct PolicyError {
  std::string id;       // e.g. "policy.E104"
  std::string pointer;  // JSON pointer (RFC 6901) to the offending value; "" for the document
  std::string message;  // one line, without id or pointer
  // `policy.E104 /tools/track_task/limits/0/window: unknown window "minit" (expected ...)`;
  // the document itself is shown as "(root)".
  std::string text() const;
  friend bool operator==(const PolicyError&, const PolicyError&) = default;
};

// `base` + "/" + token, with "~" and "/" escaped as RFC 6901 says.
std::string pointer_append(std::string_view base, std::string_view token);
std::string pointer_append(std::string_view base, std::size_t index);

// Collects every error found while loading; loaders keep going after an error where they can.
class Diagnostics {
 public:
  void add(std::string_view id, std::string pointer, std::string message) {
    errors_.push_back(PolicyError{std::string(id), std::move(pointer), std::move(message)});
  }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  std::vector<PolicyError> take() { return std::move(errors_); }

 private:
  std::vector<PolicyError> errors_;
};

}  // namespace gatecrash::policy
