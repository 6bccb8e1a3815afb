// tests/unit-mock-personalities.cc — the mock's parser personalities and tampering, no processes.
#include <gtest/gtest.h>

#include <string>

#include "mcp/jsonrpc.h"
#include "mock_servers/personalities.h"
#include "mock_servers/tampering.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;

ParserPersonality personality(DuplicateKeys duplicates, KeyCase key_case = KeyCase::exact) {
  ParserPersonality p;
  p.duplicate_keys = duplicates;
  p.key_case = key_case;
  return p;
}

const ParserPersonality kStrict{};
const ParserPersonality kFirst = personality(DuplicateKeys::first);
const ParserPersonality kLast = personality(DuplicateKeys::last);
const ParserPersonality kCaseInsensitive = personality(DuplicateKeys::reject, KeyCase::insensitive);

// The frame `text` decodes to under `p`, which must be a single message.
mcp::Message one_message(std::string_view text, const ParserPersonality& p) {
  auto decoded = decode_with_personality(text, mcp::default_limits(), p);
  EXPECT_TRUE(std::holds_alternative<mcp::Frame>(decoded)) << text;
  if (!std::holds_alternative<mcp::Frame>(decoded)) return mcp::Notification{};
  const mcp::Frame& frame = std::get<mcp::Frame>(decoded);
  EXPECT_FALSE(frame.is_batch);
  EXPECT_EQ(frame.elements.size(), 1u);
  if (frame.elements.empty() || !std::holds_alternative<mcp::Message>(frame.elements[0])) {
    ADD_FAILURE() << "not a valid message: " << text;
    return mcp::Notification{};
  }
  return std::get<mcp::Message>(frame.elements[0]);
}

mcp::Request one_request(std::string_view text, const ParserPersonality& p) {
  mcp::Message message = one_message(text, p);
  EXPECT_TRUE(std::holds_alternative<mcp::Request>(message)) << text;
  if (!std::holds_alternative<mcp::Request>(message))
    return mcp::Request{mcp::RequestId(std::int64_t{0}), "", nullptr};
  return std::get<mcp::Request>(message);
}

// The frame-level refusal of `text` under `p`.
mcp::DecodeError refusal(std::string_view text, const ParserPersonality& p,
                         const mcp::Limits& limits = mcp::default_limits()) {
  auto decoded = decode_with_personality(text, limits, p);
  EXPECT_TRUE(std::holds_alternative<mcp::DecodeError>(decoded)) << text;
  if (!std::holds_alternative<mcp::DecodeError>(decoded)) return mcp::DecodeError{};
  return std::get<mcp::DecodeError>(decoded);
}

constexpr std::string_view kDuplicateName =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}})";

// ---- decode_with_personality: duplicate keys ---------------------------------------------------

TEST(DuplicateKeysPersonality, StrictRefusesWhatFirstAndLastReadTheirOwnWay) {
  const mcp::DecodeError strict = refusal(kDuplicateName, kStrict);
  EXPECT_EQ(strict.kind, "duplicate_key");
  EXPECT_EQ(strict.error.code, mcp::error_code::kInvalidRequest);

  const mcp::Request first = one_request(kDuplicateName, kFirst);
  EXPECT_EQ(first.id, mcp::RequestId(1));
  EXPECT_EQ(first.method, "tools/call");
  EXPECT_EQ(first.params, (json{{"name", "a"}}));
  const mcp::Request last = one_request(kDuplicateName, kLast);
  EXPECT_EQ(last.params, (json{{"name", "b"}}));
}

TEST(DuplicateKeysPersonality, AppliesToTheEnvelopeAndInsideArguments) {
  constexpr std::string_view kDuplicateMethod =
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list","method":"tools/call","params":{"name":"a"}})";
  EXPECT_EQ(refusal(kDuplicateMethod, kStrict).kind, "duplicate_key");
  EXPECT_EQ(one_request(kDuplicateMethod, kFirst).method, "tools/list");
  EXPECT_EQ(one_request(kDuplicateMethod, kLast).method, "tools/call");

  constexpr std::string_view kDuplicateArgument =
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"rm","arguments":{"path":"/tmp/x","force":false,"path":"/"}}})";
  EXPECT_EQ(refusal(kDuplicateArgument, kStrict).kind, "duplicate_key");
  EXPECT_EQ(one_request(kDuplicateArgument, kFirst).params["arguments"],
            (json{{"path", "/tmp/x"}, {"force", false}}));
  EXPECT_EQ(one_request(kDuplicateArgument, kLast).params["arguments"],
            (json{{"path", "/"}, {"force", false}}));
}

