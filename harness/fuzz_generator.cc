// harness/fuzz_generator.cc — the mutator table behind `gatecrash fuzz`, and schema-driven arguments.
#include "harness/fuzz_generator.h"

#include "harness/base64.h"

#include <algorithm>
#include <array>
#include <functional>
#include <cstdlib>
#include <set>

namespace gatecrash::harness {
namespace {

using Json = nlohmann::json;
using Rng = std::mt19937_64;

// splitmix64: turns (seed, case index) into independent, well-mixed stream seeds.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::size_t below(Rng& rng, std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); }
bool chance(Rng& rng, int percent) { return static_cast<int>(rng() % 100) < percent; }
template <typename T, std::size_t N>
const T& pick(Rng& rng, const std::array<T, N>& items) {
  return items[below(rng, N)];
}

// What one mutator sees: the target, the stream, and the case's own counters.
struct Context {
  const FuzzTarget& target;
  Rng& rng;
  std::uint64_t case_index;
  int raw_ids = 0;
  int sessions = 0;  // extra sessions opened by this case

  const Json& any_tool() { return target.tools[below(rng, target.tools.size())]; }
  std::string raw_id() { return "fz-" + std::to_string(case_index) + "-" + std::to_string(++raw_ids); }
};

// ---- values from a JSON Schema (the subset MCP tool schemas use) ----------------------------

constexpr std::array<std::string_view, 10> kWords = {"vm-1",   "default", "admin", "project-7", "2026-01-01T00:00:00Z",
                                                     "up",     "a",       "",      "ÄÖÜ ß",     "query{job=\"x\"}"};

Json value_for(const Json& schema, Rng& rng, int depth) {
  if (!schema.is_object()) return "x";
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    return schema["enum"][below(rng, schema["enum"].size())];
  }
  std::string type = "string";
  if (schema.contains("type")) {
    const Json& t = schema["type"];
    if (t.is_string()) type = t.get<std::string>();
    if (t.is_array() && !t.empty() && t[0].is_string()) type = t[below(rng, t.size())].is_string() ? t[below(rng, t.size())].get<std::string>() : "string";
  }
  if (type == "integer") return std::array<std::int64_t, 7>{0, 1, 2, 10, 30, 100, 1000}[below(rng, 7)];
  if (type == "number") return std::array<double, 5>{0.5, 1.0, 2.25, 60.0, 1000.0}[below(rng, 5)];
  if (type == "boolean") return chance(rng, 50);
  if (type == "null") return nullptr;
  if (type == "array") {
    Json out = Json::array();
    if (depth < 4) {
      const std::size_t n = below(rng, 3);
      for (std::size_t i = 0; i < n; ++i) out.push_back(value_for(schema.value("items", Json::object()), rng, depth + 1));
    }
    return out;
  }
  if (type == "object") {
    Json out = Json::object();
    if (depth < 4 && schema.contains("properties") && schema["properties"].is_object()) {
      std::set<std::string> required;
      if (schema.contains("required") && schema["required"].is_array()) {
        for (const auto& name : schema["required"]) {
          if (name.is_string()) required.insert(name.get<std::string>());
        }
      }
      for (const auto& [name, sub] : schema["properties"].items()) {
        if (required.contains(name) || chance(rng, 40)) out[name] = value_for(sub, rng, depth + 1);
      }
    }
    return out;
  }
  return std::string(pick(rng, kWords));
}

Json arguments_for(const Json& tool, Rng& rng) {
  Json schema = tool.value("inputSchema", Json::object());
  if (!schema.is_object()) schema = Json::object();
  schema["type"] = "object";
  return value_for(schema, rng, 0);
}

// ---- argument mutations (still JSON: they go through `call` steps) -------------------------

Json nested(int depth, Json leaf) {
  for (int i = 0; i < depth; ++i) leaf = Json{{"a", std::move(leaf)}};
  return leaf;
}

Json mutate_arguments(Json arguments, Rng& rng) {
  static const std::array<Json, 12> kOddValues = {
      Json("12"), Json(-1), Json(1e308), Json(9007199254740993ULL), Json(nullptr), Json(true), Json::array({1, "x"}),
      Json::object({{"$gt", ""}}), Json("\u202Eevil\u200B"), Json(std::string(10'000, 'A')), Json("../../etc/passwd"),
      Json("' OR 1=1 --")};
  switch (below(rng, 5)) {
    case 0:  // a value of another type or shape
      if (!arguments.empty()) {
        auto it = arguments.begin();
        std::advance(it, static_cast<long>(below(rng, arguments.size())));
        *it = pick(rng, kOddValues);
        break;
      }
      [[fallthrough]];
    case 1:  // a key the schema does not have
      arguments[std::string(pick(rng, std::array<std::string_view, 5>{"__proto__", "_meta", "constructor", "admin", "Name"}))] =
          pick(rng, kOddValues);
      break;
    case 2:  // a required key missing
      if (!arguments.empty()) arguments.erase(arguments.begin());
      break;
    case 3:  // deep nesting inside a value
      // Within the 64 levels a gateway must accept (deeper is the raw deep-nesting mutator's).
      arguments["deep"] = nested(static_cast<int>(10 + below(rng, 45)), Json(1));
      break;
    default:  // many keys
      for (int i = 0; i < 64; ++i) arguments["k" + std::to_string(i)] = i;
      break;
  }
  return arguments;
}

// ---- tool-name confusion ---------------------------------------------------------------------

std::string name_variant(const std::string& name, Rng& rng, std::string& attack) {
  std::string out = name;
  switch (below(rng, 6)) {
    case 0:
      attack = "A1";
      std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      return out;
    case 1:
      attack = "A1";
      if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
      return out;
    case 2:  // a Cyrillic 'а' (U+0430) for the first 'a', or a zero-width space inside
      attack = "A2";
      if (auto at = out.find('a'); at != std::string::npos) return out.replace(at, 1, "\xD0\xB0");
      return out.insert(out.size() / 2, "\xE2\x80\x8B");
    case 3:
      attack = "A3";
      return pick(rng, std::array<std::string_view, 4>{" ", "\t", "\n", "\xC2\xA0"}).data() + out;
    case 4:
      attack = "A3";
      return out + pick(rng, std::array<std::string_view, 3>{" ", "\r", "\x00"}).data();
    default:
      attack = "A4";
      return std::string(pick(rng, std::array<std::string_view, 4>{"functions.", "cloudstack__", "mcp_", "../"})) + out;
  }
}

// ---- raw envelopes -----------------------------------------------------------------------------

std::string call_text(const std::string& id_json, const std::string& name_json, const std::string& arguments_json) {
  return R"({"jsonrpc":"2.0","id":)" + id_json + R"(,"method":"tools/call","params":{"name":)" + name_json +
         R"(,"arguments":)" + arguments_json + "}}";
}

// Raw bytes wait at most 300 ms for an answer: most are answered at once with an error. A message
// without an id (a notification, a response) is never answered, so it waits only 10 ms: an answer
// that comes later is still read (and judged) by the next step.
constexpr int kRawWaitMs = 300;
constexpr int kSilentWaitMs = 10;

Json raw_step(std::string bytes, const std::string& attack) {
  return {{"do", "raw"}, {"bytes", std::move(bytes)}, {"attack", attack}, {"wait_ms", kRawWaitMs}};
}

Json raw_base64_step(const std::string& bytes, const std::string& attack) {
  return {{"do", "raw"}, {"bytes_base64", encode_base64(bytes)}, {"attack", attack}, {"wait_ms", kRawWaitMs}};
}

std::string quoted(const std::string& text) { return Json(text).dump(); }

// ---- the mutator table ----------------------------------------------------------------------------

struct Mutator {
  std::string_view name;
  int weight;
  std::function<std::vector<Json>(Context&)> steps;
};

const std::vector<Mutator>& mutators() {
  static const std::vector<Mutator> table = {
      {"schema-call", 14,
       [](Context& c) {
         const Json& tool = c.any_tool();
         Json step = {{"do", "call"}, {"tool", tool["name"]}, {"arguments", arguments_for(tool, c.rng)}, {"attack", "R2"}};
         if (chance(c.rng, 25)) {
           step["repeat"] = 2 + below(c.rng, 6);
           step["concurrency"] = 1 + below(c.rng, 4);
         }
         return std::vector<Json>{step};
       }},
      {"burst", 3,
       [](Context& c) {
         // Many calls of one tool in flight at once (pipelined on stdio, parallel POSTs on HTTP):
         // a gateway that checks a cap before charging it lets more than max through.
         const Json& tool = c.any_tool();
         return std::vector<Json>{{{"do", "call"}, {"tool", tool["name"]}, {"arguments", arguments_for(tool, c.rng)},
                                   {"repeat", 16 + below(c.rng, 49)}, {"concurrency", 8 + below(c.rng, 25)}, {"attack", "R2"}}};
       }},
      {"argument-mutation", 10,
       [](Context& c) {
         const Json& tool = c.any_tool();
         return std::vector<Json>{{{"do", "call"}, {"tool", tool["name"]}, {"arguments", mutate_arguments(arguments_for(tool, c.rng), c.rng)},
                                   {"attack", "A15"}}};
       }},
      {"tool-name-confusion", 8,
       [](Context& c) {
         std::string attack;
         const std::string name = name_variant(c.any_tool()["name"].get<std::string>(), c.rng, attack);
         const Json& tool = c.any_tool();
         // As raw bytes: a `call` step would map the name through the profile's tool_names.
         return std::vector<Json>{raw_step(call_text(quoted(c.raw_id()), quoted(name), arguments_for(tool, c.rng).dump()), attack)};
       }},
      {"duplicate-name-key", 5,
       [](Context& c) {
         const Json& a = c.any_tool();
         const Json& b = c.any_tool();
         const std::string text = R"({"jsonrpc":"2.0","id":)" + quoted(c.raw_id()) + R"(,"method":"tools/call","params":{"name":)" +
                                  a["name"].dump() + R"(,"arguments":{},"name":)" + b["name"].dump() + "}}";
         return std::vector<Json>{raw_step(text, "A7")};
       }},
      {"case-variant-keys", 4,
       [](Context& c) {
         const Json& tool = c.any_tool();
         const std::string text = R"({"jsonrpc":"2.0","id":)" + quoted(c.raw_id()) + R"(,"method":"tools/call","params":{"name":"x","Name":)" +
                                  tool["name"].dump() + R"(,"arguments":{}}})";
         return std::vector<Json>{raw_step(text, "A6")};
       }},
      {"id-types", 4,
       [](Context& c) {
         const std::string id(pick(c.rng, std::array<std::string_view, 8>{"null", "{}", "[1]", "true", "1.5", "-0", "1e400",
                                                                          "18446744073709551616"}));
         return std::vector<Json>{raw_step(call_text(id, c.any_tool()["name"].dump(), "{}"), "M3")};
       }},
      {"envelope-types", 4,
       [](Context& c) {
         const std::string name = c.any_tool()["name"].dump();
         const std::string id = quoted(c.raw_id());
         const std::array<std::string, 6> texts = {
             R"({"jsonrpc":"1.0","id":)" + id + R"(,"method":"tools/call","params":{"name":)" + name + "}}",
             R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":["tools/call"],"params":{"name":)" + name + "}}",
             R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":[)" + name + "]}",
             R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":)" + name + R"(,"arguments":"{}"}})",
             R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":)" + name + R"(,"arguments":[]}})",
             R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":)" + name +
                 R"(,"arguments":{},"_meta":{"progressToken":{"x":1}}}})"};
         return std::vector<Json>{raw_step(pick(c.rng, texts), "M3")};
       }},
      {"invalid-utf8", 4,
       [](Context& c) {
         std::string name = c.any_tool()["name"].get<std::string>();
         name.insert(below(c.rng, name.size() + 1),
                     std::string(pick(c.rng, std::array<std::string_view, 5>{"\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"})));
         return std::vector<Json>{raw_base64_step(call_text(quoted(c.raw_id()), "\"" + name + "\"", "{}"), "M4")};
       }},
      {"deep-nesting", 3,
       [](Context& c) {
         const int depth = static_cast<int>(pick(c.rng, std::array<int, 4>{63, 65, 200, 3000}));
         const std::string arguments = "{\"a\":" + std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']') + "}";
         return std::vector<Json>{raw_step(call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), arguments), "M1")};
       }},
      {"huge-value", 1,
       [](Context& c) {
         const std::size_t count = pick(c.rng, std::array<std::size_t, 3>{1000, 100'000, 300'000});
         Json step = raw_step(call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), R"({"text":"@@FILL@@"})"), "M2");
         step["fill"] = {{"marker", "@@FILL@@"}, {"text", "AAAAAAAAAAAAAAAA"}, {"count", count}};
         return std::vector<Json>{step};
       }},
      {"non-standard-numbers", 3,
       [](Context& c) {
         const std::string number(pick(c.rng, std::array<std::string_view, 8>{"NaN", "Infinity", "-Infinity", "1e999", "0x10", "+1", ".5", "01"}));
         return std::vector<Json>{raw_step(call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), "{\"n\":" + number + "}"), "M5")};
       }},
      {"framing", 3,
       [](Context& c) {
         const std::string full = call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), "{}");
         switch (below(c.rng, 4)) {
           case 0: return std::vector<Json>{raw_step(full.substr(0, below(c.rng, full.size())), "M6")};  // truncated
           case 1: return std::vector<Json>{raw_step(full + " trailing", "M6")};
           case 2: return std::vector<Json>{raw_step(full + "\r", "M6")};
           default: {
             std::string garbage;
             for (std::size_t i = 0, n = 1 + below(c.rng, 40); i < n; ++i) garbage += static_cast<char>(0x20 + below(c.rng, 0x5F));
             return std::vector<Json>{raw_step(garbage, "M6")};
           }
         }
       }},
      {"batch", 4,
       [](Context& c) {
         // Batches exist only in 2025-03-26: a session of that version of its own, so that every
         // group of steps stands alone when a finding is minimised.
         const std::string session = "legacy-" + std::to_string(++c.sessions);
         Json calls = Json::array();
         for (std::size_t i = 0, n = 2 + below(c.rng, 4); i < n; ++i) {
           const Json& tool = c.any_tool();
           calls.push_back({{"tool", tool["name"]}, {"arguments", arguments_for(tool, c.rng)}});
         }
         return std::vector<Json>{{{"do", "session"}, {"session", session}, {"protocol_version", "2025-03-26"}, {"attack", "R8"}},
                                  {{"do", "batch"}, {"session", session}, {"calls", calls}, {"attack", "R8"}},
                                  {{"do", "close"}, {"session", session}, {"attack", "R8"}}};
       }},
      {"raw-batch", 2,
       [](Context& c) {
         const std::string one = call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), "{}");
         const std::string two = call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), "{}");
         return std::vector<Json>{raw_step(pick(c.rng, std::array<std::string, 4>{"[" + one + "," + two + "]", "[]", "[" + one + ",1]",
                                                                                  "[" + one + ",[" + two + "]]"}),
                                           "R8")};
       }},
      {"notification-shaped-call", 3,
       [](Context& c) {
         const std::string name = c.any_tool()["name"].dump();
         Json step = raw_step(pick(c.rng, std::array<std::string, 3>{
                                  R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":)" + name + R"(,"arguments":{}}})",
                                  R"({"jsonrpc":"2.0","id":)" + quoted(c.raw_id()) +
                                      R"(,"method":"notifications/cancelled","params":{"requestId":"gc-1"}})",
                                  R"({"jsonrpc":"2.0","id":)" + quoted(c.raw_id()) + R"(,"result":{"name":)" + name + "}}"}),
                              "P5");
         step["wait_ms"] = kSilentWaitMs;
         return std::vector<Json>{step};
       }},
      {"id-reuse", 3,
       [](Context& c) {
         const std::string id = quoted(c.raw_id());
         const std::string text = call_text(id, c.any_tool()["name"].dump(), "{}");
         return std::vector<Json>{raw_step(text, "P3"), raw_step(text, "P3")};
       }},
      {"cancel-race", 3,
       [](Context& c) {
         const Json& tool = c.any_tool();
         return std::vector<Json>{{{"do", "cancel"}, {"tool", tool["name"]}, {"arguments", arguments_for(tool, c.rng)}, {"attack", "P4"},
                                   {"wait_ms", kSilentWaitMs}}};
       }},
      {"before-initialize", 2,
       [](Context& c) {
         const std::string session = "early-" + std::to_string(++c.sessions);
         const std::string text = call_text(quoted(c.raw_id()), c.any_tool()["name"].dump(), "{}");
         return std::vector<Json>{{{"do", "session"}, {"session", session}, {"initialize", false}, {"attack", "P1"}},
                                  {{"do", "raw"}, {"session", session}, {"bytes", text}, {"attack", "P1"}, {"wait_ms", kRawWaitMs}},
                                  {{"do", "close"}, {"session", session}, {"attack", "P1"}}};
       }},
      {"identity-churn", 2,
       [](Context& c) {
         return std::vector<Json>{{{"do", "identity"}, {"identity", chance(c.rng, 50) ? "alice" : "bob"}, {"attack", "R4"}}};
       }},
      {"list", 2, [](Context&) { return std::vector<Json>{{{"do", "list"}, {"attack", "A12"}}}; }},
      {"notify", 2,
       [](Context& c) {
         const std::string method(pick(c.rng, std::array<std::string_view, 4>{"notifications/initialized", "notifications/roots/list_changed",
                                                                              "notifications/progress", "notifications/x-unknown"}));
         return std::vector<Json>{{{"do", "notify"}, {"method", method}, {"params", Json::object()}, {"attack", "P5"}}};
       }},
  };
  return table;
}

}  // namespace

