// mock_servers/catalog_base.h — what every catalog shares: tools, validation, dispatch, results.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mock_servers/catalog.h"
#include "mock_servers/seeded_random.h"

namespace gatecrash::mock {

// CallToolResult shapes. Structured results are objects; their text is the same data as JSON, as
// MCP asks ("the tool SHOULD also return it serialised as text").
ToolOutcome text_result(std::string text);
ToolOutcome json_result(nlohmann::json structured);
ToolOutcome text_and_json_result(std::string text, nlohmann::json structured);
ToolOutcome tool_error(std::string text);

// Argument readers. Arguments have passed the tool's schema; these still never throw, and treat
// an absent key and a JSON null alike.
std::optional<std::string> string_arg(const nlohmann::json& arguments, std::string_view key);
bool bool_arg(const nlohmann::json& arguments, std::string_view key, bool fallback);
std::optional<double> number_arg(const nlohmann::json& arguments, std::string_view key);
// Integers, floats with an integral value, and decimal strings (for "number|string" parameters).
std::optional<std::int64_t> integer_arg(const nlohmann::json& arguments, std::string_view key);

// Not thread-safe: a catalog is one server's state, and its caller serialises calls to it.
class CatalogBase : public Catalog {
 public:
  using Handler = std::function<ToolOutcome(const nlohmann::json& arguments, std::int64_t now_ms)>;

  CatalogBase(const CatalogBase&) = delete;  // handlers capture `this`
  CatalogBase& operator=(const CatalogBase&) = delete;

  std::string_view name() const override { return name_; }
  const nlohmann::json& server_info() const override { return server_info_; }
  const nlohmann::json& tools() const override { return tools_; }
  ToolOutcome call(std::string_view tool, const nlohmann::json& arguments,
                   std::int64_t now_ms) final;

  // Throws CatalogError unless every listed tool has a handler and every handler a listed tool.
  void check_complete() const;

 protected:
  // Loads the embedded catalog `name`; throws CatalogError if it is missing or not valid JSON.
  CatalogBase(std::string_view name, std::uint64_t seed);

  void on(const std::string& tool, Handler handler);
  // Called before every valid call with the time, never decreasing: due async work happens here.
  virtual void advance_to(std::int64_t now_ms) = 0;
  // Notes a state change made while handling the current call; call() joins them with ';'.
  void record_effect(std::string effect);
  SeededRandom& random() { return random_; }

 private:
  std::string name_;
  nlohmann::json server_info_;
  nlohmann::json tools_;
  std::map<std::string, nlohmann::json, std::less<>> input_schemas_;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::vector<std::string> effects_;
  std::int64_t clock_ms_ = std::numeric_limits<std::int64_t>::min();
  SeededRandom random_;
};

}  // namespace gatecrash::mock

namespace gatecrash::mock {

// One factory per catalog, each defined in its catalog_<name>.cc; make_catalog picks among them.
std::unique_ptr<Catalog> make_prometheus_catalog(std::uint64_t seed);
std::unique_ptr<Catalog> make_cloudstack_catalog(std::uint64_t seed);
std::unique_ptr<Catalog> make_trackingtime_catalog(std::uint64_t seed);
std::unique_ptr<Catalog> make_prospectio_catalog(std::uint64_t seed);
std::unique_ptr<Catalog> make_mock_mcp_catalog(std::uint64_t seed);

}  // namespace gatecrash::mock