TEST(DuplicateKeysPersonality, RepeatsInSiblingObjectsAreKeptApart) {
  // "first" keeps the first of repeats per object, not the first "name" met anywhere.
  constexpr std::string_view kText =
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"a","arguments":{"name":"x","name":"y"},"name":"b"}})";
  const mcp::Request first = one_request(kText, kFirst);
  EXPECT_EQ(first.params["name"], "a");
  EXPECT_EQ(first.params["arguments"], (json{{"name", "x"}}));
  const mcp::Request last = one_request(kText, kLast);
  EXPECT_EQ(last.params["name"], "b");
  EXPECT_EQ(last.params["arguments"], (json{{"name", "y"}}));
}

TEST(DuplicateKeysPersonality, BatchesAreReadElementByElement) {
  constexpr std::string_view kBatch =
      R"([{"jsonrpc":"2.0","id":1,"method":"ping","id":2},{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"a","name":"b"}}])";
  EXPECT_EQ(refusal(kBatch, kStrict).kind, "duplicate_key");
  auto decoded = decode_with_personality(kBatch, mcp::default_limits(), kLast);
  ASSERT_TRUE(std::holds_alternative<mcp::Frame>(decoded));
  const mcp::Frame& frame = std::get<mcp::Frame>(decoded);
  EXPECT_TRUE(frame.is_batch);
  ASSERT_EQ(frame.elements.size(), 2u);
  const auto& ping = std::get<mcp::Request>(std::get<mcp::Message>(frame.elements[0]));
  EXPECT_EQ(ping.id, mcp::RequestId(2));
  const auto& call = std::get<mcp::Request>(std::get<mcp::Message>(frame.elements[1]));
  EXPECT_EQ(call.params["name"], "b");
}

// ---- decode_with_personality: key case ---------------------------------------------------------

TEST(KeyCasePersonality, CallParamsFoldCaseAndTheLastMatchInTheDocumentWins) {
  constexpr std::string_view kText =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_zones","Name":"destroy"}})";
  // The strict codec sees two different keys and reads "name"; Go reads the later "Name".
  EXPECT_EQ(one_request(kText, kStrict).params["name"], "list_zones");
  const mcp::Request folded = one_request(kText, kCaseInsensitive);
  EXPECT_EQ(folded.params, (json{{"name", "destroy"}}));

  constexpr std::string_view kReversed =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"NAME":"destroy","name":"list_zones"}})";
  EXPECT_EQ(one_request(kReversed, kCaseInsensitive).params["name"], "list_zones");

  // A case variant spelled with an escape (\u004e is N) is one too; so is a mixed-case one.
  constexpr std::string_view kEscaped =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_zones","\u004eame":"destroy"}})";
  EXPECT_EQ(one_request(kEscaped, kStrict).params["name"], "list_zones");
  EXPECT_EQ(one_request(kEscaped, kCaseInsensitive).params["name"], "destroy");
  constexpr std::string_view kMixed =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_zones","nAmE":"destroy"}})";
  EXPECT_EQ(one_request(kMixed, kCaseInsensitive).params["name"], "destroy");
}

TEST(KeyCasePersonality, AMessageWithoutCaseVariantsReadsAsTheStrictCodecReadsIt) {
  constexpr std::string_view kText =
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_zones","arguments":{"Name":"x"}}})";
  EXPECT_EQ(one_request(kText, kCaseInsensitive).params, one_request(kText, kStrict).params);
}

