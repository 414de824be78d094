#include "extensions.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>

#include <sys/stat.h>

#include "supervise/container.hpp"
#include "supervise/fd.hpp"
#include "supervise/scan.hpp"

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

// Up to nine digits, so that the number fits a long and never wraps.
constexpr std::size_t max_digits = 9;

std::optional<long> read_number_file(const char* path) {
  auto line = first_line(path);
  unsigned long n = 0;
  if (!line || line->empty() || line->size() > max_digits || !supervise::scan_ulong_all(*line, n))
    return std::nullopt;
  return static_cast<long>(n);
}

std::optional<std::pair<long, long>> read_number_pair(const char* path) {
  auto line = first_line(path);
  if (!line) return std::nullopt;
  std::string_view rest = *line;
  long v[2] = {0, 0};
  for (long& n : v) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    unsigned long u = 0;
    std::size_t digits = supervise::scan_ulong(rest, u);
    if (digits == 0 || digits > max_digits) return std::nullopt;
    n = static_cast<long>(u);
    rest.remove_prefix(digits);
  }
  return std::make_pair(v[0], v[1]);
}

std::optional<int> parse_signal(std::string_view text) {
  if (!text.empty() && text[0] >= '0' && text[0] <= '9') {
    unsigned long n = 0;
    if (text.size() > max_digits || !supervise::scan_ulong_all(text, n) || n == 0 || n >= NSIG)
      return std::nullopt;
    return static_cast<int>(n);
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

void kill_timer::start(pid_t pid, pid_t target) {
  auto ms = read_number_file(file_);
  if (!ms || *ms == 0) return;
  pid_ = pid;
  timer_.expires_after(std::chrono::milliseconds(*ms));
  timer_.async_wait([this, pid, target](const boost::system::error_code& ec) {
    if (!ec && pid_ == pid) ::kill(target != 0 ? target : pid, SIGKILL);
  });
}

void essential_ended(int run_wait) {
  struct stat st;
  if (::stat("essential", &st) == -1 || !supervise::in_container_environment()) return;
  // The first service to end the container sets its exit code.
  if (!supervise::read_exit_code()) supervise::write_exit_code(supervise::exit_code_of(run_wait));
  ::kill(1, SIGTERM);
}

}  // namespace runsv
