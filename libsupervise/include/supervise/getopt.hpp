#pragma once

#include <string>
#include <string_view>

// runit's option parser (djb's sgetopt), the one every program of the suite
// uses: no permutation, parsing stops at the first operand; any word that
// starts with "--" ends the options and is consumed ("--", "--w", "--x");
// a lone "-" ends them and is kept as an operand.

namespace supervise {

class getopt {
 public:
  static constexpr int done = -1;

  // argv must be NULL-terminated at argc. `progname` prefixes the
  // "illegal option" / "option requires an argument" lines.
  getopt(int argc, char* const* argv, const char* opts, std::string progname);

  // The next option character; '?' after printing the problem to stderr
  // ("PROGNAME: illegal option -- c" or "PROGNAME: option requires an
  // argument -- c"); done at the first operand.
  int next();
  // The value of the option just returned (nullptr for flags).
  const char* arg() const noexcept { return arg_; }
  // Index of the first argument not consumed.
  int index() const noexcept { return ind_; }
  // The option character of the last '?'.
  char problem() const noexcept { return problem_; }

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

}  // namespace supervise
