#include "supervise/tai64.hpp"

#include <fmt/format.h>

namespace supervise {

tai64n tai64n::from_timeval(const timeval& tv) noexcept {
  // runit's taia_now(): the +500 centres the microsecond in its nanosecond range.
  return from_unix(static_cast<std::int64_t>(tv.tv_sec),
                   static_cast<std::uint32_t>(1000 * tv.tv_usec + 500));
}

tai64n tai64n::from_unix(std::int64_t unix_seconds, std::uint32_t nano) noexcept {
  // Unsigned wrap-around makes labels before 1970 come out right.
  return tai64n{tai64_unix_offset + static_cast<std::uint64_t>(unix_seconds), nano};
}

tai64n tai64n::now() noexcept {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return from_timeval(tv);
}

std::int64_t tai64n::unix_seconds() const noexcept {
  return static_cast<std::int64_t>(seconds - tai64_unix_offset);
}

std::array<std::byte, 12> tai64n::pack() const noexcept {
  std::array<std::byte, 12> out{};
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<std::byte>(seconds >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(8 + i)] = static_cast<std::byte>(nano >> (24 - 8 * i));
  return out;
}

tai64n tai64n::unpack(std::span<const std::byte, 12> bytes) noexcept {
  tai64n t;
  for (std::size_t i = 0; i < 8; ++i)
    t.seconds = (t.seconds << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  for (std::size_t i = 8; i < 12; ++i)
    t.nano = (t.nano << 8) | std::to_integer<std::uint32_t>(bytes[i]);
  return t;
}

std::string tai64n::label() const {
  return fmt::format("@{:016x}{:08x}", seconds, nano);
}

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<tai64n> tai64n::parse_label(std::string_view text) {
  if (!text.empty() && text.front() == '@') text.remove_prefix(1);
  if (text.size() != 24) return std::nullopt;
  tai64n t;
  for (std::size_t i = 0; i < 24; ++i) {
    int v = hex_value(text[i]);
    if (v < 0) return std::nullopt;
    if (i < 16)
      t.seconds = (t.seconds << 4) | static_cast<std::uint64_t>(v);
    else
      t.nano = (t.nano << 4) | static_cast<std::uint32_t>(v);
  }
  if (t.nano > 999999999) return std::nullopt;
  return t;
}

}  // namespace supervise
