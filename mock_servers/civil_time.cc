// mock_servers/civil_time.cc — UTC calendar arithmetic, formatting and parsing.
#include "mock_servers/civil_time.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace gatecrash::mock {
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
  std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::int64_t seconds = 0;
  auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (error != std::errc() || end != whole.data() + whole.size() || whole.empty())
    return std::nullopt;
  if (seconds < 0 || seconds > 253'402'300'799) return std::nullopt;  // up to year 9999
  std::int64_t millis = 0;
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty()) return std::nullopt;
    std::int64_t scale = 100;
    for (char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
      millis += (c - '0') * scale;
      scale /= 10;
    }
  }
  return seconds * kMillisPerSecond + millis;
}

std::optional<std::int64_t> parse_offset_ms(std::string_view zone) {
  if (zone.empty() || zone == "Z" || zone == "z") return 0;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  auto hours = digits(zone, 1, 2);
  std::size_t minutes_at = zone.size() == 6 && zone[3] == ':' ? 4 : 3;
  auto minutes = digits(zone, minutes_at, 2);
  if (!hours || !minutes || minutes_at + 2 != zone.size() || *hours > 23 || *minutes > 59) {
    return std::nullopt;
  }
  std::int64_t offset = (*hours * 60 + *minutes) * 60 * kMillisPerSecond;
  return zone[0] == '+' ? offset : -offset;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = floor_div(year, 400);
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2);
  return {year, month, day};
}

namespace {
std::string format_with(std::int64_t ms, const char* pattern) {
  std::int64_t days = floor_div(ms, kMillisPerDay);
  std::int64_t seconds_of_day = (ms - days * kMillisPerDay) / kMillisPerSecond;
  CivilDate date = civil_from_days(days);
  char text[64];
  std::snprintf(text, sizeof text, pattern, static_cast<long long>(date.year), date.month, date.day,
                static_cast<int>(seconds_of_day / 3600), static_cast<int>(seconds_of_day / 60 % 60),
                static_cast<int>(seconds_of_day % 60));
  return text;
}
}  // namespace

std::string format_rfc3339(std::int64_t ms) {
  return format_with(ms, "%04lld-%02u-%02uT%02d:%02d:%02dZ");
}
std::string format_date_time(std::int64_t ms) {
  return format_with(ms, "%04lld-%02u-%02u %02d:%02d:%02d");
}
std::string format_date(std::int64_t ms) { return format_rfc3339(ms).substr(0, 10); }

std::int64_t add_months(std::int64_t ms, std::int64_t months) {
  std::int64_t days = floor_div(ms, kMillisPerDay);
  std::int64_t time_of_day = ms - days * kMillisPerDay;
  CivilDate date = civil_from_days(days);
  std::int64_t month_index = date.year * 12 + (date.month - 1) + months;
  std::int64_t year = floor_div(month_index, 12);
  auto month = static_cast<unsigned>(month_index - year * 12 + 1);
  unsigned day = std::min(date.day, days_in_month(year, month));
  return days_from_civil(year, month, day) * kMillisPerDay + time_of_day;
}

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return parse_unix_seconds(text);
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1 ||
      static_cast<unsigned>(*day) > days_in_month(*year, static_cast<unsigned>(*month))) {
    return std::nullopt;
  }
  std::int64_t ms =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) *
      kMillisPerDay;
  if (text.size() == 10) return ms;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  if (!hour || !minute || text.size() < 16 || text[13] != ':' || *hour > 23 || *minute > 59) {
    return std::nullopt;
  }
  ms += (*hour * 60 + *minute) * 60 * kMillisPerSecond;
  std::size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    auto second = digits(text, pos + 1, 2);
    if (!second || *second > 60) return std::nullopt;
    ms += *second * kMillisPerSecond;
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      std::int64_t scale = 100;
      for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
        ms += (text[pos] - '0') * scale;
        scale /= 10;
      }
    }
  }
  auto offset = parse_offset_ms(text.substr(pos));
  if (!offset) return std::nullopt;
  return ms - *offset;
}

}  // namespace gatecrash::mock
