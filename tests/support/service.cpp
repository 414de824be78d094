#include "service.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "temp_dir.hpp"

namespace test {

std::string runsv_under_test() {
  const char* env = std::getenv("RUNSV_UNDER_TEST");
  if (env != nullptr && *env != '\0') return env;
  return RUNSV_BIN;
}

std::string reference_bin(std::string_view name) {
  return std::string(REFERENCE_BINDIR) + "/" + std::string(name);
}

std::int64_t status_record::unix_seconds() const noexcept {
  return static_cast<std::int64_t>(tai_seconds - 0x400000000000000AULL);
}

std::string status_record::time_bytes() const {
  return std::string(reinterpret_cast<const char*>(raw.data()), 12);
}

std::string flags_hex(unsigned char paused, char want, unsigned char term, unsigned char state) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x %02x %02x %02x", paused,
                static_cast<unsigned char>(want), term, state);
  return buf;
}

std::string status_record::flags_hex() const {
  return test::flags_hex(paused, static_cast<char>(want), term, state);
}

std::string supervise_path(const std::string& svdir, std::string_view file) {
  return svdir + "/supervise/" + std::string(file);
}

std::optional<status_record> read_status(const std::string& svdir) {
  auto bytes = read_file(supervise_path(svdir, "status"));
  if (!bytes || bytes->size() != 20) return std::nullopt;
  status_record s;
  for (std::size_t i = 0; i < 20; ++i) s.raw[i] = static_cast<unsigned char>((*bytes)[i]);
  for (int i = 0; i < 8; ++i) s.tai_seconds = (s.tai_seconds << 8) | s.raw[i];
  for (int i = 8; i < 12; ++i) s.nano = (s.nano << 8) | s.raw[i];
  s.pid = std::uint32_t(s.raw[12]) | std::uint32_t(s.raw[13]) << 8 | std::uint32_t(s.raw[14]) << 16 |
          std::uint32_t(s.raw[15]) << 24;
  s.paused = s.raw[16];
  s.want = s.raw[17];
  s.term = s.raw[18];
  s.state = s.raw[19];
  return s;
}

std::string read_stat(const std::string& svdir) {
  return read_file(supervise_path(svdir, "stat")).value_or("");
}

std::optional<std::string> read_pid_file(const std::string& svdir) {
  return read_file(supervise_path(svdir, "pid"));
}

std::string describe_state(const std::string& svdir) {
  std::string out = "stat=\"" + read_stat(svdir) + "\" pid=\"" + read_pid_file(svdir).value_or("<missing>") +
                    "\" status=";
  auto st = read_status(svdir);
  out += st ? "[" + st->flags_hex() + "] pid " + std::to_string(st->pid) : std::string("<bad>");
  return out;
}