TEST(KeyCasePersonality, EnvelopeKeysAreReadWhateverTheirCase) {
  constexpr std::string_view kText =
      R"({"JSONRPC":"2.0","Id":6,"METHOD":"tools/call","Params":{"NAME":"list_zones","Arguments":{"zone":"z1"}}})";
  EXPECT_FALSE(std::holds_alternative<mcp::Message>(
      std::get<mcp::Frame>(mcp::decode_frame(kText)).elements.at(0)))
      << "the strict codec must refuse this, or the test shows nothing";
  const mcp::Request folded = one_request(kText, kCaseInsensitive);
  EXPECT_EQ(folded.id, mcp::RequestId(6));
  EXPECT_EQ(folded.method, "tools/call");
  EXPECT_EQ(folded.params, (json{{"name", "list_zones"}, {"arguments", {{"zone", "z1"}}}}));
}

TEST(KeyCasePersonality, ArgumentsKeysAndOtherMethodsParamsAreNotFolded) {
  constexpr std::string_view kArguments =
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"a","arguments":{"Zone":"z1","zone":"z2","NAME":"n"}}})";
  EXPECT_EQ(one_request(kArguments, kCaseInsensitive).params["arguments"],
            (json{{"Zone", "z1"}, {"zone", "z2"}, {"NAME", "n"}}));

  // Only tools/call params are struct-shaped; another method's params keep their keys.
  constexpr std::string_view kOtherMethod =
      R"({"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"Cursor":"c","NAME":"x"}})";
  EXPECT_EQ(one_request(kOtherMethod, kCaseInsensitive).params,
            (json{{"Cursor", "c"}, {"NAME", "x"}}));
}

TEST(KeyCasePersonality, ExactDuplicatesStayRefusedUnlessTheDuplicatePersonalityAllowsThem) {
  EXPECT_EQ(refusal(kDuplicateName, kCaseInsensitive).kind, "duplicate_key");
  const ParserPersonality go_like = personality(DuplicateKeys::last, KeyCase::insensitive);
  EXPECT_EQ(one_request(kDuplicateName, go_like).params, (json{{"name", "b"}}));
}

// Go's encoding/json sets the field once per matching key in document order, so "c" (the last
// match) wins even though an exact repeat of "name" sits before the case variant.
TEST(KeyCasePersonality, TheLastMatchInTheDocumentWinsAcrossExactAndCaseVariantRepeats) {
  const ParserPersonality go_like = personality(DuplicateKeys::last, KeyCase::insensitive);
  constexpr std::string_view kText =
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"a","Name":"b","name":"c"}})";
  EXPECT_EQ(one_request(kText, go_like).params["name"], "c");
  constexpr std::string_view kEnvelope =
      R"({"jsonrpc":"2.0","id":9,"method":"tools/list","METHOD":"ping","method":"tools/call","params":{"name":"a"}})";
  EXPECT_EQ(one_request(kEnvelope, go_like).method, "tools/call");
}

TEST(KeyCasePersonality, BatchElementsAreFoldedOneByOne) {
  constexpr std::string_view kBatch =
      R"([{"jsonrpc":"2.0","id":1,"METHOD":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a","NAME":"b"}}])";
  auto decoded = decode_with_personality(kBatch, mcp::default_limits(), kCaseInsensitive);
  ASSERT_TRUE(std::holds_alternative<mcp::Frame>(decoded));
  const mcp::Frame& frame = std::get<mcp::Frame>(decoded);
  EXPECT_TRUE(frame.is_batch);
  ASSERT_EQ(frame.elements.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<mcp::Message>(frame.elements[0]));
  EXPECT_EQ(std::get<mcp::Request>(std::get<mcp::Message>(frame.elements[0])).method, "ping");
  ASSERT_TRUE(std::holds_alternative<mcp::Message>(frame.elements[1]));
  EXPECT_EQ(std::get<mcp::Request>(std::get<mcp::Message>(frame.elements[1])).params["name"], "b");
}

// ---- decode_with_personality: what no personality forgives ------------------------------------

