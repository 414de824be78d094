#include "stamp.hpp"

#include <ctime>

#include <fmt/format.h>

#include "supervise/tai64.hpp"

namespace svlogd {

std::string format_stamp(stamp_kind kind, const timeval& tv) {
  if (kind == stamp_kind::none) return {};
  if (kind == stamp_kind::tai64n) return supervise::tai64n::from_timeval(tv).label();
  std::time_t secs = tv.tv_sec;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  // The first five of the nine nanosecond digits (usec*1000+500), truncated.
  unsigned nano = static_cast<unsigned>(tv.tv_usec) * 1000 + 500;
  return fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}.{:05}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, kind == stamp_kind::human ? '_' : 'T',
                     tm.tm_hour, tm.tm_min, tm.tm_sec, nano / 10000);
}

}  // namespace svlogd
