// reports/safe_text.h — strict UTF-8 walking and escaping shared by the writers (terminal, XML).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gatecrash::reports {

// One step of a strict UTF-8 walk: overlong forms, surrogates, code points above U+10FFFF and
// truncated sequences are invalid, and an invalid step consumes exactly one byte.
struct CodePoint {
  char32_t value = 0;
  std::size_t length = 1;
  bool valid = false;
};
CodePoint next_code_point(std::string_view text, std::size_t pos);

// Text made safe for one line of a terminal: control characters (C0, DEL, C1, including tab and
// newline) become "\xNN" / "\uNNNN", invalid UTF-8 bytes "\xNN". At most `max_code_points` of
// the result are kept; a cut is marked with "...". Lossy: meant for reading, not for parsing.
std::string one_line(std::string_view text, std::size_t max_code_points = std::string_view::npos);

// Code points in valid UTF-8 (what a terminal column count approximates); for one_line() output.
std::size_t display_width(std::string_view text);

// XML 1.0 character data / attribute value. `&<>` become entities (and `"'` in attributes), so
// "]]>" never appears; characters XML 1.0 forbids
// (C0 other than tab, newline, carriage return; U+FFFE, U+FFFF) and invalid UTF-8 bytes become
// the visible text "\xNN" / "\uFFFE". Carriage return is written as &#13; so it survives parsing;
// in attributes tab and newline are written as &#9; / &#10; for the same reason.
std::string xml_escape_text(std::string_view text);
std::string xml_escape_attribute(std::string_view text);

}  // namespace gatecrash::reports
