// reports/html_page.h — pieces shared by the self-contained HTML reports (run and audit).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace gatecrash::reports {

// Text and attribute values for HTML: the XML escapes of safe_text.h (HTML5 parses them the same
// way), so text from a hostile gateway can neither open a tag nor leave an attribute.
std::string html_text(std::string_view text);
std::string html_attribute(std::string_view text);

// An id usable as a fragment: letters, digits, '-' and '_' kept, everything else '-', prefixed.
std::string html_anchor(std::string_view prefix, std::string_view text);

// The document up to and including <body>, with the one stylesheet every report shares, and its
// end. No scripts, fonts, images or links to anything outside the file.
void write_html_head(std::ostream& out, std::string_view title);
void write_html_tail(std::ostream& out);

// Milliseconds as "850 ms", "1.2 s" or "2 min 5 s".
std::string human_duration(std::int64_t ms);

// One calls-over-time chart drawn as inline SVG (class "timeline"): the cumulative count of
// calls that reached the upstream and of calls refused, lost calls as ticks on the time axis and,
// when `cap` is set, the most a correct gateway may let through by each moment (class "cap").
struct ChartCall {
  std::int64_t t_ms = 0;
  enum class Kind { forwarded, refused, leaked, lost } kind = Kind::forwarded;
  std::string scope_key;  // the cap's counter key this call is charged under ("" without a cap)
};
struct ChartCap {
  std::int64_t max = 0;
  std::int64_t window_ms = 0;
  bool fixed = false;  // fixed windows: a boundary may let 2 x max through within one window
  std::string label;   // e.g. "cap 30 per minute (grant, sliding)"
};
void write_timeline_svg(std::ostream& out, std::string_view title, const std::vector<ChartCall>& calls,
                        const ChartCap* cap);

}  // namespace gatecrash::reports
