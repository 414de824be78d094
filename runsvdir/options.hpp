#pragma once

#include <cstddef>
#include <optional>
#include <string>

// runsvdir's command line (spec/runsvdir.md §1): runsvdir [-P] dir [log].

namespace runsvdir {

inline constexpr int exit_term = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_fatal = 100;
inline constexpr int exit_hup = 111;
inline constexpr int exit_exec_failed = 100;  // of the child that could not exec runsv

struct options {
  bool new_session = false;  // -P: each runsv in its own session
  std::string dir;
  char* log = nullptr;       // the log argument's own storage: the process title
  std::size_t log_len = 0;
};

// Only the first argument may be an option: "-P..." sets new_session, "--..."
// is skipped, any other "-X" is the directory. nullopt: no directory.
std::optional<options> parse_options(int argc, char** argv);

}  // namespace runsvdir
