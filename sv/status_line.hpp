#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "supervise/status.hpp"

// sv's rendering of a status record (spec/sv.md §6.3).

namespace sv {

// "STATE: LABEL: [(pid N) ]SECSs[FLAGS]" without a newline. `now` is unix
// seconds; `down_file` says whether the service's `down` file exists.
std::string status_line(const supervise::status& s, std::string_view label,
                        bool down_file, std::int64_t now);
// The same line appended to `out`.
void append_status_line(std::string& out, const supervise::status& s, std::string_view label,
                        bool down_file, std::int64_t now);

}  // namespace sv
