#pragma once

#include <array>
#include <cstddef>
#include <optional>

// Soft resource limits (spec/chpst.md §8).

namespace chpst {

// In the order runit applies them.
enum class resource : std::size_t { data, stack, memlock, as, nofile, nproc, fsize, core, rss, cpu };
inline constexpr std::size_t resource_count = 10;

// A requested soft limit per resource; a negative value means "the hard
// limit" (softlimit's "="), as does anything above the hard limit.
struct limits {
  std::array<std::optional<long>, resource_count> soft{};

  std::optional<long>& operator[](resource r) noexcept { return soft[static_cast<std::size_t>(r)]; }
  const std::optional<long>& operator[](resource r) const noexcept {
    return soft[static_cast<std::size_t>(r)];
  }
  // -m: data, stack, locked memory and address space at once.
  void set_memory(long value) noexcept;
};

// getrlimit, then setrlimit with the soft limit min(value, hard), for each
// requested resource in order. Throws fatal_error(111) on failure.
void apply_limits(const limits& l);

}  // namespace chpst
