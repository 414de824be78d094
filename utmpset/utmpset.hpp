#pragma once

#include <string>

// utmpset: marks a terminal line logged out in utmp, and with -w appends a
// logout record to wtmp (spec/utmpset.md).

namespace utmpset {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_fail = 111;

// Logs `line` out in the utmp file `utmp`; with `wtmp` non-empty also
// appends to it. Returns the exit code after printing runit's messages.
int logout(const std::string& line, const char* utmp, const char* wtmp);

// Parses argv ("wV", then the line), runs, returns the exit code.
int main(int argc, char** argv);

}  // namespace utmpset