std::string fuzz_group_note(int group, std::string_view mutator) {
  return "fuzz group " + std::to_string(group) + ": " + std::string(mutator);
}

int fuzz_group_of(const Json& step) {
  const std::string note = step.is_object() ? step.value("note", "") : "";
  constexpr std::string_view kPrefix = "fuzz group ";
  if (note.rfind(kPrefix, 0) != 0) return -1;
  return std::atoi(note.c_str() + kPrefix.size());
}

std::vector<std::string_view> fuzz_mutator_names() {
  std::vector<std::string_view> names;
  for (const auto& mutator : mutators()) names.push_back(mutator.name);
  return names;
}

FuzzGenerator::FuzzGenerator(FuzzTarget target, std::uint64_t seed) : target_(std::move(target)), seed_(seed) {}

Json FuzzGenerator::next_case(std::uint64_t index, int steps) const {
  Rng rng(mix(seed_ ^ mix(index)));
  Context context{target_, rng, index};
  int total_weight = 0;
  for (const auto& mutator : mutators()) total_weight += mutator.weight;
  Json list = Json::array();
  std::set<std::string> attacks;
  int group = 0;
  while (static_cast<int>(list.size()) < steps) {
    int roll = static_cast<int>(below(rng, static_cast<std::size_t>(total_weight)));
    const Mutator* chosen = &mutators().front();
    for (const auto& mutator : mutators()) {
      if ((roll -= mutator.weight) < 0) {
        chosen = &mutator;
        break;
      }
    }
    ++group;
    for (auto& step : chosen->steps(context)) {
      step["note"] = fuzz_group_note(group, chosen->name);
      attacks.insert(step["attack"].get<std::string>());
      list.push_back(std::move(step));
    }
  }
  return {{"id", "fuzz/case-" + std::to_string(index)},
          {"title", "gatecrash fuzz case " + std::to_string(index) + " of seed " + std::to_string(seed_)},
          {"attacks", std::vector<std::string>(attacks.begin(), attacks.end())},
          {"servers", Json::array({{{"name", target_.catalog}, {"catalog", target_.catalog}, {"behaviors", target_.behaviors}}})},
          {"policy", target_.policy},
          {"identities", {"alice", "bob"}},
          {"steps", std::move(list)}};
}

}  // namespace gatecrash::harness
