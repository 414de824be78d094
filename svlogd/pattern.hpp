#pragma once

#include <string_view>

// runit's svlogd pattern language (spec/svlogd.md §5.2): anchored at both
// ends; '*' skips to the first occurrence of the next pattern byte and never
// backtracks; "+x" is one or more x, and a line that ends inside such a run
// matches whatever pattern is left.

namespace svlogd {

bool pattern_match(std::string_view pattern, std::string_view line) noexcept;

}  // namespace svlogd
