// harness/attack_database.cc — strict reading of scenarios/attacks/*.json into AttackPatterns.
#include "harness/attack_database.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>
#include <utility>

#include "harness/errors.h"
#include "mcp/strict_json.h"
#include "policy/errors.h"

namespace gatecrash::harness {

using Json = mcp::Json;

namespace {

// Error ids of the attack database, each documented in docs/scenarios.md and asserted, message
// and all, in tests/unit-attack-database.cc.
namespace error_id {
constexpr std::string_view kUnreadable = "harness.E600";      // directory or file unreadable
constexpr std::string_view kUnknownValue = "harness.E601";    // outside its allowed set
constexpr std::string_view kNotJson = "harness.E602";         // syntax, too deep, too large
constexpr std::string_view kDuplicateKey = "harness.E603";    // a key twice in one object
constexpr std::string_view kWrongType = "harness.E604";       // e.g. a number for a string
constexpr std::string_view kUnknownKey = "harness.E605";      // a key the format lacks
constexpr std::string_view kMissingKey = "harness.E606";      // a required key is absent
constexpr std::string_view kIdNotFileName = "harness.E607";   // id != file name
constexpr std::string_view kEmpty = "harness.E608";           // empty text or list
constexpr std::string_view kReasonMismatch = "harness.E609";  // not-yet without reason, ...
constexpr std::string_view kNoScenarios = "harness.E610";     // runnable but nothing to run
constexpr std::string_view kListedTwice = "harness.E611";     // the same entry twice
constexpr std::string_view kMalformedId = "harness.E612";     // attack or scenario id shape
constexpr std::string_view kNoAttackFiles = "harness.E613";   // directory without *.json
}  // namespace error_id

[[noreturn]] void fail(std::string_view id, const std::string& file, const std::string& pointer,
                       const std::string& text) {
  throw HarnessError(std::string(id),
                     file + ": " + (pointer.empty() ? "(root)" : pointer) + ": " + text);
}

std::string json_quoted(std::string_view text) { return mcp::to_line(Json(std::string(text))); }

std::string_view type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    case Json::value_t::binary:
      return "binary";
    case Json::value_t::discarded:
      return "nothing";
    default:
      return "number";
  }
}

// Every key of an attack file, in the order the format lists them (and errors are reported).
constexpr std::array<std::string_view, 12> kKeys = {
    "id",        "title",       "category",     "severity",  "summary", "detects",
    "owasp_mcp", "mitigations", "applies_when", "scenarios", "status",  "reason"};
constexpr std::string_view kKeyList =
    "id, title, category, severity, summary, detects, owasp_mcp, mitigations, applies_when, "
    "scenarios, status or reason";

template <typename Enum, std::size_t N>
struct Spelling {
  std::array<std::pair<std::string_view, Enum>, N> names;
  std::string_view expected;  // for messages: "critical, high, medium or low"
};

constexpr Spelling<AttackCategory, 7> kCategories{
    {{{"rate-cap", AttackCategory::rate_cap},
      {"authorization", AttackCategory::authorization},
      {"malformed-input", AttackCategory::malformed_input},
      {"protocol", AttackCategory::protocol},
      {"server-side", AttackCategory::server_side},
      {"exfiltration", AttackCategory::exfiltration},
      {"exhaustion", AttackCategory::exhaustion}}},
    "rate-cap, authorization, malformed-input, protocol, server-side, exfiltration or exhaustion"};
constexpr Spelling<AttackSeverity, 4> kSeverities{{{{"critical", AttackSeverity::critical},
                                                    {"high", AttackSeverity::high},
                                                    {"medium", AttackSeverity::medium},
                                                    {"low", AttackSeverity::low}}},
                                                  "critical, high, medium or low"};
constexpr Spelling<AttackStatus, 2> kStatuses{
    {{{"runnable", AttackStatus::runnable}, {"not-yet", AttackStatus::not_yet}}},
    "runnable or not-yet"};

constexpr std::array<std::string_view, 6> kOracles = {"no-leak",  "cap",       "liveness",
                                                      "protocol", "integrity", "audit"};
constexpr std::string_view kOracleList = "no-leak, cap, liveness, protocol, integrity or audit";

template <typename Enum, std::size_t N>
std::string_view spelling_of(const Spelling<Enum, N>& spelling, Enum value) {
  for (const auto& [name, candidate] : spelling.names) {
    if (candidate == value) return name;
  }
  return "?";
}

bool is_owasp_mcp_id(std::string_view text) {
  static const std::set<std::string_view> kIds = {"MCP01", "MCP02", "MCP03", "MCP04", "MCP05",
                                                  "MCP06", "MCP07", "MCP08", "MCP09", "MCP10"};
  return kIds.count(text) > 0;
}

