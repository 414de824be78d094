#include "extensions.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>

#include "supervise/fd.hpp"

namespace runsv {

namespace {

std::optional<std::string> first_line(const char* path) {
  auto text = supervise::read_file(path, O_RDONLY | O_NONBLOCK);
  if (!text) return std::nullopt;
  std::string line = text->substr(0, text->find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

std::optional<long> read_number_file(const char* path) {
  auto line = first_line(path);
  if (!line || line->empty() || line->size() > 9) return std::nullopt;
  long n = 0;
  for (char c : *line) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<int> parse_signal(std::string_view text) {
  if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
    int n = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
      if (n >= NSIG) return std::nullopt;
    }
    return n > 0 ? std::optional<int>(n) : std::nullopt;
  }
  if (text.substr(0, 3) == "SIG") text.remove_prefix(3);
  static constexpr struct { const char* name; int sig; } names[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
      {"WINCH", SIGWINCH}, {"PWR", SIGPWR},
  };
  for (const auto& n : names)
    if (text == n.name) return n.sig;
  return std::nullopt;
}

int down_signal(const char* path) {
  auto line = first_line(path);
  if (!line) return SIGTERM;
  return parse_signal(*line).value_or(SIGTERM);
}

}  // namespace runsv
