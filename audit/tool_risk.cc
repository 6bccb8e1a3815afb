// audit/tool_risk.cc — the classifier: annotations, name verbs and description words -> class.
#include "audit/tool_risk.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <utility>

namespace gatecrash::audit {
namespace {

using Json = nlohmann::json;

// Verbs as they appear in tool names. A destructive verb anywhere in the name decides; otherwise
// the first word found in one of these lists gives the name's class.
constexpr std::string_view kDestructiveVerbs[] = {
    "delete", "destroy",  "remove",    "rm",   "drop",   "purge",      "expunge",  "wipe",
    "erase",  "truncate", "terminate", "kill", "revoke", "unregister", "uninstall"};
constexpr std::string_view kExecuteVerbs[] = {
    "execute", "exec",   "run",     "start",  "stop",    "restart", "reboot", "shutdown",
    "halt",    "launch", "trigger", "invoke", "migrate", "spawn",   "send",   "publish"};
constexpr std::string_view kWriteVerbs[] = {
    "create", "update",  "set",       "put",          "post",     "patch",   "add",     "insert",
    "upsert", "edit",    "modify",    "change",       "write",    "save",    "store",   "upload",
    "attach", "detach",  "associate", "disassociate", "enable",   "disable", "assign",  "unassign",
    "move",   "rename",  "copy",      "import",       "generate", "provide", "claim",   "release",
    "track",  "resize",  "scale",     "reset",        "register", "submit",  "approve", "reject",
    "lock",   "unlock",  "grant",     "deploy",       "apply",    "commit",  "merge",   "push",
    "mark",   "archive", "restore",   "configure",    "install",  "replace", "cancel",  "close",
    "invite", "share",   "transfer",  "sync",         "complete", "book",    "reserve", "allocate",
    "acquire"};
constexpr std::string_view kReadVerbs[] = {
    "get",      "list",    "read",    "search",   "find",   "query",    "describe",
    "show",     "fetch",   "lookup",  "view",     "count",  "check",    "health",
    "status",   "info",    "inspect", "watch",    "export", "download", "explain",
    "evaluate", "analyze", "preview", "validate", "browse", "retrieve"};
// "ExecuteQuery", "run_query": running a query reads.
constexpr std::string_view kQueryVerbs[] = {"execute", "exec", "run"};
constexpr std::string_view kQueryObjects[] = {"query", "search", "select"};

// Description words that say the tool deletes: exact words, then stems.
constexpr std::string_view kDestructiveWords[] = {
    "drop",    "drops", "dropped", "dropping", "erase",  "erased",     "erases",
    "erasing", "wipe",  "wiped",   "wipes",    "wiping", "permanently"};
constexpr std::string_view kDestructiveStems[] = {"delet",  "destroy", "destruct", "remov",
                                                  "expung", "purg",    "irrevers", "truncat"};

// A read whose object is one of these lists people or accounts (recon, catalogs.md).
constexpr std::string_view kPeopleObjects[] = {"user",     "users",  "account",
                                               "accounts", "member", "members"};
// Description phrases that mark recon data: administrator views and contact details.
constexpr std::string_view kReconPhrases[] = {"administrator", "e-mail address", "email address"};

// Property-name words (or adjacent pairs) that hold credentials. A bare "token" is not enough:
// paging and lease tokens ("next_token", "claimToken") are not secrets.
constexpr std::string_view kSecretWords[] = {"password", "passwd",     "passphrase",
                                             "secret",   "credential", "credentials",
                                             "apikey",   "privatekey", "authorization"};
constexpr std::pair<std::string_view, std::string_view> kSecretPairs[] = {
    {"api", "key"},       {"api", "token"},    {"access", "token"},
    {"auth", "token"},    {"bearer", "token"}, {"refresh", "token"},
    {"session", "token"}, {"private", "key"},  {"access", "key"}};

template <std::size_t N>
bool listed(const std::string_view (&list)[N], std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

std::string in_quotes(std::string_view word) { return "\"" + std::string(word) + "\""; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Evidence {
  ToolClass tool_class;
  std::string reason;
};

// What the explicit hints say. Absent hints are not evidence: MCP's defaults (destructiveHint
// true, openWorldHint true) would call every unannotated tool destructive.
std::optional<Evidence> from_annotations(const Json& tool) {
  auto found = tool.find("annotations");
  if (found == tool.end() || !found->is_object()) return std::nullopt;
  auto hint = [&](const char* key) -> std::optional<bool> {
    auto value = found->find(key);
    if (value == found->end() || !value->is_boolean()) return std::nullopt;
    return value->get<bool>();
  };
  if (hint("destructiveHint") == true) {
    return Evidence{ToolClass::destructive, "annotation destructiveHint"};
  }
  if (hint("readOnlyHint") == true) return Evidence{ToolClass::read, "annotation readOnlyHint"};
  if (hint("openWorldHint") == true) {
    return Evidence{ToolClass::execute, "annotation openWorldHint"};
  }
  if (hint("readOnlyHint") == false) {
    return Evidence{ToolClass::write, "annotation readOnlyHint false"};
  }
  return std::nullopt;
}

std::optional<Evidence> from_name(const std::vector<std::string>& words) {
  for (const auto& word : words) {
    if (listed(kDestructiveVerbs, word)) {
      return Evidence{ToolClass::destructive, "name verb " + in_quotes(word)};
    }
  }
  for (const auto& word : words) {
    if (listed(kExecuteVerbs, word)) {
      const bool runs_query = listed(kQueryVerbs, word) &&
                              std::any_of(words.begin(), words.end(), [](const std::string& w) {
                                return listed(kQueryObjects, w);
                              });
      if (runs_query) return Evidence{ToolClass::read, "name " + in_quotes(word) + " of a query"};
      return Evidence{ToolClass::execute, "name verb " + in_quotes(word)};
    }
    if (listed(kWriteVerbs, word))
      return Evidence{ToolClass::write, "name verb " + in_quotes(word)};
    if (listed(kReadVerbs, word)) return Evidence{ToolClass::read, "name verb " + in_quotes(word)};
  }
  return std::nullopt;
}

std::optional<Evidence> destructive_description(const std::string& description) {
  std::string word;
  auto judge = [&]() -> std::optional<Evidence> {
    if (word.empty()) return std::nullopt;
    const bool hit = listed(kDestructiveWords, word) ||
                     std::any_of(std::begin(kDestructiveStems), std::end(kDestructiveStems),
                                 [&](std::string_view stem) { return word.starts_with(stem); });
    if (hit) return Evidence{ToolClass::destructive, "description says " + in_quotes(word)};
    word.clear();
    return std::nullopt;
  };
  for (char c : description) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (auto found = judge()) {
      return found;
    }
  }
  return judge();
}

bool names_secret(const std::string& property) {
  const auto words = split_words(property);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (listed(kSecretWords, words[i])) return true;
    if (i + 1 < words.size()) {
      for (const auto& [first, second] : kSecretPairs) {
        if (words[i] == first && words[i + 1] == second) return true;
      }
    }
  }
  return false;
}

std::string string_member(const Json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

void add_signal(ToolRisk& risk, std::string_view name, std::string detail) {
  risk.signals.push_back(RiskSignal{std::string(name), std::move(detail)});
}

void classify(ToolRisk& risk, const Json& tool, const std::vector<std::string>& name_words) {
  const auto annotated = from_annotations(tool);
  const auto named = from_name(name_words);
  const auto described = destructive_description(string_member(tool, "description"));

  std::optional<Evidence> decided;
  if (annotated && annotated->tool_class == ToolClass::destructive) {
    decided = annotated;
  } else if (named && named->tool_class == ToolClass::destructive) {
    decided = named;
  } else if (described) {
    decided = described;
  } else if (annotated && annotated->tool_class == ToolClass::read && named &&
             named->tool_class != ToolClass::read) {
    decided = named;  // a read-only claim on a tool named like a write is not believed
  } else if (annotated) {
    decided = annotated;
  } else if (named) {
    decided = named;
  }
  if (!decided) {
    risk.tool_class = ToolClass::write;
    risk.evidence.push_back("no annotations and no known verb: assumed write");
    return;
  }
  risk.tool_class = decided->tool_class;
  for (const auto* evidence : {&annotated, &named, &described}) {
    if (*evidence) risk.evidence.push_back((*evidence)->reason);
  }
  if (annotated && annotated->tool_class != risk.tool_class) {
    add_signal(risk, risk_signal::kAnnotationsContradicted,
               annotated->reason + " contradicted by " + decided->reason);
  }
}

void find_recon(ToolRisk& risk, const Json& tool, const std::vector<std::string>& name_words) {
  if (risk.tool_class != ToolClass::read) return;
  if (!name_words.empty() && listed(kPeopleObjects, name_words.back())) {
    risk.recon = true;
    add_signal(risk, risk_signal::kRecon,
               "lists people or accounts (name " + in_quotes(name_words.back()) + ")");
    return;
  }
  const std::string description = lower(string_member(tool, "description"));
  for (std::string_view phrase : kReconPhrases) {
    if (description.find(phrase) != std::string::npos) {
      risk.recon = true;
      add_signal(risk, risk_signal::kRecon, "description says " + in_quotes(phrase));
      return;
    }
  }
}

}  // namespace

std::string_view to_string(ToolClass tool_class) {
  switch (tool_class) {
    case ToolClass::read:
      return "read";
    case ToolClass::write:
      return "write";
    case ToolClass::destructive:
      return "destructive";
    case ToolClass::execute:
      return "execute";
  }
  return "write";
}

std::string_view to_string(RiskLevel risk) {
  switch (risk) {
    case RiskLevel::low:
      return "low";
    case RiskLevel::medium:
      return "medium";
    case RiskLevel::high:
      return "high";
  }
  return "high";
}

RiskLevel risk_of(ToolClass tool_class) {
  switch (tool_class) {
    case ToolClass::read:
      return RiskLevel::low;
    case ToolClass::write:
      return RiskLevel::medium;
    case ToolClass::destructive:
    case ToolClass::execute:
      return RiskLevel::high;
  }
  return RiskLevel::high;
}

bool ToolRisk::has_signal(std::string_view signal_name) const {
  return std::any_of(signals.begin(), signals.end(),
                     [&](const RiskSignal& signal) { return signal.name == signal_name; });
}

std::vector<std::string> split_words(std::string_view name) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  auto is = [&](std::size_t i, int (*test)(int)) {
    return i < name.size() && test(static_cast<unsigned char>(name[i])) != 0;
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is(i, std::isalnum)) {
      flush();
      continue;
    }
    // A capital starts a word after a lower-case letter or digit ("getStatus"), and ends an
    // acronym when a lower-case letter follows it ("HTTPStatus" -> HTTP, Status).
    if (is(i, std::isupper) && !current.empty() &&
        (is(i - 1, std::islower) || is(i - 1, std::isdigit) ||
         (is(i - 1, std::isupper) && is(i + 1, std::islower)))) {
      flush();
    }
    current += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  flush();
  return words;
}

ToolRisk classify_tool(const Json& tool) {
  ToolRisk risk;
  risk.name = tool.at("name").get<std::string>();
  risk.input_schema = Json::object();
  if (auto schema = tool.find("inputSchema"); schema != tool.end() && schema->is_object()) {
    risk.input_schema = *schema;
    if (auto properties = schema->find("properties");
        properties != schema->end() && properties->is_object()) {
      for (const auto& [property, definition] : properties->items()) {
        risk.parameters.push_back(property);
        if (names_secret(property)) risk.secret_parameters.push_back(property);
      }
    }
  }
  const auto name_words = split_words(risk.name);
  classify(risk, tool, name_words);
  risk.risk = risk_of(risk.tool_class);
  if (risk.parameters.size() > kHighParameterCount) {
    add_signal(risk, risk_signal::kHighParameterCount,
               std::to_string(risk.parameters.size()) + " parameters (over " +
                   std::to_string(kHighParameterCount) + ")");
  }
  for (const auto& secret : risk.secret_parameters) {
    add_signal(risk, risk_signal::kSecretArgument,
               "parameter " + in_quotes(secret) + " holds a credential");
  }
  find_recon(risk, tool, name_words);
  return risk;
}

std::vector<ToolRisk> classify_tools(const std::vector<Json>& tools) {
  std::vector<ToolRisk> risks;
  risks.reserve(tools.size());
  for (const Json& tool : tools) risks.push_back(classify_tool(tool));
  return risks;
}

}  // namespace gatecrash::audit
