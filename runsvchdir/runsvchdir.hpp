#pragma once

#include <string>

// runsvchdir: makes BASE/NAME the current service set by replacing the
// BASE/current symlink, keeping the old one as BASE/previous
// (spec/runsvchdir.md).

namespace runsvchdir {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_fatal = 111;
inline constexpr const char* default_base = "/etc/runit/runsvdir";

// Switches to `name` under `base`; prints runit's success line to stdout.
// `prog` prefixes the one fatal-labelled line it prints and survives.
// Throws supervise::fatal_error.
int switch_to(const std::string& prog, const std::string& base, const std::string& name);

// Parses argv and the environment (RUNSVDIR), runs, returns the exit code.
int main(int argc, char** argv);

}  // namespace runsvchdir
