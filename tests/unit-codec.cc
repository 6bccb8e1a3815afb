// tests/unit-codec.cc — the strict JSON parser and the JSON-RPC message codec.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "mcp/jsonrpc.h"
#include "mcp/strict_json.h"

namespace gatecrash::mcp {
namespace {

DecodedElement one(std::string_view text) {
  auto frame = decode_frame(text);
  EXPECT_TRUE(std::holds_alternative<Frame>(frame)) << text;
  if (!std::holds_alternative<Frame>(frame)) return DecodeError{};
  EXPECT_EQ(std::get<Frame>(frame).elements.size(), 1u);
  return std::get<Frame>(frame).elements.at(0);
}

DecodeError frame_error(std::string_view text, const Limits& limits = default_limits()) {
  auto frame = decode_frame(text, limits);
  EXPECT_TRUE(std::holds_alternative<DecodeError>(frame)) << text;
  if (!std::holds_alternative<DecodeError>(frame)) return DecodeError{};
  return std::get<DecodeError>(frame);
}

DecodeError element_error(std::string_view text) {
  auto element = one(text);
  EXPECT_TRUE(std::holds_alternative<DecodeError>(element)) << text;
  if (!std::holds_alternative<DecodeError>(element)) return DecodeError{};
  return std::get<DecodeError>(element);
}

TEST(StrictJson, RejectsDuplicateKeysAtAnyDepth) {
  auto top = parse_strict_json(R"({"a":1,"a":2})");
  ASSERT_TRUE(std::holds_alternative<JsonError>(top));
  EXPECT_EQ(std::get<JsonError>(top).kind, JsonErrorKind::duplicate_key);
  auto nested = parse_strict_json(R"({"p":{"arguments":{"x":1,"y":2,"x":3}}})");
  ASSERT_TRUE(std::holds_alternative<JsonError>(nested));
  EXPECT_EQ(std::get<JsonError>(nested).message, "duplicate key \"x\"");
  // The same key in sibling objects is fine.
  EXPECT_TRUE(std::holds_alternative<Json>(parse_strict_json(R"([{"a":1},{"a":2}])")));
}

TEST(StrictJson, BoundsNestingDepth) {
  Limits limits;
  limits.max_nesting_depth = 8;
  EXPECT_TRUE(std::holds_alternative<Json>(parse_strict_json("[[[[[[[[1]]]]]]]]", limits)));
  auto deep = parse_strict_json("[[[[[[[[[1]]]]]]]]]", limits);
  ASSERT_TRUE(std::holds_alternative<JsonError>(deep));
  EXPECT_EQ(std::get<JsonError>(deep).kind, JsonErrorKind::too_deep);
  // A leading byte order mark is refused, not skipped (attacks.md M6).
  auto with_bom = parse_strict_json("\xEF\xBB\xBF{}");
  ASSERT_TRUE(std::holds_alternative<JsonError>(with_bom));
  EXPECT_EQ(std::get<JsonError>(with_bom).message, "at byte 0: a byte order mark is not allowed before JSON");
  // A hostile depth far beyond the limit fails fast instead of exhausting the stack.
  std::string bomb(1'000'000, '[');
  auto bombed = parse_strict_json(bomb);
  ASSERT_TRUE(std::holds_alternative<JsonError>(bombed));
  EXPECT_EQ(std::get<JsonError>(bombed).kind, JsonErrorKind::too_deep);
}

TEST(StrictJson, BoundsSizeAndRejectsInvalidUtf8AndTrailingGarbage) {
  Limits limits;
  limits.max_message_bytes = 16;
  auto big = parse_strict_json(R"({"a":"0123456789abcdef"})", limits);
  ASSERT_TRUE(std::holds_alternative<JsonError>(big));
  EXPECT_EQ(std::get<JsonError>(big).kind, JsonErrorKind::too_large);

  auto utf8 = parse_strict_json("{\"a\":\"\xC3\x28\"}");
  ASSERT_TRUE(std::holds_alternative<JsonError>(utf8));
  EXPECT_EQ(std::get<JsonError>(utf8).kind, JsonErrorKind::syntax);

  auto garbage = parse_strict_json(R"({"a":1} {"b":2})");
  ASSERT_TRUE(std::holds_alternative<JsonError>(garbage));
  EXPECT_NE(std::get<JsonError>(garbage).message.find("at byte 8"), std::string::npos)
      << std::get<JsonError>(garbage).message;
}

// to_line is written by hand for speed (strict_json.cc says why); its contract is nlohmann's bytes.
std::string nlohmann_line(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

TEST(ToLine, WritesNlohmannsBytesForEveryKindOfValue) {
  const std::vector<Json> values = {
      nullptr, true, false, 0, -1, 42, INT64_MIN, INT64_MAX, UINT64_MAX, std::uint64_t{1} << 63,
      0.0, -0.0, 0.5, 1.0, -2.5e-10, 1e300, 5e-324, 123456789.125, std::nan(""), INFINITY, -INFINITY,
      "", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", std::string("nul \0 in", 8),
      "\x01\x1f\x7f", "é ü 😀 \xE2\x80\xA8 \xEF\xBF\xBF \xF4\x8F\xBF\xBF",
      Json::object(), Json::array(), Json::array({nullptr, 1, "a", Json::array({Json::object()})}),
      Json{{"b", 1}, {"a", {{"z", Json::array({1.5, "\n"})}, {"y", nullptr}}}, {"\x01key\"", "v"}},
      Json::binary({1, 2, 3}, 7),
  };
  for (const Json& value : values) EXPECT_EQ(to_line(value), nlohmann_line(value)) << nlohmann_line(value);
}

// Every one- and two-byte string, and three- and four-byte ones around the edges of UTF-8's
// table 3-7 (overlongs, surrogates, > U+10FFFF, truncated sequences): invalid UTF-8 gets
// nlohmann's replacement characters, valid UTF-8 its bytes.
TEST(ToLine, EscapesAndReplacesStringsExactlyAsNlohmannDoes) {
  std::vector<std::string> strings;
  for (int a = 0; a < 256; ++a) {
    strings.push_back(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) strings.push_back({static_cast<char>(a), static_cast<char>(b)});
  }
  const int leads[] = {0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  const int continuations[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (int lead : leads) {
    for (int second : continuations) {
      for (int third : continuations) {
        const std::string three = {static_cast<char>(lead), static_cast<char>(second), static_cast<char>(third)};
        strings.push_back(three);
        strings.push_back("a" + three + "\"z");
        for (int fourth : continuations) strings.push_back(three + static_cast<char>(fourth));
      }
    }
  }
  for (const std::string& text : strings) {
    const Json value(text);
    ASSERT_EQ(to_line(value), nlohmann_line(value)) << Json(text).dump(-1, ' ', true, Json::error_handler_t::replace);
    std::string appended = "x";
    append_json_string(appended, text);
    ASSERT_EQ(appended, "x" + nlohmann_line(value));
  }
}

TEST(ToLine, AppendLineAppends) {
  std::string out = "prefix:";
  append_line(out, Json{{"k", Json::array({1, "\t"})}});
  EXPECT_EQ(out, "prefix:{\"k\":[1,\"\\t\"]}");
}

TEST(JsonRpc, DecodesTheFourShapes) {
  auto request = one(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}})");
  ASSERT_TRUE(std::holds_alternative<Message>(request));
  const auto& r = std::get<Request>(std::get<Message>(request));
  EXPECT_EQ(r.id, RequestId(7));
  EXPECT_EQ(r.method, "tools/call");
  EXPECT_EQ(r.params["name"], "x");

  auto notification = one(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(std::holds_alternative<Notification>(std::get<Message>(notification)));

  auto response = one(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  EXPECT_EQ(std::get<Response>(std::get<Message>(response)).id, RequestId("a"));

  auto error = one(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  const auto& e = std::get<ErrorResponse>(std::get<Message>(error));
  EXPECT_FALSE(e.id.has_value());
  EXPECT_EQ(e.error.code, -32700);
}

TEST(JsonRpc, RejectsIdsThatAreNotStringOrInteger) {
  for (const char* id : {"null", "1.5", "1.0", "true", "{}", "[]"}) {
    const std::string text = std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + id + "}";
    auto failure = element_error(text);
    EXPECT_EQ(failure.error.code, error_code::kInvalidRequest) << text;
    EXPECT_EQ(failure.kind, "bad_id") << text;
  }
}

TEST(JsonRpc, InvalidRequestsKeepTheirReadableId) {
  auto no_version = element_error(R"({"id":3,"method":"ping"})");
  EXPECT_EQ(no_version.kind, "bad_jsonrpc");
  ASSERT_TRUE(no_version.id.has_value());
  EXPECT_EQ(*no_version.id, RequestId(3));

  auto wrong_version = element_error(R"({"jsonrpc":"1.0","id":"q","method":"ping"})");
  EXPECT_EQ(*wrong_version.id, RequestId("q"));

  auto array_params = element_error(R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1]})");
  EXPECT_EQ(array_params.kind, "bad_params");
  EXPECT_EQ(array_params.error.code, error_code::kInvalidRequest);

  auto both = element_error(R"({"jsonrpc":"2.0","id":5,"result":{},"error":{"code":1,"message":"m"}})");
  EXPECT_EQ(both.kind, "mixed_shape");

  auto neither = element_error(R"({"jsonrpc":"2.0","id":5})");
  EXPECT_EQ(neither.kind, "mixed_shape");

  auto bad_error = element_error(R"({"jsonrpc":"2.0","id":5,"error":{"code":"x","message":"m"}})");
  EXPECT_EQ(bad_error.kind, "bad_error");
  // Codes outside 32 bits would be read back as another number (fuzz/regressions/jsonrpc_fuzzer).
  for (const char* code : {"4294967297", "18446744073709551615", "-2147483649", "2147483648"}) {
    auto wide = element_error(std::string(R"({"jsonrpc":"2.0","id":5,"error":{"code":)") + code + R"(,"message":"m"}})");
    EXPECT_EQ(wide.kind, "bad_error") << code;
  }
  EXPECT_EQ(one(R"({"jsonrpc":"2.0","id":5,"error":{"code":-2147483648,"message":"m"}})").index(), 0u)
      << "INT_MIN still fits";

  auto extra = element_error(R"({"jsonrpc":"2.0","id":6,"method":"ping","Method":"x"})");
  EXPECT_EQ(extra.kind, "unknown_member");
}

TEST(JsonRpc, FrameLevelErrorsMapToTheirCodes) {
  EXPECT_EQ(frame_error("not json").error.code, error_code::kParseError);
  EXPECT_EQ(frame_error("").error.code, error_code::kParseError);
  EXPECT_EQ(frame_error(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})").kind, "duplicate_key");
  EXPECT_EQ(frame_error(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})").error.code,
            error_code::kInvalidRequest);
  EXPECT_EQ(frame_error("[]").kind, "empty_batch");
  Limits small;
  small.max_message_bytes = 10;
  EXPECT_EQ(frame_error(R"({"jsonrpc":"2.0"})", small).kind, "too_large");
}

// A request over the depth or size cap is still answered under its own id when the id comes
// before the excess (the gateway's client is not left waiting); after it, the id stays unknown.
TEST(JsonRpc, RequestsOverACapKeepAnIdThatComesFirst) {
  Limits shallow;
  shallow.max_nesting_depth = 3;
  const DecodeError deep =
      frame_error(R"({"id":"r1","jsonrpc":"2.0","method":"tools/call","params":{"a":{"b":{"c":{}}}}})", shallow);
  EXPECT_EQ(deep.kind, "too_deep");
  EXPECT_EQ(deep.error.code, error_code::kInvalidRequest);
  EXPECT_EQ(deep.id, RequestId("r1"));
  EXPECT_EQ(frame_error(R"({"jsonrpc":"2.0","method":"tools/call","params":{"a":{"b":{"c":{}}}},"id":"r1"})", shallow).id,
            std::nullopt);
  Limits small;
  small.max_message_bytes = 40;
  const DecodeError large = frame_error(R"({"id":7,"jsonrpc":"2.0","method":"ping","params":{"x":"aaaaaaaaaaaa"}})", small);
  EXPECT_EQ(large.kind, "too_large");
  EXPECT_EQ(large.id, RequestId(7));
  EXPECT_EQ(frame_error(std::string(70, '[') + std::string(70, ']')).id, std::nullopt) << "a batch has no top-level id";
}

TEST(JsonRpc, BatchesDecodeElementByElement) {
  auto frame = decode_frame(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"id":2},{"jsonrpc":"2.0","method":"n"}])");
  ASSERT_TRUE(std::holds_alternative<Frame>(frame));
  const Frame& f = std::get<Frame>(frame);
  EXPECT_TRUE(f.is_batch);
  ASSERT_EQ(f.elements.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Message>(f.elements[0]));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(f.elements[1]));
  EXPECT_TRUE(std::holds_alternative<Message>(f.elements[2]));
}

