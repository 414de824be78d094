#pragma once

#include <optional>
#include <string>
#include <string_view>

// sv's command table (spec/sv.md §4): a command word becomes the control
// bytes to send and how to wait for them.

namespace sv {

struct command {
  std::string acts;           // control bytes written in one write(); "C" for check
  bool send = true;           // false for check: nothing is written
  bool wait = false;          // waits even without -v
  bool kill_on_timeout = false;
  bool status = false;        // the status command: print, never wait
  bool probe = false;         // ready (beyond runit): one look, or waits with -v
};

// Looks the word up as runit does, mostly by its first character.
// nullopt: usage. In LSB mode only the exact word "status" means status.
std::optional<command> parse_command(std::string_view word, bool lsb);

}  // namespace sv
