#pragma once

#include <cstddef>
#include <string_view>

// runit's number parser (scan_ulong): leading decimal digits, no sign, no
// spaces; an overflow wraps modulo 2^64 as runit's does (svlogd -b
// 99999999999999999999 is a number, not an error).

namespace supervise {

// Parses the decimal digits at the start of `text` into `out` (0 when there
// are none). Returns how many characters were digits.
std::size_t scan_ulong(std::string_view text, unsigned long& out) noexcept;

// The number at the start of `text`, its trailing characters ignored.
unsigned long scan_ulong(std::string_view text) noexcept;

// True when `text` is only digits (the empty string is 0), with the number
// in `out` either way.
bool scan_ulong_all(std::string_view text, unsigned long& out) noexcept;

}  // namespace supervise
