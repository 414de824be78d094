#include "pattern.hpp"

namespace svlogd {

bool pattern_match(std::string_view p, std::string_view s) noexcept {
  std::size_t pi = 0, si = 0;
  for (;;) {
    if (pi == p.size()) return si == s.size();
    char c = p[pi++];
    if (c == '*') {
      if (pi == p.size()) return true;  // a trailing '*' eats the rest
      char stop = p[pi];
      for (;;) {
        if (si == s.size()) return false;
        if (s[si] == stop) break;
        ++si;
      }
      continue;
    }
    if (c == '+') {
      // runit reads past the end of a pattern that ends in '+': never a match.
      if (pi == p.size()) return false;
      char d = p[pi++];
      if (si == s.size() || s[si] != d) return false;
      for (;;) {
        if (si == s.size()) return true;
        if (s[si] != d) break;
        ++si;
      }
      continue;
    }
    if (si == s.size() || s[si] != c) return false;
    ++si;
  }
}

}  // namespace svlogd
