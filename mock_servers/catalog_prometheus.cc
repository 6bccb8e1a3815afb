// mock_servers/catalog_prometheus.cc — the AWS Labs Prometheus server over seeded synthetic series.
#include <cctype>
#include <charconv>
#include <cmath>
#include <numbers>

#include "mock_servers/catalog_base.h"
#include "mock_servers/civil_time.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;

// The real server refuses query text containing any of these (shell/file/URL injection guards).
constexpr std::string_view kRejectedFragments[] = {
    ";", "&&", "||", "`", "$(", "${", "file://", "/etc/", "/var/log", "http://", "https://"};
// Prometheus refuses range queries longer than this many points per series.
constexpr std::int64_t kMaxPointsPerSeries = 11000;
constexpr std::string_view kDefaultRegion = "us-east-1";

struct MetricSpec {
  std::string_view name;
  double base;
  double amplitude;
};

constexpr MetricSpec kMetrics[] = {
    {"container_cpu_usage_seconds_total", 5200.0, 40.0},
    {"go_goroutines", 180.0, 40.0},
    {"http_requests_total", 91000.0, 300.0},
    {"node_cpu_seconds_total", 86000.0, 200.0},
    {"node_filesystem_avail_bytes", 3.2e10, 2.0e9},
    {"node_memory_MemAvailable_bytes", 6.1e9, 8.0e8},
    {"process_resident_memory_bytes", 2.4e8, 3.0e7},
    {"prometheus_tsdb_head_series", 48000.0, 2500.0},
    {"up", 1.0, 0.0},
};

struct Series {
  const MetricSpec* metric;
  json labels;  // including __name__
};

struct Workspace {
  std::string id;
  std::string alias;
};

struct Matcher {
  std::string label;
  bool equal;
  std::string value;
};

// What the synthetic evaluator understood of a query: the metric it names and its matchers.
struct QueryShape {
  const MetricSpec* metric = nullptr;
  std::vector<Matcher> matchers;
  bool aggregated = false;  // sum/avg/min/max/count(...): one unlabelled series
  std::optional<double> literal;
};

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

std::optional<double> parse_double(std::string_view text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// Parses `{a="x", b!="y"}` at `pos`; regex matchers (=~, !~) are accepted and not applied.
std::vector<Matcher> parse_matchers(std::string_view query, std::size_t pos) {
  std::vector<Matcher> matchers;
  std::size_t close = query.find('}', pos);
  if (close == std::string_view::npos) return matchers;
  std::string_view body = query.substr(pos + 1, close - pos - 1);
  while (!body.empty()) {
    std::size_t comma = body.find(',');
    std::string_view item = trim(body.substr(0, comma));
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    std::size_t op = item.find_first_of("=!");
    std::size_t quote = item.find('"');
    if (op == std::string_view::npos || quote == std::string_view::npos || item.back() != '"')
      continue;
    std::string_view op_text = item.substr(op, quote - op);
    std::string value(item.substr(quote + 1, item.size() - quote - 2));
    std::string label(trim(item.substr(0, op)));
    if (trim(op_text) == "=") matchers.push_back({label, true, value});
    if (trim(op_text) == "!=") matchers.push_back({label, false, value});
  }
  return matchers;
}

QueryShape understand(std::string_view query) {
  QueryShape shape;
  query = trim(query);
  shape.literal = parse_double(query);
  if (shape.literal) return shape;
  for (std::string_view aggregation : {"sum", "avg", "min", "max", "count"}) {
    if (query.starts_with(aggregation) && query.size() > aggregation.size() &&
        !is_ident_char(query[aggregation.size()])) {
      shape.aggregated = true;
    }
  }
  bool in_string = false;
  int brace_depth = 0;
  for (std::size_t i = 0; i < query.size();) {
    char c = query[i];
    if (c == '"') in_string = !in_string;
    if (in_string || !is_ident_char(c) || std::isdigit(static_cast<unsigned char>(c))) {
      brace_depth += !in_string && c == '{' ? 1 : (!in_string && c == '}' ? -1 : 0);
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < query.size() && is_ident_char(query[end])) ++end;
    std::string_view word = query.substr(i, end - i);
    for (const MetricSpec& metric : kMetrics) {
      if (brace_depth == 0 && metric.name == word) {
        shape.metric = &metric;
        if (end < query.size() && query[end] == '{') shape.matchers = parse_matchers(query, end);
        return shape;
      }
    }
    i = end;
  }
  return shape;
}

// Prometheus durations ("15s", "1m30s", "500ms", "1d") or plain seconds ("15", "0.5").
std::optional<std::int64_t> parse_step_ms(std::string_view text) {
  // ~31700 years: far past any window, and small enough that sums cannot overflow.
  constexpr std::int64_t kLongestStepMs = 1'000'000'000'000'000;
  if (auto seconds = parse_double(text)) {
    if (!(std::fabs(*seconds) * 1000 < static_cast<double>(kLongestStepMs))) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(*seconds * 1000));
  }
  std::int64_t total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 12) return std::nullopt;
    std::int64_t amount = 0;
    std::from_chars(text.data(), text.data() + digits, amount);
    text.remove_prefix(digits);
    std::int64_t unit = 0;
    for (auto [suffix, ms] : {std::pair<std::string_view, std::int64_t>{"ms", 1},
                              {"s", 1000},
                              {"m", 60'000},
                              {"h", 3'600'000},
                              {"d", 86'400'000},
                              {"w", 604'800'000},
                              {"y", 31'536'000'000}}) {
      if (text.starts_with(suffix) && (suffix != "m" || !text.starts_with("ms"))) {
        unit = ms;
        text.remove_prefix(suffix.size());
        break;
      }
    }
    if (unit == 0 || amount > (kLongestStepMs - total) / unit) return std::nullopt;
    total += amount * unit;
  }
  return total;
}

std::string sample_text(double value) {
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 3);
  return error == std::errc() ? std::string(buffer, end) : std::string("0");
}

