#pragma once

#include <optional>
#include <string_view>
#include <utility>

// Optional files of a service directory beyond runit, with s6's names and
// meanings. Without them runsv behaves exactly as runit's.
//   notification-fd   the fd on which ./run writes a newline once it is ready
//   down-signal       the signal that stops the service instead of TERM
//   timeout-finish    milliseconds after which a running ./finish is killed
// and, without an s6 equivalent:
//   restart-limit     "N T": after N exits within T seconds the service is
//                     left down (want down), as if `sv down` had been given
//   restart-backoff   "FIRST MAX": milliseconds before a restart, doubling
//                     with each exit up to MAX, back to FIRST once a run
//                     lasted MAX or longer

namespace runsv {

// The first line of `path` as a non-negative integer; nullopt when the file
// is missing or does not hold one.
std::optional<long> read_number_file(const char* path);

// The first two numbers of the first line of `path` ("N T"); nullopt when
// the file is missing or malformed.
std::optional<std::pair<long, long>> read_number_pair(const char* path);

// A signal named as s6 accepts it: "SIGINT", "INT" or a number.
std::optional<int> parse_signal(std::string_view text);

// The signal in the file `path` (down-signal), or SIGTERM.
int down_signal(const char* path);

}  // namespace runsv
