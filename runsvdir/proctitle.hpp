#pragma once

#include <cstddef>
#include <span>

// The log argument as a scrolling window (spec/runsvdir.md §3): its first
// five characters stay, the rest shows the most recent bytes of the log pipe.

namespace runsvdir {

inline constexpr std::size_t proctitle_min_len = 7;
inline constexpr std::size_t proctitle_fixed = 5;

// Shifts `title` left from index 5 for each byte of `input` except NUL and
// puts the byte at the end. The length never changes.
void proctitle_append(std::span<char> title, std::span<const char> input) noexcept;

}  // namespace runsvdir