json sample(std::int64_t t_ms, double value) {
  return json::array({static_cast<double>(t_ms) / 1000.0, sample_text(value)});
}

class PrometheusCatalog final : public CatalogBase {
 public:
  explicit PrometheusCatalog(std::uint64_t seed) : CatalogBase("prometheus", seed), seed_(seed) {
    build_inventory();
    on("ExecuteQuery", [this](const json& a, std::int64_t now) { return execute_query(a, now); });
    on("ExecuteRangeQuery", [this](const json& a, std::int64_t) { return execute_range_query(a); });
    on("ListMetrics", [this](const json& a, std::int64_t) { return list_metrics(a); });
    on("GetServerInfo", [this](const json& a, std::int64_t) { return server_details(a); });
    on("GetAvailableWorkspaces",
       [this](const json& a, std::int64_t) { return available_workspaces(a); });
    on("get_job_status", [](const json& a, std::int64_t) {
      // No tool here starts a job, so every id is unknown, as in the real servers' lookup.
      return json_result({{"job_id", string_arg(a, "job_id").value_or("")},
                          {"state", "not_found"},
                          {"result", nullptr}});
    });
  }

 private:
  void advance_to(std::int64_t) override {}  // no async state

  void build_inventory() {
    static const std::vector<std::string> kAliases = {
        "prod-metrics", "staging-metrics", "platform-observability", "edge-fleet", "payments-slo"};
    std::int64_t workspace_count = random().between(2, 3);
    for (std::int64_t i = 0; i < workspace_count; ++i) {
      workspaces_.push_back({"ws-" + random().uuid(),
                             kAliases[(random().below(kAliases.size()) + i) % kAliases.size()]});
    }
    std::vector<std::string> instances;
    for (int i = 0; i < 3; ++i) {
      instances.push_back("10.0." + std::to_string(random().between(1, 254)) + "." +
                          std::to_string(random().between(2, 254)) + ":9100");
    }
    for (const MetricSpec& metric : kMetrics) {
      for (const std::string& instance : instances) {
        series_.push_back(
            {&metric, {{"__name__", metric.name}, {"instance", instance}, {"job", "node"}}});
      }
    }
  }

  std::optional<std::string> workspace_problem(const json& arguments) const {
    auto wanted = string_arg(arguments, "workspace_id");
    if (!wanted) return std::nullopt;
    for (const Workspace& workspace : workspaces_) {
      if (workspace.id == *wanted) return std::nullopt;
    }
    return "Workspace " + *wanted + " was not found in region " + region(arguments) +
           " (ResourceNotFoundException)";
  }