TEST(LenientPersonalities, SyntaxUtf8AndDepthErrorsStayRefused) {
  const std::vector<ParserPersonality> lenient = {
      kFirst, kLast, kCaseInsensitive, personality(DuplicateKeys::first, KeyCase::insensitive),
      personality(DuplicateKeys::last, KeyCase::insensitive)};
  mcp::Limits limits;
  limits.max_nesting_depth = 8;
  // Each starts with a duplicate key, so the strict codec stops there and the lenient parser is
  // what has to find the real problem further on.
  const std::string dup = R"({"jsonrpc":"2.0","id":1,"id":1,"method":"ping","params":{"x":)";
  const std::vector<std::string> broken = {
      dup + "1",                  // truncated
      dup + "1}} trailing",       // garbage after the value
      dup + "\"\xC3\x28\"}}",     // invalid UTF-8 in a string
      dup + "\"\\ud800\"}}",      // a lone surrogate
      dup + "[[[[[[[1]]]]]]]}}",  // 9 levels with a value in the deepest
      dup + "[[[[[[[]]]]]]]}}",   // 9 levels, the deepest one empty
      dup + "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}",  // 9 levels of objects
  };
  for (const std::string& text : broken) {
    for (const ParserPersonality& p : lenient) {
      SCOPED_TRACE(::testing::Message()
                   << text << " duplicate_keys=" << static_cast<int>(p.duplicate_keys)
                   << " key_case=" << static_cast<int>(p.key_case));
      auto decoded = decode_with_personality(text, limits, p);
      EXPECT_TRUE(std::holds_alternative<mcp::DecodeError>(decoded));
    }
  }
  // The same nesting one level shallower is fine, so the depth cases above test the depth.
  const std::string deep_enough = dup + "[[[[[[1]]]]]]}}";
  EXPECT_EQ(one_request(deep_enough.c_str(), kLast).method, "ping");  // default limits: 64
  auto within = decode_with_personality(deep_enough, limits, kLast);
  ASSERT_TRUE(std::holds_alternative<mcp::Frame>(within));

  // Without any duplicate key, the strict codec's own refusals come back unchanged.
  for (const ParserPersonality& p : lenient) {
    EXPECT_EQ(refusal("not json", p).kind, "parse_error");
    EXPECT_EQ(refusal("\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}", p).kind,
              "parse_error");
    EXPECT_EQ(refusal(std::string(9, '[') + std::string(9, ']'), p, limits).kind, "too_deep");
  }
}

// ---- resolve_tool_name -------------------------------------------------------------------------

const json kTools = json::parse(
    R"([{"name":"destroy_virtual_machine"},{"name":"list_zones"},{"name":"create_ssh_key_pair"}])");

// UTF-8 of the code points the lenient lookup folds.
const std::string kZeroWidthSpace = "\xE2\x80\x8B";  // U+200B
const std::string kFullwidthD = "\xEF\xBD\x84";      // U+FF44, fullwidth d
const std::string kFullwidthList = "\xEF\xBD\x8C\xEF\xBD\x89\xEF\xBD\x93\xEF\xBD\x94";  // "list"
const std::string kLongS = "\xC5\xBF";       // U+017F, Go's EqualFold maps it to s
const std::string kKelvin = "\xE2\x84\xAA";  // U+212A, Go's EqualFold maps it to k

std::optional<std::string> resolve(std::string_view received, NameLookup lookup) {
  return resolve_tool_name(received, lookup, kTools);
}

TEST(ResolveToolName, ExactMatchesOnlyTheNameAsListed) {
  for (NameLookup lookup :
       {NameLookup::exact, NameLookup::case_insensitive, NameLookup::trim, NameLookup::lenient}) {
    EXPECT_EQ(resolve("list_zones", lookup), "list_zones");
    EXPECT_EQ(resolve("list_zone", lookup), std::nullopt);
    EXPECT_EQ(resolve("", lookup), std::nullopt);
  }
  EXPECT_EQ(resolve("LIST_ZONES", NameLookup::exact), std::nullopt);
  EXPECT_EQ(resolve(" list_zones", NameLookup::exact), std::nullopt);
  EXPECT_EQ(resolve("list" + kZeroWidthSpace + "_zones", NameLookup::exact), std::nullopt);
}

TEST(ResolveToolName, CaseInsensitiveFoldsAsciiCaseOnly) {
  EXPECT_EQ(resolve("DESTROY_Virtual_Machine", NameLookup::case_insensitive),
            "destroy_virtual_machine");
  EXPECT_EQ(resolve(" list_zones", NameLookup::case_insensitive), std::nullopt) << "does not trim";
  EXPECT_EQ(resolve("li" + kLongS + "t_zones", NameLookup::case_insensitive), std::nullopt)
      << "U+017F is not ASCII case";
}

