#include "command.hpp"

namespace sv {

namespace {

command sends(std::string acts, bool wait = false, bool kill = false) {
  command c;
  c.acts = std::move(acts);
  c.wait = wait;
  c.kill_on_timeout = kill;
  return c;
}

std::optional<command> parse_s(std::string_view word, bool lsb) {
  if (word == "shutdown") return sends("x", true);
  if (word == "start") return sends("u", true);
  if (word == "stop") return sends("d", true);
  if (lsb && word != "status") return std::nullopt;
  command c;
  c.status = true;
  c.send = false;
  return c;
}

std::optional<command> parse_f(std::string_view word) {
  if (word == "force-reload") return sends("tc", true, true);
  if (word == "force-restart") return sends("tcu", true, true);
  if (word == "force-shutdown") return sends("x", true, true);
  if (word == "force-stop") return sends("d", true, true);
  return std::nullopt;
}

}  // namespace

std::optional<command> parse_command(std::string_view word, bool lsb) {
  if (word.empty()) return std::nullopt;
  switch (word[0]) {
    case 'x': case 'e': return sends("x");
    case 'X': case 'E': return sends("x", true, true);
    case 'D': return sends("d", true, true);
    case 'T': return sends("tc", true, true);
    case 't': return word == "try-restart" ? sends("tc", true) : sends("t");
    case 'c':
      if (word == "check") {
        command c = sends("C", true);
        c.send = false;
        return c;
      }
      return sends("c");
    case 'u': case 'd': case 'o': case 'p': case 'h': case 'a':
    case 'i': case 'k': case 'q': case '1': case '2':
      return sends(std::string(1, word[0]));
    case 's': return parse_s(word, lsb);
    case 'r':
      if (word == "restart") return sends("tcu", true);
      if (word == "reload") return sends("h", true);
      if (word == "ready") {  // beyond runit; runit's sv rejects the word
        command c = sends("R");
        c.send = false;
        c.probe = true;
        return c;
      }
      return std::nullopt;
    case 'f': return parse_f(word);
    default: return std::nullopt;
  }
}

}  // namespace sv
