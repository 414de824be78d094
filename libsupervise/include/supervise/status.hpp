#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/types.h>

#include "supervise/tai64.hpp"

// The supervise/status record (spec/supervise-protocol.md §3, §4):
// a value type, its 20 runit bytes, and the text of supervise/stat.

namespace supervise {

enum class state : std::uint8_t { down = 0, run = 1, finish = 2 };
// `other`: a decoded want byte that is neither 'u' nor 'd' (another
// implementation, or a damaged file); runsv itself never holds it.
enum class want : std::uint8_t { up, down, exit, other };

struct status {
  tai64n time;               // last change of the run/down cycle
  pid_t pid = 0;             // current child, 0 if none
  bool paused = false;
  want wants = want::up;     // exit is written as 'd'
  std::uint8_t other_want = 0;  // with want::other: the byte as read; 0 otherwise
  bool got_term = false;
  std::uint8_t other_term = 0;  // a TERM byte above 1 as read (decode); 0 otherwise
  supervise::state state = state::down;

  friend bool operator==(const status&, const status&) = default;
};

inline constexpr std::size_t status_size = 20;

// Encodes to exactly the bytes runit writes (want exit becomes 'd').
std::array<std::byte, status_size> encode(const status& s) noexcept;

// Decodes 20 bytes. nullopt when the size is not 20. A want byte that is
// neither 'u' nor 'd' decodes as want::other with the byte kept (runit's sv
// compares the byte itself); state bytes above 2 are kept as read (callers
// print what runit's sv prints for them).
std::optional<status> decode(std::span<const std::byte> bytes) noexcept;

// The want byte as written at offset 17: 'u', 'd' (down and exit), or the
// byte kept by decode for want::other.
std::uint8_t want_byte(const status& s) noexcept;

// The supervise/stat line, with its "\n":
// "STATE[, paused][, got TERM][, want down|, want exit]\n".
std::string stat_text(const status& s);

// The TERM byte as written at offset 18: 0, 1, or the byte above 1 kept by
// decode (runit's sv treats any non-zero as "got TERM" when it prints, but
// only exactly 1 when it decides whether `down` must be sent again).
std::uint8_t term_byte(const status& s) noexcept;

// "down" / "run" / "finish"; "" for a state byte above 2 (sv prints none).
const char* state_name(supervise::state s) noexcept;

}  // namespace supervise