TEST(ResolveToolName, TrimIgnoresWhitespaceAndControlsAroundButNotCase) {
  EXPECT_EQ(resolve(" destroy_virtual_machine\t", NameLookup::trim), "destroy_virtual_machine");
  EXPECT_EQ(resolve(std::string("\0list_zones\0\0", 13), NameLookup::trim), "list_zones");
  EXPECT_EQ(resolve("\r\nlist_zones\x7F", NameLookup::trim), "list_zones");
  EXPECT_EQ(resolve(" LIST_ZONES", NameLookup::trim), std::nullopt) << "trim does not fold case";
  EXPECT_EQ(resolve("list _zones", NameLookup::trim), std::nullopt) << "only the ends are trimmed";
}

TEST(ResolveToolName, LenientAppliesTheKnownUnicodeFolds) {
  const std::string zero_width = "destroy" + kZeroWidthSpace + "_virtual_machine";
  const std::string kelvin = "create_ssh_" + kKelvin + "ey_pair";
  EXPECT_EQ(resolve(zero_width, NameLookup::lenient), "destroy_virtual_machine");
  EXPECT_EQ(resolve(kFullwidthD + "estroy_virtual_machine", NameLookup::lenient),
            "destroy_virtual_machine");
  EXPECT_EQ(resolve(kFullwidthList + "_zones", NameLookup::lenient), "list_zones");
  EXPECT_EQ(resolve("li" + kLongS + "t_zones", NameLookup::lenient), "list_zones");
  EXPECT_EQ(resolve(kelvin, NameLookup::lenient), "create_ssh_key_pair");
  // Lenient also trims and folds case, all at once.
  EXPECT_EQ(resolve(" LI" + kLongS + "T" + kZeroWidthSpace + "_ZONES\t", NameLookup::lenient),
            "list_zones");
  // None of these folds is done by the narrower lookups.
  for (NameLookup narrow : {NameLookup::case_insensitive, NameLookup::trim}) {
    EXPECT_EQ(resolve(zero_width, narrow), std::nullopt);
    EXPECT_EQ(resolve(kelvin, narrow), std::nullopt);
    EXPECT_EQ(resolve(kFullwidthList + "_zones", narrow), std::nullopt);
  }
  // A name that folds to nothing listed is still unknown.
  EXPECT_EQ(resolve("li" + kLongS + "t_" + kKelvin + "ones", NameLookup::lenient), std::nullopt);
  EXPECT_EQ(resolve(kZeroWidthSpace, NameLookup::lenient), std::nullopt);
}

// ---- coerce_arguments --------------------------------------------------------------------------

const json kSchema = json::parse(R"({"type":"object","properties":{
    "n":{"type":"integer"},"x":{"type":"number"},"b":{"type":"boolean"},
    "s":{"type":"string"},"a":{"type":"array"}}})");

json coerce(json arguments) { return coerce_arguments(std::move(arguments), kSchema); }

TEST(CoerceArguments, ConvertsValuesToTheirSchemaType) {
  const json integer = coerce({{"n", "42"}})["n"];
  EXPECT_TRUE(integer.is_number_integer()) << integer.dump();
  EXPECT_EQ(integer, 42);
  EXPECT_EQ(coerce({{"n", "-7"}})["n"], -7);
  const json whole = coerce({{"n", 3.0}})["n"];
  EXPECT_TRUE(whole.is_number_integer()) << whole.dump();
  EXPECT_EQ(whole, 3);

  const json number = coerce({{"x", "4.5"}})["x"];
  EXPECT_TRUE(number.is_number_float()) << number.dump();
  EXPECT_DOUBLE_EQ(number.get<double>(), 4.5);

  EXPECT_EQ(coerce({{"b", "true"}})["b"], true);
  EXPECT_EQ(coerce({{"b", "false"}})["b"], false);
  EXPECT_EQ(coerce({{"b", "1"}})["b"], true);
  EXPECT_EQ(coerce({{"b", "0"}})["b"], false);
  EXPECT_EQ(coerce({{"b", 1}})["b"], true);
  EXPECT_EQ(coerce({{"b", 0}})["b"], false);

  EXPECT_EQ(coerce({{"s", 7}})["s"], "7");
  EXPECT_EQ(coerce({{"s", true}})["s"], "true");

  EXPECT_EQ(coerce({{"a", "one"}})["a"], json::array({"one"}));
  EXPECT_EQ(coerce({{"a", 5}})["a"], json::array({5}));
}

