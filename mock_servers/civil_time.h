// mock_servers/civil_time.h — UTC calendar arithmetic, formatting and parsing on injected ms times.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatecrash::mock {

inline constexpr std::int64_t kMillisPerSecond = 1000;
inline constexpr std::int64_t kMillisPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
CivilDate civil_from_days(std::int64_t days);

std::string format_rfc3339(std::int64_t ms);    // "2025-06-02T09:15:00Z"
std::string format_date(std::int64_t ms);       // "2025-06-02"
std::string format_date_time(std::int64_t ms);  // "2025-06-02 09:15:00" (TrackingTime style)

// Same day of month `months` later (clamped to the month's last day), same time of day.
std::int64_t add_months(std::int64_t ms, std::int64_t months);

// Parses "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.fff]]" with an optional "Z", "+HH:MM" or
// "+HHMM" offset (no offset means UTC), or Unix seconds with an optional fraction ("1717318500.5").
std::optional<std::int64_t> parse_time_ms(std::string_view text);

}  // namespace gatecrash::mock