TEST(JsonRpc, EncodeThenDecodeIsIdentity) {
  const std::vector<Message> messages = {
      Request{RequestId(1), "tools/call", Json{{"name", "ä"}, {"arguments", {{"n", 1}}}}},
      Request{RequestId("s-1"), "ping", nullptr},
      Notification{"notifications/progress", Json{{"progressToken", 3}, {"progress", 0.5}}},
      Response{RequestId(9), Json{{"tools", Json::array()}}},
      make_error(RequestId(2), -32601, "Method not found: x", Json{{"why", "test"}}),
      make_error(std::nullopt, -32700, "Parse error"),
  };
  for (const Message& message : messages) {
    const std::string text = encode(message);
    EXPECT_EQ(text.find('\n'), std::string::npos);
    EXPECT_EQ(text, to_line(to_json(message)));  // the fast path writes the same bytes
    auto decoded = one(text);
    ASSERT_TRUE(std::holds_alternative<Message>(decoded)) << text;
    EXPECT_EQ(to_json(std::get<Message>(decoded)), to_json(message)) << text;
  }
}

// ---- leading_request_id: the id of an answer too large to decode, from its first bytes ----------

TEST(LeadingRequestId, ReadsATopLevelIdBeforeTheTruncatedResult) {
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","id":7,"result":{"content":[)"), RequestId(7));
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","id":"req-7","result":{"content":[{"type":"te)"),
            RequestId("req-7"));
  EXPECT_EQ(leading_request_id(R"({"id":-3,"jsonrpc":"2.0","result":{)"), RequestId(-3));
  // encode()'s own order (id first), and an id after other scalar members.
  EXPECT_EQ(leading_request_id(R"({"id":9,"jsonrpc":"2.0","result":{"tools":[)"), RequestId(9));
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","x":null,"y":true,"id":4,"error":{"code":)"),
            RequestId(4));
  // A whole message works too, and the id as a string stays a string.
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","id":"7","result":{}})"), RequestId("7"));
  EXPECT_NE(leading_request_id(R"({"jsonrpc":"2.0","id":"7","result":{}})"), RequestId(7));
}

