// reports/html_page.cc — the shared stylesheet, escaping and the SVG timeline of the HTML reports.
#include "reports/html_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "reports/safe_text.h"

namespace gatecrash::reports {

std::string html_text(std::string_view text) { return xml_escape_text(text); }
std::string html_attribute(std::string_view text) { return xml_escape_attribute(text); }

std::string html_anchor(std::string_view prefix, std::string_view text) {
  std::string out(prefix);
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += keep ? c : '-';
  }
  return out;
}

std::string human_duration(std::int64_t ms) {
  char buffer[64];
  if (ms < 1000) {
    std::snprintf(buffer, sizeof buffer, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld min %lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>((ms % 60'000) / 1000));
  }
  return buffer;
}

namespace {

// One stylesheet for both reports; colours carry meaning only together with a word or a shape.
constexpr std::string_view kStyle = R"css(
:root { --pass:#1a7f37; --fail:#cf222e; --error:#9a6700; --muted:#57606a; --line:#d0d7de; --leak:#8250df; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card .n { font-size: 22px; font-weight: 600; display: block; }
.summary-line { font-family: ui-monospace, monospace; background: #f6f8fa; padding: 6px 10px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.pass, .badge.held, .badge.stopped { background: var(--pass); }
.badge.fail, .badge.broken, .badge.critical, .badge.high, .badge.not-stopped { background: var(--fail); }
.badge.error, .badge.medium, .badge.limited { background: var(--error); }
.badge.not-run, .badge.not-yet, .badge.low, .badge.not-applicable { background: var(--muted); }
td.outcome-held { background: #dafbe1; } td.outcome-broken { background: #ffebe9; }
td.outcome-error { background: #fff8c5; } td.outcome-not-run, td.outcome-not-yet { color: var(--muted); }
.finding, .scenario { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 10px 0; }
.finding { border-left: 4px solid var(--fail); }
.scenario.status-pass { border-left: 4px solid var(--pass); } .scenario.status-fail { border-left: 4px solid var(--fail); }
.scenario.status-error { border-left: 4px solid var(--error); }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 6px 0; }
code { font-family: ui-monospace, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
svg.timeline { display: block; margin: 8px 0; max-width: 100%; height: auto; }
svg.timeline text { font: 11px system-ui, sans-serif; fill: #57606a; }
.legend { color: var(--muted); font-size: 12px; }
.oracles { font-size: 13px; } .oracle.failed { color: var(--fail); font-weight: 600; }
)css";

}  // namespace

void write_html_head(std::ostream& out, std::string_view title) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << html_text(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
}

void write_html_tail(std::ostream& out) { out << "</body>\n</html>\n"; }

namespace {

constexpr double kWidth = 760, kHeight = 220, kLeft = 52, kRight = 16, kTop = 14, kBottom = 30;

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string seconds_label(std::int64_t ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, ms < 10'000 ? "%.2f s" : "%.1f s", static_cast<double>(ms) / 1000.0);
  return buffer;
}

// A step line through (t, count) points, starting at count 0 at time 0 and held to `end_ms`.
std::string step_path(const std::vector<std::pair<std::int64_t, std::int64_t>>& steps, std::int64_t end_ms,
                      const auto& x_of, const auto& y_of) {
  std::string d = "M" + number(x_of(0)) + "," + number(y_of(0));
  for (const auto& [t, count] : steps) {
    d += " H" + number(x_of(t)) + " V" + number(y_of(count));
  }
  d += " H" + number(x_of(end_ms));
  return d;
}

}  // namespace

void write_timeline_svg(std::ostream& out, std::string_view title, const std::vector<ChartCall>& calls,
                        const ChartCap* cap) {
  std::int64_t end_ms = 1;
  for (const auto& call : calls) end_ms = std::max(end_ms, call.t_ms);
  end_ms += std::max<std::int64_t>(1, end_ms / 50);  // a little room after the last call

  // Cumulative counts: what reached the upstream (forwarded and leaked) and what was refused.
  std::vector<std::pair<std::int64_t, std::int64_t>> reached, refused;
  std::vector<std::pair<std::int64_t, std::int64_t>> leaks;
  std::vector<std::int64_t> lost;
  std::int64_t reached_count = 0, refused_count = 0;
  std::set<std::string> scope_keys;
  std::int64_t first_reached = -1;
  for (const auto& call : calls) {
    switch (call.kind) {
      case ChartCall::Kind::forwarded:
      case ChartCall::Kind::leaked:
        reached.push_back({call.t_ms, ++reached_count});
        if (call.kind == ChartCall::Kind::leaked) leaks.push_back({call.t_ms, reached_count});
        scope_keys.insert(call.scope_key);
        if (first_reached < 0) first_reached = call.t_ms;
        break;
      case ChartCall::Kind::refused: refused.push_back({call.t_ms, ++refused_count}); break;
      case ChartCall::Kind::lost: lost.push_back(call.t_ms); break;
    }
  }
  // The most a correct gateway lets through by time t, over every counter key seen: per key, any
  // interval [t0, t] holds at most max per started window (sliding), or one bucket more (fixed).
  std::vector<std::pair<std::int64_t, std::int64_t>> bound;
  const std::int64_t keys = std::max<std::int64_t>(1, static_cast<std::int64_t>(scope_keys.size()));
  if (cap != nullptr && cap->window_ms > 0 && cap->max > 0) {
    const std::int64_t t0 = first_reached >= 0 ? first_reached : 0;
    const std::int64_t per_step = keys * cap->max;
    std::int64_t windows = cap->fixed ? 2 : 1;
    bound.push_back({t0, per_step * windows});
    for (std::int64_t t = t0 + cap->window_ms; t < end_ms && bound.size() < 400; t += cap->window_ms) {
      bound.push_back({t, per_step * ++windows});
    }
  }
  const std::int64_t data_top = std::max<std::int64_t>({1, reached_count, refused_count});
  std::int64_t y_top = data_top;
  if (!bound.empty()) y_top = std::max(y_top, std::min(bound.front().second, data_top * 3));
  y_top += std::max<std::int64_t>(1, y_top / 10);

  const auto x_of = [&](std::int64_t t) { return kLeft + (kWidth - kLeft - kRight) * static_cast<double>(t) / static_cast<double>(end_ms); };
  const auto y_of = [&](std::int64_t count) {
    const double clipped = static_cast<double>(std::min(count, y_top));
    return kHeight - kBottom - (kHeight - kTop - kBottom) * clipped / static_cast<double>(y_top);
  };

  out << "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"" << kWidth << "\" height=\""
      << kHeight << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" aria-label=\"" << html_attribute(title) << "\">\n"
      << "<title>" << html_text(title) << "</title>\n";
  // Axes, and their end labels.
  out << "<g class=\"axes\" stroke=\"#8c959f\" stroke-width=\"1\">"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kHeight - kBottom << "\" x2=\"" << kWidth - kRight << "\" y2=\""
      << kHeight - kBottom << "\"/>"
      << "<line x1=\"" << kLeft << "\" y1=\"" << kTop << "\" x2=\"" << kLeft << "\" y2=\"" << kHeight - kBottom << "\"/></g>\n";
  out << "<text x=\"" << kLeft << "\" y=\"" << kHeight - 10 << "\">0</text>"
      << "<text x=\"" << kWidth - kRight << "\" y=\"" << kHeight - 10 << "\" text-anchor=\"end\">" << seconds_label(end_ms)
      << "</text><text x=\"" << kLeft - 6 << "\" y=\"" << kHeight - kBottom << "\" text-anchor=\"end\">0</text>"
      << "<text x=\"" << kLeft - 6 << "\" y=\"" << number(kTop + 8) << "\" text-anchor=\"end\">" << y_top << "</text>\n";
  if (!refused.empty()) {
    out << "<path class=\"refused\" d=\"" << step_path(refused, end_ms, x_of, y_of)
        << "\" fill=\"none\" stroke=\"#bc4c00\" stroke-width=\"2\"/>\n";
  }
  if (!reached.empty()) {
    out << "<path class=\"forwarded\" d=\"" << step_path(reached, end_ms, x_of, y_of)
        << "\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\"/>\n";
  }
  for (const auto& [t, count] : leaks) {
    out << "<circle class=\"leaked\" cx=\"" << number(x_of(t)) << "\" cy=\"" << number(y_of(count))
        << "\" r=\"3.5\" fill=\"#8250df\"/>";
  }
  for (const auto t : lost) {
    out << "<line class=\"lost\" x1=\"" << number(x_of(t)) << "\" y1=\"" << kHeight - kBottom - 6 << "\" x2=\""
        << number(x_of(t)) << "\" y2=\"" << kHeight - kBottom + 6 << "\" stroke=\"#57606a\" stroke-width=\"1.5\"/>";
  }
  if (!leaks.empty() || !lost.empty()) out << "\n";
  if (!bound.empty()) {
    // Drawn last, over the data, so a count running exactly at the cap still shows the cap.
    std::string d = "M" + number(x_of(0)) + "," + number(y_of(bound.front().second));
    for (std::size_t i = 1; i < bound.size(); ++i) d += " H" + number(x_of(bound[i].first)) + " V" + number(y_of(bound[i].second));
    d += " H" + number(x_of(end_ms));
    out << "<path class=\"cap\" d=\"" << d << "\" fill=\"none\" stroke=\"#cf222e\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        << "<text class=\"cap-label\" x=\"" << number(kLeft + 4) << "\" y=\""
        << number(std::max(kTop + 10, y_of(bound.front().second) - 4)) << "\" fill=\"#cf222e\">"
        << html_text(cap->label) << (keys > 1 ? " x " + std::to_string(keys) + " keys" : std::string())
        << (bound.front().second > y_top ? " (above the chart: " + std::to_string(bound.front().second) + ")" : std::string())
        << "</text>\n";
  }

  out << "</svg>\n<p class=\"legend\">green: calls that reached the upstream (" << reached_count
      << "), orange: refused (" << refused_count << ")";
  if (!leaks.empty()) out << ", purple dots: leaked (refused to the client but run upstream: " << leaks.size() << ")";
  if (!lost.empty()) out << ", grey ticks: lost (no single answer: " << lost.size() << ")";
  if (!bound.empty()) {
    out << ", dashed red: the most a correct gateway lets through by then"
        << (cap->fixed ? " (fixed windows: up to 2 x max across one boundary)" : "");
  }
  out << ".</p>\n";
}

}  // namespace gatecrash::reports