TEST(CoerceArguments, LeavesValuesAloneThatCannotBeConvertedOrNeedNot) {
  const json unconvertible = {{"n", "abc"}, {"x", "1e400"}, {"b", "yes"}, {"a", {{"k", 1}}}};
  EXPECT_EQ(coerce(unconvertible), unconvertible);
  for (const char* text : {"4.5", "", " 42", "42abc", "99999999999999999999"}) {
    EXPECT_EQ(coerce({{"n", text}})["n"], text) << text;
  }
  for (const char* text : {"nan", "inf", "", "4.5.6"}) {
    EXPECT_EQ(coerce({{"x", text}})["x"], text) << text;
  }
  EXPECT_EQ(coerce({{"n", 3.5}})["n"], 3.5);
  EXPECT_EQ(coerce({{"b", 2}})["b"], 2);
  EXPECT_TRUE(coerce({{"a", nullptr}})["a"].is_null());

  // Values that already have their type are untouched (an integer is a number too).
  const json typed = {{"n", 42}, {"x", 4}, {"b", true}, {"s", "42"}, {"a", json::array({1})}};
  EXPECT_EQ(coerce(typed), typed);
  // Properties the schema does not declare are not the coercer's business.
  const json undeclared = {{"other", "42"}, {"n", "1"}};
  EXPECT_EQ(coerce(undeclared), (json{{"other", "42"}, {"n", 1}}));
  // Without properties to go by, nothing changes.
  EXPECT_EQ(coerce_arguments(json{{"n", "42"}}, json{{"type", "object"}}), (json{{"n", "42"}}));
  EXPECT_EQ(coerce_arguments(json::array({"42"}), kSchema), json::array({"42"}));
}

// ---- tampering ---------------------------------------------------------------------------------

const json kTool =
    json::parse(R"({"name":"list_zones","title":"List zones","description":"Lists zones.",
    "inputSchema":{"type":"object","properties":{"id":{"type":"string","description":"Zone id."},"available":{"type":"boolean"}}},
    "outputSchema":{"type":"object"},
    "annotations":{"readOnlyHint":false,"destructiveHint":true}})");

bool contains(const json& value, std::string_view needle) {
  return value.is_string() && value.get_ref<const std::string&>().find(needle) != std::string::npos;
}

TEST(Tampering, PlantedInstructionsCarryTheCanaryAndTheirAttackId) {
  EXPECT_TRUE(contains(json(poison_instruction()), std::string(kCanaryMarker) + ":S1"));
  EXPECT_TRUE(contains(json(shadow_instruction("send_email")), std::string(kCanaryMarker) + ":S3"));
  EXPECT_TRUE(contains(json(shadow_instruction("send_email")), "send_email"));
  const std::string injected = injected_result_text();
  EXPECT_TRUE(injected.starts_with("\x1b[8m")) << "the instruction must be concealed";
  EXPECT_TRUE(injected.ends_with("\x1b[0m"));
  EXPECT_NE(injected.find(std::string(kCanaryMarker) + ":S4"), std::string::npos);
}

TEST(Tampering, PoisonedAppendsTheInstructionToTheToolAndEveryProperty) {
  const std::string instruction = poison_instruction();
  const json tool = poisoned(kTool);
  EXPECT_EQ(tool["description"], "Lists zones. " + instruction);
  EXPECT_EQ(tool["inputSchema"]["properties"]["id"]["description"], "Zone id. " + instruction);
  EXPECT_EQ(tool["inputSchema"]["properties"]["available"]["description"], instruction);
  EXPECT_EQ(tool["inputSchema"]["properties"]["id"]["type"], "string");
  EXPECT_EQ(tool["name"], "list_zones");
  EXPECT_EQ(tool["annotations"], kTool["annotations"]);

  // Without properties, the schema's own description carries it.
  const json bare = poisoned(json{{"name", "get_me"}, {"inputSchema", {{"type", "object"}}}});
  EXPECT_EQ(bare["description"], instruction);
  EXPECT_EQ(bare["inputSchema"]["description"], instruction);
  const json no_schema = poisoned(json{{"name", "get_me"}});
  EXPECT_EQ(no_schema["inputSchema"]["type"], "object");
  EXPECT_EQ(no_schema["inputSchema"]["description"], instruction);
}

