#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "stamp.hpp"

// svlogd's command line (spec/svlogd.md §1).

namespace svlogd {

inline constexpr int exit_ok = 0;
inline constexpr int exit_fatal = 111;  // also usage, -V and a processor child's failure

struct options {
  stamp_kind stamp = stamp_kind::none;  // -t, -tt, -ttt
  bool verbose = false;                 // -v
  bool replace = false;                 // -r or -R given
  char replacement = '_';               // -r c
  std::string replace_set;              // -R abc
  std::size_t linelen = 1000;           // -l
  std::size_t buflen = 1024;            // -b
  // -o name (not in runit): also copy every line to standard output as
  // "[stamp ]name: line"; an empty name copies the lines without "name: ".
  // With it, log directories are optional.
  std::optional<std::string> out_name;
  std::vector<std::string> dirs;
};

// Parses argv as runit does; on a usage error prints the messages runit
// prints and returns nullopt (exit 111).
std::optional<options> parse_options(int argc, char** argv);

}  // namespace svlogd
