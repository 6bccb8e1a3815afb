// tests/unit-schema.cc — the mock's argument validator: each keyword, its message, and its limits.
#include <gtest/gtest.h>

#include "mock_servers/schema.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;

std::string error_of(const json& schema, const json& value) {
  auto error = validate_arguments(schema, value);
  return error.value_or("<valid>");
}

json object_with(const std::string& key, json property) {
  return {{"type", "object"}, {"properties", {{key, std::move(property)}}}};
}

TEST(Schema, TypeMismatchNamesTheFieldAndBothTypes) {
  EXPECT_EQ(error_of(object_with("forced", {{"type", "boolean"}}), {{"forced", "yes"}}),
            "/forced: expected boolean, got string");
  EXPECT_EQ(error_of(object_with("forced", {{"type", "boolean"}}), {{"forced", true}}), "<valid>");
  EXPECT_EQ(error_of({{"type", "object"}}, json::array()), "(root): expected object, got array");
}

TEST(Schema, TypeListAcceptsAnyListedType) {
  json schema = object_with("id", {{"type", {"number", "string"}}});
  EXPECT_EQ(error_of(schema, {{"id", 4}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"id", "4"}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"id", false}}), "/id: expected number or string, got boolean");
  json nullable = object_with("region", {{"type", {"string", "null"}}});
  EXPECT_EQ(error_of(nullable, {{"region", nullptr}}), "<valid>");
  EXPECT_EQ(error_of(nullable, {{"region", 1}}), "/region: expected string or null, got integer");
}

TEST(Schema, IntegerRejectsEveryFloatEvenIntegralOnes) {
  json schema = object_with("limit", {{"type", "integer"}});
  EXPECT_EQ(error_of(schema, json::parse(R"({"limit": 3})")), "<valid>");
  EXPECT_EQ(error_of(schema, json::parse(R"({"limit": 3.0})")),
            "/limit: expected integer, got number");
  EXPECT_EQ(error_of(schema, json::parse(R"({"limit": 3.5})")),
            "/limit: expected integer, got number");
  EXPECT_EQ(error_of(schema, json::parse(R"({"limit": 18446744073709551615})")), "<valid>");
  // "number" takes both.
  EXPECT_EQ(error_of(object_with("n", {{"type", "number"}}), json::parse(R"({"n": 3})")),
            "<valid>");
  EXPECT_EQ(error_of(object_with("n", {{"type", "number"}}), json::parse(R"({"n": 3.25})")),
            "<valid>");
}

TEST(Schema, RequiredPropertyMissingIsReportedAtItsOwnPath) {
  json schema = {
      {"type", "object"},
      {"properties",
       {{"request",
         {{"type", "object"},
          {"properties", {{"source", {{"type", "string"}}}, {"location", {{"type", "string"}}}}},
          {"required", {"source", "location"}}}}}},
      {"required", {"request"}}};
  EXPECT_EQ(error_of(schema, json::object()), "/request: required property missing");
  EXPECT_EQ(error_of(schema, {{"request", {{"source", "jsearch"}}}}),
            "/request/location: required property missing");
  EXPECT_EQ(error_of(schema, {{"request", {{"source", "jsearch"}, {"location", "FR"}}}}),
            "<valid>");
}

TEST(Schema, EnumListsTheAllowedValues) {
  json schema = object_with("filter", {{"type", "string"}, {"enum", {"ALL", "ACTIVE"}}});
  EXPECT_EQ(error_of(schema, {{"filter", "ACTIVE"}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"filter", "active"}}),
            "/filter: must be one of \"ALL\", \"ACTIVE\"");
}

TEST(Schema, ConstMustMatchExactly) {
  json schema = object_with("mode", {{"const", "fast"}});
  EXPECT_EQ(error_of(schema, {{"mode", "fast"}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"mode", "slow"}}), "/mode: must equal \"fast\"");
}

TEST(Schema, AdditionalPropertiesFalseOrSchema) {
  json closed = object_with("id", {{"type", "string"}});
  closed["additionalProperties"] = false;
  EXPECT_EQ(error_of(closed, {{"id", "vm-1"}}), "<valid>");
  EXPECT_EQ(error_of(closed, {{"id", "vm-1"}, {"force", true}}), "/force: unexpected property");
  json typed = object_with("id", {{"type", "string"}});
  typed["additionalProperties"] = {{"type", "string"}};
  EXPECT_EQ(error_of(typed, {{"id", "vm-1"}, {"note", "x"}}), "<valid>");
  EXPECT_EQ(error_of(typed, {{"id", "vm-1"}, {"note", 5}}), "/note: expected string, got integer");
  // Without the keyword, unknown keys pass (TrackingTime's passthrough schemas).
  EXPECT_EQ(error_of(object_with("id", {{"type", "string"}}), {{"anything", {1, 2}}}), "<valid>");
}