bool runsv_listening(const std::string& svdir) {
  int fd = ::open(supervise_path(svdir, "ok").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

void send_control(const std::string& svdir, std::string_view bytes) {
  int fd = ::open(supervise_path(svdir, "control").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) FAIL("cannot open " << svdir << "/supervise/control: " << std::strerror(errno));
  ssize_t n;
  do n = ::write(fd, bytes.data(), bytes.size());
  while (n < 0 && errno == EINTR);
  int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(bytes.size()))
    FAIL("short write to " << svdir << "/supervise/control: " << std::strerror(saved));
}

void wait_stat(const std::string& svdir, std::string_view stat, std::chrono::milliseconds timeout) {
  wait_until([&] { return read_stat(svdir) == stat; }, "stat \"" + std::string(stat) + "\"", timeout,
             [&] { return describe_state(svdir); });
}

status_record wait_state(const std::string& svdir, std::string_view stat, std::string_view flags,
                         std::chrono::milliseconds timeout) {
  std::optional<status_record> st;
  wait_until(
      [&] {
        st = read_status(svdir);
        return st && st->flags_hex() == flags && read_stat(svdir) == stat;
      },
      "stat \"" + std::string(stat) + "\" with status flags [" + std::string(flags) + "]", timeout,
      [&] { return describe_state(svdir); });
  return *st;
}

status_record wait_running_other_than(const std::string& svdir, std::uint32_t old_pid,
                                      std::chrono::milliseconds timeout) {
  std::optional<status_record> st;
  wait_until(
      [&] {
        st = read_status(svdir);
        return st && st->state == 1 && st->pid != 0 && st->pid != old_pid;
      },
      "a running child other than pid " + std::to_string(old_pid), timeout,
      [&] { return describe_state(svdir); });
  return *st;
}

char proc_state(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return 0;
  // "PID (COMM) S ...": COMM may contain spaces, so look after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return 0;
  return (*text)[close + 2];
}

namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

runsv_instance::options fill(const std::string& svdir, runsv_instance::options o) {
  if (o.binary.empty()) o.binary = runsv_under_test();
  if (o.cwd.empty()) o.cwd = parent_of(svdir);
  if (o.arg.empty()) o.arg = base_of(svdir);
  return o;
}

process start_runsv(const runsv_instance::options& o) {
  spawn_options sp;
  sp.cwd = o.cwd;
  sp.new_session = true;
  if (o.close_std_fds) return process({"/bin/sh", "-c", "exec \"$0\" \"$1\" <&- >&- 2>&-", o.binary, o.arg}, sp);
  return process({o.binary, o.arg}, sp);
}

void kill_pid_file(const std::string& path) noexcept {
  try {
    auto text = read_file(path);
    if (!text || text->empty()) return;
    long pid = std::strtol(text->c_str(), nullptr, 10);
    if (pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
  } catch (...) {
  }
}

}  // namespace

runsv_instance::runsv_instance(std::string svdir) : runsv_instance(std::move(svdir), options{}) {}

runsv_instance::runsv_instance(std::string svdir, options opts)
    : svdir_(std::move(svdir)), proc_(start_runsv(fill(svdir_, std::move(opts)))) {}

runsv_instance::~runsv_instance() { stop(); }

void runsv_instance::wait_ready(std::chrono::milliseconds timeout) {
  wait_until(
      [&] { return runsv_listening(svdir_) || proc_.poll_exit(); }, "runsv to open supervise/ok", timeout,
      [&] { return "runsv stderr: " + proc_.err(); });
  if (proc_.poll_exit())
    FAIL("runsv exited early (" << proc_.status()->describe() << "), stderr: " << proc_.err());
}

void runsv_instance::stop(std::chrono::milliseconds grace) noexcept {
  pid_t pgid = proc_.pid();
  if (pgid <= 0) return;
  try {
    if (!proc_.poll_exit()) {
      proc_.signal(SIGTERM);
      if (!proc_.wait_exit(grace)) {
        // runsv did not finish; its current children are named in the pid files.
        proc_.signal(SIGKILL);
        proc_.wait_exit(grace);
        kill_pid_file(supervise_path(svdir_, "pid"));
        kill_pid_file(svdir_ + "/log/supervise/pid");
      }
    }
  } catch (...) {
  }
  // Whatever else runsv started (finish scripts, a run script's background
  // sleep) is in its process group: runsv led its own session.
  ::kill(-pgid, SIGKILL);
}

namespace sh {

std::string signal_recorder(bool exit_on_cont_after_term, std::string_view prefix) {
  std::string s(prefix);
  s += "for s in HUP ALRM INT QUIT USR1 USR2; do trap \"echo $s >> signals\" $s; done\n"
       "t=\n"
       // One command records TERM and sets t (%.0s prints none of its
       // argument). runsv stops a service with TERM then CONT, and Debian's
       // runsv writes its status files between the two kills, so under load
       // CONT often arrives while the shell runs the TERM trap; dash runs a
       // pending trap as soon as the current command ends, even inside
       // another trap: with "echo TERM >> signals; t=1" the CONT trap could
       // run between the two, see no TERM and not exit, and `sv down` left
       // the service running ("run, got TERM, want down") for good.
       "trap 'printf \"TERM\\n%.0s\" \"${t:=1}\" >> signals' TERM\n";
  if (exit_on_cont_after_term)
    s += "trap 'echo CONT >> signals; [ -n \"$t\" ] && exit 0' CONT\n";
  else
    s += "trap 'echo CONT >> signals' CONT\n";
  // The sleep is what the shell waits on; a trapped signal interrupts wait.
  s += "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
       "sp=$!\n"
       "trap 'kill $sp 2>/dev/null' EXIT\n"
       "echo $$ >> starts\n"
       "while kill -0 $sp 2>/dev/null; do wait $sp; done\n";
  return s;
}

}  // namespace sh

}  // namespace test