// Capital letters, then a number without leading zero: "R2", "A18".
bool is_attack_id(std::string_view text) {
  std::size_t letters = 0;
  while (letters < text.size() && text[letters] >= 'A' && text[letters] <= 'Z') ++letters;
  const std::string_view digits = text.substr(letters);
  if (letters == 0 || digits.empty() || digits.front() == '0') return false;
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<category>/<name>", each part lower-case letters, digits, '-' and '_', starting alphanumeric.
bool is_scenario_id(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  auto part_ok = [](std::string_view part) {
    if (part.empty() || !(std::islower(static_cast<unsigned char>(part.front())) ||
                          std::isdigit(static_cast<unsigned char>(part.front())))) {
      return false;
    }
    return std::all_of(part.begin(), part.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return std::islower(u) || std::isdigit(u) || c == '-' || c == '_';
    });
  };
  return part_ok(text.substr(0, slash)) && part_ok(text.substr(slash + 1));
}

// Reads one parsed attack file; every check names the file and the JSON pointer at fault.
class AttackFileReader {
 public:
  AttackFileReader(std::string file, std::string expected_id)
      : file_(std::move(file)), expected_id_(std::move(expected_id)) {}

  AttackPattern read(const Json& root) {
    if (!root.is_object()) {
      fail(error_id::kWrongType, file_, "",
           "expected an object, got " + std::string(type_name(root)));
    }
    for (const auto& [key, value] : root.items()) {
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        fail(error_id::kUnknownKey, file_, policy::pointer_append("", key),
             "unknown key " + json_quoted(key) + " (expected " + std::string(kKeyList) + ")");
      }
    }
    for (std::string_view key : kKeys) {
      if (key != "reason" && !root.contains(key)) {
        fail(error_id::kMissingKey, file_, "", "missing key " + json_quoted(key));
      }
    }

    AttackPattern pattern;
    pattern.file = file_;
    pattern.id = text(root, "id");
    if (!is_attack_id(pattern.id)) {
      fail(
          error_id::kMalformedId, file_, "/id",
          json_quoted(pattern.id) + " is not an attack id (capital letters and a number, e.g. R2)");
    }
    if (pattern.id != expected_id_) {
      fail(error_id::kIdNotFileName, file_, "/id",
           json_quoted(pattern.id) + " does not match the file name " +
               json_quoted(expected_id_ + ".json"));
    }
    pattern.title = text(root, "title");
    pattern.category = one_of(root, "category", kCategories, "category");
    pattern.severity = one_of(root, "severity", kSeverities, "severity");
    pattern.summary = text(root, "summary");
    pattern.detects = list(root, "detects", /*may_be_empty=*/false);
    for (std::size_t i = 0; i < pattern.detects.size(); ++i) {
      const std::string& oracle = pattern.detects[i];
      if (std::find(kOracles.begin(), kOracles.end(), oracle) == kOracles.end()) {
        fail(error_id::kUnknownValue, file_, "/detects/" + std::to_string(i),
             "unknown oracle " + json_quoted(oracle) + " (expected " + std::string(kOracleList) +
                 ")");
      }
    }
    pattern.owasp_mcp = list(root, "owasp_mcp", /*may_be_empty=*/false);
    for (std::size_t i = 0; i < pattern.owasp_mcp.size(); ++i) {
      if (!is_owasp_mcp_id(pattern.owasp_mcp[i])) {
        fail(error_id::kUnknownValue, file_, "/owasp_mcp/" + std::to_string(i),
             "unknown OWASP MCP id " + json_quoted(pattern.owasp_mcp[i]) +
                 " (expected MCP01 to MCP10)");
      }
    }
    pattern.mitigations = list(root, "mitigations", /*may_be_empty=*/false);
    pattern.applies_when = list(root, "applies_when", /*may_be_empty=*/false);
    pattern.scenarios = list(root, "scenarios", /*may_be_empty=*/true);
    for (std::size_t i = 0; i < pattern.scenarios.size(); ++i) {
      if (!is_scenario_id(pattern.scenarios[i])) {
        fail(error_id::kMalformedId, file_, "/scenarios/" + std::to_string(i),
             json_quoted(pattern.scenarios[i]) + " is not a scenario id (<category>/<name>)");
      }
    }
    pattern.status = one_of(root, "status", kStatuses, "status");
    if (root.contains("reason")) pattern.reason = text(root, "reason");

