#include "supervise/scan.hpp"

namespace supervise {

std::size_t scan_ulong(std::string_view text, unsigned long& out) noexcept {
  unsigned long n = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
    n = n * 10 + static_cast<unsigned long>(text[i] - '0');
  out = n;
  return i;
}

unsigned long scan_ulong(std::string_view text) noexcept {
  unsigned long n;
  scan_ulong(text, n);
  return n;
}

bool scan_ulong_all(std::string_view text, unsigned long& out) noexcept {
  return scan_ulong(text, out) == text.size();
}

}  // namespace supervise
