#include "proctitle.hpp"

#include <algorithm>
#include <cstring>

namespace runsvdir {

void proctitle_append(std::span<char> title, std::span<const char> input) noexcept {
  if (title.size() <= proctitle_fixed) return;
  std::span<char> window = title.subspan(proctitle_fixed);
  const std::size_t w = window.size();
  // Only the last w non-NUL bytes of the input can stay visible.
  std::size_t keep = 0;
  std::size_t start = input.size();
  while (start > 0 && keep < w) {
    --start;
    if (input[start] != '\0') ++keep;
  }
  std::memmove(window.data(), window.data() + keep, w - keep);
  std::size_t at = w - keep;
  for (std::size_t i = start; i < input.size(); ++i)
    if (input[i] != '\0') window[at++] = input[i];
}

}  // namespace runsvdir
