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

std::optional<std::pair<long, long>> read_number_pair(const char* path) {
  auto line = first_line(path);
  if (!line) return std::nullopt;
  long v[2] = {0, 0};
  std::size_t at = 0;
  for (long& n : v) {
    while (at < line->size() && ((*line)[at] == ' ' || (*line)[at] == '\t')) ++at;
    std::size_t digits = 0;
    for (; at < line->size() && (*line)[at] >= '0' && (*line)[at] <= '9' && digits < 9; ++at, ++digits)
      n = n * 10 + ((*line)[at] - '0');
    if (digits == 0) return std::nullopt;
  }
  return std::make_pair(v[0], v[1]);
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
