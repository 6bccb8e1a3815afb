// reports/safe_text.cc — strict UTF-8 decoding and the terminal and XML escapes built on it.
#include "reports/safe_text.h"

#include <cstdio>

namespace gatecrash::reports {
namespace {

std::string hex_escape(const char* format, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string byte_escape(unsigned char byte) { return hex_escape("\\x%02X", byte); }

bool xml_forbidden(char32_t c) {
  if (c < 0x20) return c != '\t' && c != '\n' && c != '\r';
  return c == 0xFFFE || c == 0xFFFF;
}

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint point = next_code_point(text, pos);
    if (!point.valid) {
      out += byte_escape(static_cast<unsigned char>(text[pos]));
    } else if (xml_forbidden(point.value)) {
      out += point.value < 0x20 ? byte_escape(static_cast<unsigned char>(point.value))
                                : hex_escape("\\u%04X", static_cast<unsigned>(point.value));
    } else {
      switch (point.value) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;  // also keeps "]]>" out of character data
        case '"':
          out += attribute ? "&quot;" : "\"";
          break;
        case '\'':
          out += attribute ? "&apos;" : "'";
          break;
        case '\r':
          out += "&#13;";
          break;
        case '\t':
          out += attribute ? "&#9;" : "\t";
          break;
        case '\n':
          out += attribute ? "&#10;" : "\n";
          break;
        default:
          out.append(text.substr(pos, point.length));
      }
    }
    pos += point.length;
  }
  return out;
}

}  // namespace

CodePoint next_code_point(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return {};
  }
  if (pos + length > text.size()) return {};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {};
    value = (value << 6) | (byte(i) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {};
  return {value, length, true};
}

std::string one_line(std::string_view text, std::size_t max_code_points) {
  std::string out;
  std::size_t kept = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint point = next_code_point(text, pos);
    std::string piece;
    if (!point.valid) {
      piece = byte_escape(static_cast<unsigned char>(text[pos]));
    } else if (point.value < 0x20 || point.value == 0x7F) {
      piece = byte_escape(static_cast<unsigned char>(point.value));
    } else if (point.value >= 0x80 && point.value <= 0x9F) {
      piece = hex_escape("\\u%04X", static_cast<unsigned>(point.value));
    }
    const bool escaped = !piece.empty();
    if (!escaped) piece.assign(text.substr(pos, point.length));
    const std::size_t width = escaped ? piece.size() : 1;  // escapes are ASCII
    if (max_code_points != std::string_view::npos && kept + width > max_code_points) {
      out += "...";
      return out;
    }
    out += piece;
    kept += width;
    pos += point.length;
  }
  return out;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t pos = 0; pos < text.size(); ++width) pos += next_code_point(text, pos).length;
  return width;
}

std::string xml_escape_text(std::string_view text) { return xml_escape(text, false); }
std::string xml_escape_attribute(std::string_view text) { return xml_escape(text, true); }

}  // namespace gatecrash::reports