TEST(LeadingRequestId, GivesNothingWhenTheIdIsNotReachedBeforeANestedValue) {
  // The id comes after the result, which the prefix does not hold to its end.
  EXPECT_EQ(
      leading_request_id(R"({"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"aaaa)"),
      std::nullopt);
  // "id" keys inside the result are the payload's, not the message's.
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","result":{"id":5,"content":[)"), std::nullopt);
  EXPECT_EQ(leading_request_id(R"({"result":{"id":5},"id":6})"), std::nullopt)
      << "reading stops at the first nested value, even when the whole message is there";
  EXPECT_EQ(leading_request_id(R"({"jsonrpc":"2.0","error":{"id":5},"id":6})"), std::nullopt);
  // A batch, or an id in the first element of one, is not a top-level id.
  EXPECT_EQ(leading_request_id(R"([{"jsonrpc":"2.0","id":1,"result":{)"), std::nullopt);
}

TEST(LeadingRequestId, GivesNothingForGarbageOrIdsThatAreNotIds) {
  for (const char* prefix :
       {"", "garbage", "}", "{", R"({"id")", R"({"id":)", R"({"id":"unterminated)", R"("id":7)",
        "7", R"({"jsonrpc":"2.0",,"id":7)", R"({"id":null,"result":{)", R"({"id":1.5,"result":{)",
        R"({"id":true,"result":{)", R"({"id":[1],"result":{)", R"({"id":{"n":1},"result":{)",
        R"({"id":18446744073709551615,"result":{)"}) {
    EXPECT_EQ(leading_request_id(prefix), std::nullopt) << prefix;
  }
}

// Every cut, including one inside a numeric id (the 256-byte excerpt of a line that pads before
// the id, e.g. {"jsonrpc":"2.0", ...,"id":1234567, cut after "12"): the digits read so far would be
// another request's id, so a number counts only once something follows it.
TEST(LeadingRequestId, AnyPrefixOfAnAnswerGivesItsIdOrNothing) {
  for (const RequestId& id : {RequestId(1234567), RequestId(-42), RequestId("abc")}) {
    const std::string line = encode(Response{id, Json{{"content", Json::array()}}});
    for (std::size_t cut = 0; cut <= line.size(); ++cut) {
      const auto found = leading_request_id(std::string_view(line).substr(0, cut));
      EXPECT_TRUE(!found || *found == id) << line.substr(0, cut) << " gave " << found->key();
    }
  }
}

}  // namespace
}  // namespace gatecrash::mcp
