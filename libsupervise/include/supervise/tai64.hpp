#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/time.h>

// TAI64 / TAI64N labels the way runit writes them: TAI-UTC is taken as a
// constant 10 s (label = 2^62 + 10 + unix seconds), no leap-second table.

namespace supervise {

inline constexpr std::uint64_t tai64_unix_offset = 0x400000000000000AULL;

struct tai64n {
  std::uint64_t seconds = 0;  // the TAI64 label, offset included
  std::uint32_t nano = 0;     // 0 .. 999999999

  // runit's timestamp of a gettimeofday value: nano = 1000 * usec + 500.
  static tai64n from_timeval(const timeval& tv) noexcept;
  static tai64n from_unix(std::int64_t unix_seconds, std::uint32_t nano = 0) noexcept;
  // gettimeofday() converted as runit does.
  static tai64n now() noexcept;

  // Unix seconds of the label (may be negative for labels before 1970).
  std::int64_t unix_seconds() const noexcept;

  // The 12 big-endian bytes: 8 of seconds, 4 of nanoseconds.
  std::array<std::byte, 12> pack() const noexcept;
  static tai64n unpack(std::span<const std::byte, 12> bytes) noexcept;

  // "@" followed by 24 lower-case hex digits, as svlogd -t and tai64n write.
  std::string label() const;
  // Parses the 24 hex digits after an optional "@"; nullopt on bad input.
  static std::optional<tai64n> parse_label(std::string_view text);

  friend auto operator<=>(const tai64n&, const tai64n&) = default;
};

}  // namespace supervise
