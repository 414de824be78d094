#include "utmpset.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <paths.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmp.h>

#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"
#include "supervise/getopt.hpp"

namespace utmpset {

namespace {

constexpr const char* prog = "utmpset";
constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $\n";

// 2.3.0's comparison: the terminating NUL must match when it fits.
bool same_line(const utmp& u, const std::string& line) {
  std::size_t n = line.size() + 1 < sizeof u.ut_line ? line.size() + 1 : sizeof u.ut_line;
  return std::strncmp(u.ut_line, line.c_str(), n) == 0;
}

bool logout_utmp(int fd, const std::string& line) {
  utmp u;
  for (;;) {
    ssize_t n = ::read(fd, &u, sizeof u);
    if (n != static_cast<ssize_t>(sizeof u)) return false;
    if (!u.ut_user[0] || !same_line(u, line)) continue;
    std::memset(u.ut_user, 0, sizeof u.ut_user);
    std::memset(u.ut_host, 0, sizeof u.ut_host);
    timeval tv;
    ::gettimeofday(&tv, nullptr);
    u.ut_tv.tv_sec = static_cast<decltype(u.ut_tv.tv_sec)>(tv.tv_sec);
    u.ut_tv.tv_usec = static_cast<decltype(u.ut_tv.tv_usec)>(tv.tv_usec);
    u.ut_type = DEAD_PROCESS;
    if (::lseek(fd, -static_cast<off_t>(sizeof u), SEEK_CUR) == -1) return false;
    return ::write(fd, &u, sizeof u) == static_cast<ssize_t>(sizeof u);
  }
}

// Appends a logout record; 0 or the errno of what failed (the file is cut
// back to its old size after a short write).
int append_wtmp(int fd, const std::string& line) {
  struct stat st;
  if (::fstat(fd, &st) == -1) return errno;
  utmp u;
  std::memset(&u, 0, sizeof u);
  std::size_t n = line.size() < sizeof u.ut_line ? line.size() : sizeof u.ut_line - 2;
  std::memcpy(u.ut_line, line.data(), n);
  timeval tv;
  if (::gettimeofday(&tv, nullptr) == -1) return errno;
  u.ut_tv.tv_sec = static_cast<decltype(u.ut_tv.tv_sec)>(tv.tv_sec);
  u.ut_type = DEAD_PROCESS;
  ssize_t w = ::write(fd, &u, sizeof u);
  if (w == static_cast<ssize_t>(sizeof u)) return 0;
  int err = w == -1 ? errno : EIO;
  (void)!::ftruncate(fd, st.st_size);
  return err;
}

}  // namespace

int logout(const std::string& line, const char* utmp_path, const char* wtmp_path) {
  if (line.size() > sizeof(utmp::ut_line))
    throw supervise::fatal_error{exit_fail, "unable to logout line " + line + " in utmp: name too long", 0};
  supervise::fd u = supervise::open_fd(utmp_path, O_RDWR | O_CLOEXEC);
  if (!u) throw supervise::fatal_error{exit_fail, std::string("unable to open ") + utmp_path, errno};
  if (::flock(u.get(), LOCK_EX) == -1)
    throw supervise::fatal_error{exit_fail, std::string("unable to lock: ") + utmp_path, errno};
  if (!logout_utmp(u.get(), line)) {
    supervise::warn(prog, "unable to logout line " + line + " in utmp: no such entry");
    return exit_fail;
  }
  u.close();
  if (!wtmp_path) return exit_ok;
  supervise::fd w = supervise::open_fd(wtmp_path, O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (!w) throw supervise::fatal_error{exit_fail, std::string("unable to open ") + wtmp_path, errno};
  if (::flock(w.get(), LOCK_EX) == -1)
    throw supervise::fatal_error{exit_fail, std::string("unable to lock ") + wtmp_path, errno};
  if (int err = append_wtmp(w.get(), line)) {
    supervise::warn(prog, "unable to logout line " + line + " in wtmp", err);
    return exit_fail;
  }
  return exit_ok;
}

int main(int argc, char** argv) {
  return supervise::run_main(prog, [&] {
    const char* argv0 = argc > 0 && argv[0] ? argv[0] : prog;
    auto usage = [&] { return supervise::usage(argv0, "[-w] line", exit_usage); };
    bool wtmp = false;
    supervise::getopt g(argc, argv, "wV", std::string(supervise::basename_of(argv0)));
    for (int c; (c = g.next()) != supervise::getopt::done;) {
      switch (c) {
        case 'w': wtmp = true; break;
        case 'V':
          supervise::write_stderr(version_id);
          return usage();
        default: return usage();
      }
    }
    if (g.index() >= argc) return usage();
    return logout(argv[g.index()], _PATH_UTMP, wtmp ? _PATH_WTMP : nullptr);
  }, exit_fail);
}

}  // namespace utmpset