TEST(Schema, MinimumAndMaximumIncludeTheBounds) {
  json schema = object_with("limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}});
  EXPECT_EQ(error_of(schema, {{"limit", 1}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"limit", 100}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"limit", 0}}), "/limit: must be >= 1");
  EXPECT_EQ(error_of(schema, {{"limit", 101}}), "/limit: must be <= 100");
  EXPECT_EQ(error_of(schema, {{"limit", -9223372036854775807LL - 1}}), "/limit: must be >= 1");
  json fractional = object_with("ratio", {{"type", "number"}, {"maximum", 0.5}});
  EXPECT_EQ(error_of(fractional, {{"ratio", 0.5}}), "<valid>");
  EXPECT_EQ(error_of(fractional, {{"ratio", 0.75}}), "/ratio: must be <= 0.5");
}

TEST(Schema, StringLengthCountsCodePointsNotBytes) {
  json schema = object_with("name", {{"type", "string"}, {"minLength", 1}, {"maxLength", 3}});
  EXPECT_EQ(error_of(schema, {{"name", "日本語"}}), "<valid>");  // 9 bytes, 3 code points
  EXPECT_EQ(error_of(schema, {{"name", "日本語x"}}), "/name: must be at most 3 characters long");
  EXPECT_EQ(error_of(schema, {{"name", ""}}), "/name: must be at least 1 characters long");
  EXPECT_EQ(error_of(schema, {{"name", "\xF0\x9F\x98\x80"}}), "<valid>");  // one emoji, 4 bytes
}

TEST(Schema, ItemsAreCheckedWithTheirIndexInThePath) {
  json schema = object_with(
      "tags", {{"type", "array"},
               {"items", {{"type", "object"}, {"properties", {{"n", {{"type", "string"}}}}}}}});
  EXPECT_EQ(error_of(schema, {{"tags", {{{"n", "a"}}, {{"n", 2}}}}}),
            "/tags/1/n: expected string, got integer");
  // items only applies to arrays: ["array","string"] parameters may be plain strings.
  json either =
      object_with("users", {{"type", {"array", "string"}}, {"items", {{"type", "object"}}}});
  EXPECT_EQ(error_of(either, {{"users", "1,2"}}), "<valid>");
  EXPECT_EQ(error_of(either, {{"users", {1}}}), "/users/0: expected object, got integer");
}

TEST(Schema, AnyOfNeedsOneMatchingAlternative) {
  json schema = object_with(
      "v", {{"anyOf", {{{"type", "string"}, {"maxLength", 2}}, {{"type", "integer"}}}}});
  EXPECT_EQ(error_of(schema, {{"v", "ab"}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"v", 7}}), "<valid>");
  EXPECT_EQ(error_of(schema, {{"v", "abc"}}),
            "/v: matches none of the allowed alternatives (first: /v: must be at most 2 characters "
            "long)");
}

TEST(Schema, PointerTokensAreEscaped) {
  json schema = object_with("a/b~c", {{"type", "string"}});
  EXPECT_EQ(error_of(schema, {{"a/b~c", 1}}), "/a~1b~0c: expected string, got integer");
}

TEST(Schema, BooleanSchemas) {
  EXPECT_EQ(error_of(true, {{"x", 1}}), "<valid>");
  EXPECT_EQ(error_of(object_with("x", false), {{"x", 1}}), "/x: no value is allowed here");
}

TEST(Schema, NestingIsBoundedAt64Levels) {
  auto nested = [](int depth) {
    json schema = {{"type", "string"}};
    json value = "leaf";
    for (int i = 0; i < depth; ++i) {
      schema = object_with("a", schema);
      value = json{{"a", value}};
    }
    return std::pair{schema, value};
  };
  auto [shallow_schema, shallow_value] = nested(kMaxSchemaDepth);
  EXPECT_EQ(error_of(shallow_schema, shallow_value), "<valid>");
  auto [deep_schema, deep_value] = nested(kMaxSchemaDepth + 1);
  std::string error = error_of(deep_schema, deep_value);
  EXPECT_NE(error.find("nesting deeper than 64 levels"), std::string::npos) << error;
}

TEST(Schema, UnknownKeywordsAndOddSchemasAreIgnoredNotFatal) {
  EXPECT_EQ(error_of({{"type", "object"}, {"pattern", "^x$"}, {"format", "date"}}, json::object()),
            "<valid>");
  EXPECT_EQ(error_of({{"type", 5}, {"required", {1, 2}}, {"properties", "nope"}}, {{"k", 1}}),
            "<valid>");
}

}  // namespace
}  // namespace gatecrash::mock