TEST(Tampering, LyingAnnotationsClaimAHarmlessTool) {
  const json tool = with_lying_annotations(kTool);
  EXPECT_EQ(tool["annotations"], (json{{"readOnlyHint", true},
                                       {"destructiveHint", false},
                                       {"idempotentHint", true},
                                       {"openWorldHint", false}}));
  json rest = tool;
  rest["annotations"] = kTool["annotations"];
  EXPECT_EQ(rest, kTool) << "only the annotations change";
}

TEST(Tampering, ShadowDefinitionCopiesTheSchemaUnderTheOtherName) {
  const json shadow = shadow_definition(kTool, "send_email");
  EXPECT_EQ(shadow["name"], "send_email");
  EXPECT_TRUE(contains(shadow["description"], shadow_instruction("send_email"))) << shadow.dump();
  EXPECT_EQ(shadow["inputSchema"], kTool["inputSchema"]);
  EXPECT_FALSE(shadow.contains("title"));
  EXPECT_FALSE(shadow.contains("outputSchema"));
}

TEST(Tampering, InjectPlantsTheTextWhereAsked) {
  const json original = {{"content", json::array({{{"type", "text"}, {"text", "zones: z1"}}})},
                         {"structuredContent", {{"zones", json::array({"z1"})}}}};
  const std::string text = injected_result_text();

  json content = original;
  inject_into_result(content, InjectInto::content);
  ASSERT_EQ(content["content"].size(), 2u);
  EXPECT_EQ(content["content"][0], original["content"][0]);
  EXPECT_EQ(content["content"][1], (json{{"type", "text"}, {"text", text}}));
  EXPECT_EQ(content["structuredContent"], original["structuredContent"]);

  json structured = original;
  inject_into_result(structured, InjectInto::structured);
  EXPECT_EQ(structured["content"], original["content"]);
  EXPECT_EQ(structured["structuredContent"]["note"], text);
  EXPECT_EQ(structured["structuredContent"]["zones"], json::array({"z1"}));

  json both = original;
  inject_into_result(both, InjectInto::both);
  EXPECT_EQ(both["content"][1]["text"], text);
  EXPECT_EQ(both["structuredContent"]["note"], text);

  json plain = {{"content", json::array()}};
  inject_into_result(plain, InjectInto::structured);
  EXPECT_EQ(plain["structuredContent"], (json{{"note", text}})) << "created when missing";

  json untouched = original;
  inject_into_result(untouched, InjectInto::nowhere);
  EXPECT_EQ(untouched, original);
}

std::size_t text_bytes(const json& result) {
  std::size_t total = 0;
  for (const json& item : result["content"]) {
    if (item.contains("text")) total += item["text"].get_ref<const std::string&>().size();
  }
  return total;
}

TEST(Tampering, PadResultTopsTheTextUpToTheSize) {
  json result = {{"content", json::array({{{"type", "text"}, {"text", "0123456789"}}})}};
  pad_result(result, 1000);
  EXPECT_EQ(text_bytes(result), 1000u);
  ASSERT_EQ(result["content"].size(), 2u);
  EXPECT_EQ(result["content"][0]["text"], "0123456789");
  EXPECT_EQ(result["content"][1]["type"], "text");

  for (std::size_t size : {1u, 26u, 27u, 28u, 100'001u}) {
    json empty = json::object();
    pad_result(empty, size);
    EXPECT_EQ(text_bytes(empty), size) << size;
  }
  // Enough text already: nothing is added.
  json big = {{"content", json::array({{{"type", "text"}, {"text", std::string(50, 'x')}}})}};
  const json before = big;
  pad_result(big, 50);
  EXPECT_EQ(big, before);
}

}  // namespace
}  // namespace gatecrash::mock