  std::string region(const json& arguments) const {
    return string_arg(arguments, "region").value_or(std::string(kDefaultRegion));
  }

  std::string endpoint(const json& arguments, const Workspace& workspace) const {
    return "https://aps-workspaces." + region(arguments) + ".amazonaws.com/workspaces/" +
           workspace.id;
  }

  // Deterministic from the seed, the query text, the series and the timestamp.
  std::uint64_t series_key(const std::string& query, const Series& series) const {
    return stable_hash(query + series.labels.dump(), seed_);
  }

  static double value_at(const MetricSpec& metric, std::uint64_t key, std::int64_t t_ms) {
    if (metric.name == "up") return key % 11 == 0 ? 0.0 : 1.0;  // now and then an instance is down
    double phase = static_cast<double>(key % 6283) / 1000.0;
    double jitter =
        static_cast<double>(stable_hash(std::to_string(t_ms), key) % 1000) / 1000.0 - 0.5;
    double wave = std::sin(static_cast<double>(t_ms) / 600'000.0 * 2 * std::numbers::pi + phase);
    return metric.base * (1.0 + static_cast<double>(key % 200) / 1000.0) +
           metric.amplitude * (wave + 0.2 * jitter);
  }

  std::vector<const Series*> select(const QueryShape& shape) const {
    std::vector<const Series*> selected;
    if (shape.metric == nullptr) return selected;
    for (const Series& series : series_) {
      if (series.metric != shape.metric) continue;
      bool matches = true;
      for (const Matcher& matcher : shape.matchers) {
        auto label = series.labels.find(matcher.label);
        std::string actual = label == series.labels.end() ? "" : label->get<std::string>();
        matches = matches && ((actual == matcher.value) == matcher.equal);
      }
      if (matches) selected.push_back(&series);
    }
    return selected;
  }

  // The series a query yields at each requested time: [(labels, samples)].
  json evaluate(const std::string& query, const std::vector<std::int64_t>& times,
                bool as_vector) const {
    QueryShape shape = understand(query);
    auto samples_for = [&](auto value_of) {
      json values = json::array();
      for (std::int64_t t : times) values.push_back(sample(t, value_of(t)));
      return values;
    };
    auto entry = [&](json labels, json values) {
      return as_vector ? json{{"metric", std::move(labels)}, {"value", values.at(0)}}
                       : json{{"metric", std::move(labels)}, {"values", std::move(values)}};
    };
    if (shape.literal) {
      return as_vector
                 ? json{{"resultType", "scalar"}, {"result", sample(times.at(0), *shape.literal)}}
                 : json{
                       {"resultType", "matrix"},
                       {"result", json::array({entry(json::object(), samples_for([&](std::int64_t) {
                                                       return *shape.literal;
                                                     }))})}};
    }
    std::vector<const Series*> selected = select(shape);
    json result = json::array();
    if (shape.aggregated && !selected.empty()) {
      std::vector<std::uint64_t> keys;
      for (const Series* series : selected) keys.push_back(series_key(query, *series));
      result.push_back(entry(json::object(), samples_for([&](std::int64_t t) {
                               double total = 0;
                               for (std::size_t i = 0; i < selected.size(); ++i)
                                 total += value_at(*selected[i]->metric, keys[i], t);
                               return query.starts_with("count")
                                          ? static_cast<double>(selected.size())
                                          : total;
                             })));
    } else {
      for (const Series* series : selected) {
        std::uint64_t key = series_key(query, *series);
        result.push_back(entry(series->labels, samples_for([&](std::int64_t t) {
                                 return value_at(*series->metric, key, t);
                               })));
      }
    }
    return {{"resultType", as_vector ? "vector" : "matrix"}, {"result", std::move(result)}};
  }

  static std::optional<std::string> query_problem(const std::string& query) {
    for (std::string_view fragment : kRejectedFragments) {
      if (query.find(fragment) != std::string::npos) {
        return "Query validation failed: the query contains the disallowed pattern '" +
               std::string(fragment) + "' and was not run";
      }
    }
    if (trim(query).empty())
      return "bad_data: invalid parameter \"query\": 1:1: parse error: no expression found in "
             "input";
    return std::nullopt;
  }

  ToolOutcome execute_query(const json& arguments, std::int64_t now_ms) const {
    std::string query = string_arg(arguments, "query").value_or("");
    if (auto problem = query_problem(query)) return tool_error(*problem);
    if (auto problem = workspace_problem(arguments)) return tool_error(*problem);
    std::int64_t at = now_ms;
    if (auto time = string_arg(arguments, "time")) {
      auto parsed = parse_time_ms(*time);
      if (!parsed)
        return tool_error("bad_data: invalid parameter \"time\": cannot parse \"" + *time +
                          "\" to a valid timestamp");
      at = *parsed;
    }
    return json_result(evaluate(query, {at}, /*as_vector=*/true));
  }

  ToolOutcome execute_range_query(const json& arguments) const {
    std::string query = string_arg(arguments, "query").value_or("");
    if (auto problem = query_problem(query)) return tool_error(*problem);
    if (auto problem = workspace_problem(arguments)) return tool_error(*problem);
    std::optional<std::int64_t> bounds[2];
    const char* names[2] = {"start", "end"};
    for (int i = 0; i < 2; ++i) {
      std::string text = string_arg(arguments, names[i]).value_or("");
      bounds[i] = parse_time_ms(text);
      if (!bounds[i]) {
        return tool_error(std::string("bad_data: invalid parameter \"") + names[i] +
                          "\": cannot parse \"" + text + "\" to a valid timestamp");
      }
    }
    std::string step_text = string_arg(arguments, "step").value_or("");
    auto step = parse_step_ms(step_text);
    if (!step)
      return tool_error("bad_data: invalid parameter \"step\": cannot parse \"" + step_text +
                        "\" to a valid duration");
    if (*bounds[1] < *bounds[0])
      return tool_error("bad_data: end timestamp must not be before start time");
    if (*step <= 0) {
      return tool_error(
          "bad_data: zero or negative query resolution step widths are not accepted. Try a "
          "positive integer");
    }
    if ((*bounds[1] - *bounds[0]) / *step + 1 > kMaxPointsPerSeries) {
      return tool_error(
          "bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
          "the query "
          "resolution (?step=XX)");
    }
    std::vector<std::int64_t> times;
    for (std::int64_t t = *bounds[0]; t <= *bounds[1]; t += *step) times.push_back(t);
    return json_result(evaluate(query, times, /*as_vector=*/false));
  }

  ToolOutcome list_metrics(const json& arguments) const {
    if (auto problem = workspace_problem(arguments)) return tool_error(*problem);
    json names = json::array();
    for (const MetricSpec& metric : kMetrics) names.push_back(metric.name);  // kMetrics is sorted
    return json_result({{"result", std::move(names)}});
  }

  ToolOutcome server_details(const json& arguments) const {
    if (auto problem = workspace_problem(arguments)) return tool_error(*problem);
    const Workspace* chosen = &workspaces_.front();
    for (const Workspace& workspace : workspaces_) {
      if (workspace.id == string_arg(arguments, "workspace_id")) chosen = &workspace;
    }
    return json_result({{"prometheus_url", endpoint(arguments, *chosen)},
                        {"aws_region", region(arguments)},
                        {"aws_profile", string_arg(arguments, "profile").value_or("default")},
                        {"service_name", "aps"}});
  }

  ToolOutcome available_workspaces(const json& arguments) const {
    json listed = json::array();
    for (const Workspace& workspace : workspaces_) {
      listed.push_back({{"workspace_id", workspace.id},
                        {"alias", workspace.alias},
                        {"status", "ACTIVE"},
                        {"prometheus_url", endpoint(arguments, workspace)},
                        {"is_configured", &workspace == &workspaces_.front()}});
    }
    return json_result({{"workspaces", listed},
                        {"count", listed.size()},
                        {"region", region(arguments)},
                        {"requires_user_selection", false},
                        {"configured_workspace_id", workspaces_.front().id}});
  }

  std::uint64_t seed_;
  std::vector<Workspace> workspaces_;
  std::vector<Series> series_;
};

}  // namespace

std::unique_ptr<Catalog> make_prometheus_catalog(std::uint64_t seed) {
  auto catalog = std::make_unique<PrometheusCatalog>(seed);
  catalog->check_complete();
  return catalog;
}

}  // namespace gatecrash::mock
