#pragma once

#include <cstdint>
#include <netinet/in.h>
#include <string>
#include <string_view>
#include <vector>

// A log directory's `config` file (spec/svlogd.md §4).

namespace svlogd {

struct pattern_rule {
  char op;              // '+', '-', 'e' or 'E'
  std::string pattern;
};

struct config {
  unsigned long size = 1000000;   // s: rotate at this size, 0 never
  unsigned long num = 10;         // n: keep this many old logs, 0 all
  unsigned long min = 10;         // N: keep at least this many when the disk is full
  unsigned long timeout = 0;      // t: rotate every this many seconds, 0 never
  std::string processor;          // !: run on each rotated log
  sockaddr_in udp{};              // u/U target; sin_port 0: none
  bool udp_only = false;          // U: selected lines go only to UDP
  std::string prefix;             // p
  std::vector<pattern_rule> rules;
};

// Parses `text` over `c` (which holds the defaults or earlier values).
// Warnings runit prints while parsing (bad u/U addresses) are appended to
// `warnings`, each without "svlogd: warning: " and without "\n".
void parse_config(std::string_view text, config& c, std::vector<std::string>& warnings);

}  // namespace svlogd
