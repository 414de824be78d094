#pragma once

#include <string>
#include <sys/time.h>

// svlogd's line timestamps (spec/svlogd.md §6.5), each 25 bytes.

namespace svlogd {

enum class stamp_kind { none = 0, tai64n = 1, human = 2, iso = 3 };

// "@" + 24 hex (TAI64N), "YYYY-MM-DD_HH:MM:SS.fffff" or
// "YYYY-MM-DDTHH:MM:SS.fffff" (UTC, fraction truncated), without the space.
std::string format_stamp(stamp_kind kind, const timeval& tv);

}  // namespace svlogd
