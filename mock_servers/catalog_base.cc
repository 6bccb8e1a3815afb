// mock_servers/catalog_base.cc — shared catalog machinery: validation, dispatch, results, effects.
#include "mock_servers/catalog_base.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "mock_servers/embedded_catalogs.h"
#include "mock_servers/schema.h"

namespace gatecrash::mock {

using nlohmann::json;

namespace {
json text_content(std::string text) {
  return json::array({{{"type", "text"}, {"text", std::move(text)}}});
}
std::string as_text(const json& structured) {
  return structured.dump(2, ' ', false, json::error_handler_t::replace);
}
const json* find_arg(const json& arguments, std::string_view key) {
  if (!arguments.is_object()) return nullptr;
  auto found = arguments.find(key);
  return found == arguments.end() || found->is_null() ? nullptr : &*found;
}
}  // namespace

ToolOutcome text_result(std::string text) {
  return {{{"content", text_content(std::move(text))}}, "ok", ""};
}

ToolOutcome json_result(json structured) {
  std::string text = as_text(structured);
  return text_and_json_result(std::move(text), std::move(structured));
}

ToolOutcome text_and_json_result(std::string text, json structured) {
  return {
      {{"content", text_content(std::move(text))}, {"structuredContent", std::move(structured)}},
      "ok",
      ""};
}

ToolOutcome tool_error(std::string text) {
  return {{{"content", text_content(std::move(text))}, {"isError", true}}, "tool_error", ""};
}

std::optional<std::string> string_arg(const json& arguments, std::string_view key) {
  const json* value = find_arg(arguments, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

bool bool_arg(const json& arguments, std::string_view key, bool fallback) {
  const json* value = find_arg(arguments, key);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

std::optional<double> number_arg(const json& arguments, std::string_view key) {
  const json* value = find_arg(arguments, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

std::optional<std::int64_t> integer_arg(const json& arguments, std::string_view key) {
  const json* value = find_arg(arguments, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) {
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return value->get<std::int64_t>();
  }
  if (value->is_number_float()) {
    double number = value->get<double>();
    if (std::trunc(number) != number || std::fabs(number) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(number);
  }
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
      return std::nullopt;
    return number;
  }
  return std::nullopt;
}

CatalogBase::CatalogBase(std::string_view name, std::uint64_t seed)
    : name_(name), random_(seed, name) {
  std::string text = embedded_catalog_text(name);
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object() || !document.contains("server") ||
      !document.contains("tools") || !document["tools"].is_array()) {
    throw CatalogError("embedded catalog '" + name_ + "' is missing or malformed");
  }
  server_info_ = document["server"];
  tools_ = document["tools"];
  for (const json& tool : tools_) {
    if (!tool.contains("name") || !tool["name"].is_string() || !tool.contains("inputSchema")) {
      throw CatalogError("embedded catalog '" + name_ + "' has a tool without name or inputSchema");
    }
    input_schemas_[tool["name"].get<std::string>()] = tool["inputSchema"];
  }
}

void CatalogBase::on(const std::string& tool, Handler handler) {
  handlers_[tool] = std::move(handler);
}

void CatalogBase::check_complete() const {
  for (const auto& [tool, schema] : input_schemas_) {
    if (!handlers_.contains(tool)) throw CatalogError(name_ + ": no handler for tool " + tool);
  }
  for (const auto& [tool, handler] : handlers_) {
    if (!input_schemas_.contains(tool))
      throw CatalogError(name_ + ": handler for unlisted tool " + tool);
  }
}

void CatalogBase::record_effect(std::string effect) { effects_.push_back(std::move(effect)); }

ToolOutcome CatalogBase::call(std::string_view tool, const json& arguments, std::int64_t now_ms) {
  auto schema = input_schemas_.find(tool);
  auto handler = handlers_.find(tool);
  if (schema == input_schemas_.end() || handler == handlers_.end()) {
    ToolOutcome unknown = tool_error("Unknown tool: " + std::string(tool));
    unknown.outcome = "unknown_tool";
    return unknown;
  }
  const json no_arguments = json::object();
  const json& given = arguments.is_null() ? no_arguments : arguments;
  if (auto problem = validate_arguments(schema->second, given)) {
    ToolOutcome invalid =
        tool_error("Invalid arguments for tool " + std::string(tool) + ": " + *problem);
    invalid.outcome = "invalid_arguments";
    return invalid;
  }
  // Time only moves forward here, so a clock stepping back cannot undo async progress.
  clock_ms_ = std::max(clock_ms_, now_ms);
  effects_.clear();
  ToolOutcome outcome;
  try {
    advance_to(clock_ms_);
    outcome = handler->second(given, clock_ms_);
  } catch (const std::exception& error) {  // a bug in a handler must not take the mock down
    outcome = tool_error(std::string("internal error in mock catalog: ") + error.what());
  }
  std::string joined;
  for (const std::string& effect : effects_) joined += (joined.empty() ? "" : ";") + effect;
  outcome.effect = std::move(joined);
  effects_.clear();
  return outcome;
}

}  // namespace gatecrash::mock
