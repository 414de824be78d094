// runit's svlogd pattern language (spec/svlogd.md §5.2, §5.3): every row of
// the match table, and the quirks that follow from the algorithm.

#include <catch2/catch.hpp>

#include <string>

#include "pattern.hpp"

using svlogd::pattern_match;

namespace {

struct row {
  const char* pattern;
  std::string line;
  bool matches;
};

}  // namespace

TEST_CASE("pattern: the §5.3 match table", "[svlogd-pattern]") {
  const row rows[] = {
      {"foo", "foo", true},
      {"foo", "fooo", false},
      {"foo", "fo", false},
      {"foo", "", false},
      {"foo", "xfoo", false},
      {"foo*", "foo", true},
      {"foo*", "foobar", true},
      {"foo*", "fo", false},
      {"foo*", "xfoo", false},
      {"*foo", "foo", true},
      {"*foo", "xfoo", true},
      {"*foo", "xxfoo", true},
      {"*foo", "foox", false},
      {"*foo", "xfox", false},
      {"*pid*", "pid x", true},
      {"*pid*", "xpid", true},
      {"*pid*", "tcpsvd: info: pid 1977", false},  // '*' stops at the first 'p'
      {"*: *: pid *", "tcpsvd: info: pid 1", true},
      {"*: *: pid *", "2005-12-18 tcpsvd: info: pid 1977 from", true},
      {"a+b", "ab", true},
      {"a+b", "abb", true},
      {"a+b", "aab", false},
      {"a+b", "b", false},
      {"a+b", "aaab", false},
      {"a+bc", "abc", true},
      {"a+bc", "abbc", true},
      {"a+bc", "ab", true},  // the line ends inside the '+b' run: a match
      {"a+bc", "aabc", false},
      {"a+bc", "abx", false},
      {"+a", "a", true},
      {"+a", "aa", true},
      {"+a", "b", false},
      {"+a", "", false},
      {"*", "", true},
      {"*", "x", true},
      {"", "", true},
      {"", "x", false},
      {"a*b*c", "abc", true},
      {"a*b*c", "axbyc", true},
      {"a*b*c", "axxbc", true},
      {"a*b*c", "abbc", true},
      {"*b", "b", true},
      {"*b", "ab", true},
      {"*b", "abb", false},  // no backtracking past the first 'b'
      {"**x", "*x", true},
      {"**x", "x", false},
      {"**x", "ax", false},
      {"a**", "a", false},
      {"a**", "ab", false},
  };
  for (const auto& r : rows) {
    INFO("pattern [" << r.pattern << "] line [" << r.line << "]");
    CHECK(pattern_match(r.pattern, r.line) == r.matches);
  }
}

TEST_CASE("pattern: a trailing '+' never matches", "[svlogd-pattern]") {
  CHECK_FALSE(pattern_match("a+", "a"));
  CHECK_FALSE(pattern_match("a+", "a+"));
  CHECK_FALSE(pattern_match("+", ""));
}

TEST_CASE("pattern: bytes are compared as they are, NUL and high bytes included", "[svlogd-pattern]") {
  CHECK(pattern_match(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(pattern_match(std::string("a\0b", 3), "a"));
  CHECK(pattern_match("*\xc3\xa9", "caf\xc3\xa9"));
  CHECK(pattern_match("*\r", "line\r"));
}

TEST_CASE("pattern: '*' stops at the first occurrence of the next byte", "[svlogd-pattern]") {
  CHECK(pattern_match("*x*", "axbxc"));
  CHECK_FALSE(pattern_match("*xc", "axbxc"));  // stops at the first x, then 'c' != 'b'
  // '*' then stops at a literal '+', which the next step reads as "+x".
  CHECK_FALSE(pattern_match("*+x", "axxx"));
  CHECK_FALSE(pattern_match("*+x", "a+xx"));
}
