#pragma once

#include <optional>
#include <string>
#include <vector>

// sv's command line and environment (spec/sv.md §1-3).

namespace sv {

inline constexpr int exit_usage = 100;
inline constexpr int exit_fatal = 100;
inline constexpr int exit_max_errors = 99;
inline constexpr int lsb_exit_error = 1;
inline constexpr int lsb_exit_usage = 2;
inline constexpr int lsb_exit_down = 3;
inline constexpr int lsb_exit_unknown = 4;
inline constexpr int lsb_exit_fatal = 151;

struct options {
  std::string progname;            // basename of argv[0]
  bool lsb = false;                // progname is not "sv": init-script mode
  bool verbose = false;            // -v, or -w
  bool json = false;               // -j (beyond runit): status as JSON
  unsigned long timeout = 7;       // seconds: SVWAIT, then -w
  std::string command;
  std::vector<std::string> services;  // empty only for `sv ready`: every service in svdir
  std::string svdir;               // SVDIR or the built-in default
};

// runit's number parsing: leading decimal digits, the rest ignored.
unsigned long parse_seconds(const char* text);

// Parses argv and the environment. On a usage error prints what runit
// prints (option error, version line, usage) and returns nullopt; the exit
// code is then usage_exit(progname).
std::optional<options> parse_options(int argc, char** argv, const char* default_svdir);

// 100, or 2 in init-script mode.
int usage_exit(const options& o);

}  // namespace sv
