#pragma once

#include <string>
#include <string_view>

// runit's djb-style getopt (sgetopt): no permutation, parsing stops at the
// first operand; "--" (or any word starting with "--") ends the options and
// is consumed; a lone "-" ends them and is kept.

namespace chpst {

class getopt {
 public:
  static constexpr int done = -1;

  // argv must be NULL-terminated at argc. `progname` prefixes the
  // "illegal option" / "option requires an argument" lines.
  getopt(int argc, char* const* argv, const char* opts, std::string progname);

  // The next option character; '?' after printing the problem to stderr;
  // done at the first operand.
  int next();
  // The value of the option just returned (nullptr for flags).
  const char* arg() const noexcept { return arg_; }
  // Index of the first argument not consumed.
  int index() const noexcept { return ind_; }

 private:
  int sub();
  int argc_;
  char* const* argv_;
  const char* opts_;
  std::string progname_;
  const char* arg_ = nullptr;
  int ind_ = 1;
  int pos_ = 0;
  char problem_ = 0;
};

// The part of argv[0] after its last '/'.
std::string_view basename_of(std::string_view argv0) noexcept;

// runit's scan_ulong over the whole string: true if `text` is only decimal
// digits (the empty string is 0). Overflow wraps, as runit's does.
bool scan_ulong_all(const char* text, unsigned long& out) noexcept;

}  // namespace chpst