    if (pattern.status == AttackStatus::not_yet && !root.contains("reason")) {
      fail(error_id::kReasonMismatch, file_, "", "a not-yet attack needs a \"reason\"");
    }
    if (pattern.status == AttackStatus::runnable && root.contains("reason")) {
      fail(error_id::kReasonMismatch, file_, "/reason", "only a not-yet attack has a reason");
    }
    if (pattern.status == AttackStatus::runnable && pattern.scenarios.empty()) {
      fail(error_id::kNoScenarios, file_, "/scenarios",
           "a runnable attack lists at least one scenario");
    }
    return pattern;
  }

 private:
  // A non-empty string member.
  std::string text(const Json& root, std::string_view key) {
    const Json& value = root.at(std::string(key));
    const std::string pointer = "/" + std::string(key);
    if (!value.is_string()) {
      fail(error_id::kWrongType, file_, pointer,
           "expected a string, got " + std::string(type_name(value)));
    }
    std::string result = value.get<std::string>();
    if (result.empty()) fail(error_id::kEmpty, file_, pointer, "must not be empty");
    return result;
  }

  // An array of distinct non-empty strings.
  std::vector<std::string> list(const Json& root, std::string_view key, bool may_be_empty) {
    const Json& value = root.at(std::string(key));
    const std::string pointer = "/" + std::string(key);
    if (!value.is_array()) {
      fail(error_id::kWrongType, file_, pointer,
           "expected an array of strings, got " + std::string(type_name(value)));
    }
    if (value.empty() && !may_be_empty) fail(error_id::kEmpty, file_, pointer, "must not be empty");
    std::vector<std::string> result;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string element_pointer = pointer + "/" + std::to_string(i);
      if (!value[i].is_string()) {
        fail(error_id::kWrongType, file_, element_pointer,
             "expected a string, got " + std::string(type_name(value[i])));
      }
      std::string element = value[i].get<std::string>();
      if (element.empty()) fail(error_id::kEmpty, file_, element_pointer, "must not be empty");
      if (std::find(result.begin(), result.end(), element) != result.end()) {
        fail(error_id::kListedTwice, file_, element_pointer,
             json_quoted(element) + " is listed twice");
      }
      result.push_back(std::move(element));
    }
    return result;
  }

  template <typename Enum, std::size_t N>
  Enum one_of(const Json& root, std::string_view key, const Spelling<Enum, N>& spelling,
              std::string_view what) {
    const std::string value = text(root, key);
    for (const auto& [name, candidate] : spelling.names) {
      if (name == value) return candidate;
    }
    fail(error_id::kUnknownValue, file_, "/" + std::string(key),
         "unknown " + std::string(what) + " " + json_quoted(value) + " (expected " +
             std::string(spelling.expected) + ")");
  }

  std::string file_;
  std::string expected_id_;
};

// Orders ids by their letters, then numerically: A2 before A10.
bool id_less(std::string_view a, std::string_view b) {
  auto split = [](std::string_view id) {
    std::size_t letters = 0;
    while (letters < id.size() && !std::isdigit(static_cast<unsigned char>(id[letters]))) {
      ++letters;
    }
    const std::string_view digits = id.substr(letters);
    return std::make_tuple(id.substr(0, letters), digits.size(), digits);
  };
  return split(a) < split(b);
}

AttackPattern read_attack_file(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (!in || !(bytes << in.rdbuf())) fail(error_id::kUnreadable, file, "", "cannot read file");
  auto parsed = mcp::parse_strict_json(bytes.str());
  if (const auto* error = std::get_if<mcp::JsonError>(&parsed)) {
    if (error->kind == mcp::JsonErrorKind::duplicate_key) {
      fail(error_id::kDuplicateKey, file, "", error->message);
    }
    fail(error_id::kNotJson, file, "", "not JSON: " + error->message);
  }
  return AttackFileReader(file, path.stem().string()).read(std::get<Json>(parsed));
}

}  // namespace

std::string_view to_string(AttackCategory category) { return spelling_of(kCategories, category); }
std::string_view to_string(AttackSeverity severity) { return spelling_of(kSeverities, severity); }
std::string_view to_string(AttackStatus status) { return spelling_of(kStatuses, status); }

const AttackPattern* AttackDatabase::find(std::string_view id) const {
  for (const AttackPattern& pattern : patterns) {
    if (pattern.id == id) return &pattern;
  }
  return nullptr;
}

AttackDatabase load_attack_database(const std::string& directory) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) fail(error_id::kUnreadable, directory, "", "cannot read the directory: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    if (path.extension() == ".json" && !it->is_directory(ec)) files.push_back(path);
  }
  if (ec) fail(error_id::kUnreadable, directory, "", "cannot read the directory: " + ec.message());
  if (files.empty()) fail(error_id::kNoAttackFiles, directory, "", "no attack files (*.json)");
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return id_less(a.stem().string(), b.stem().string());
  });

  AttackDatabase database;
  for (const std::filesystem::path& path : files) {
    database.patterns.push_back(read_attack_file(path));
  }
  return database;
}

}  // namespace gatecrash::harness
