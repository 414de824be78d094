#include "service_check.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/errstr.hpp"

namespace runsvdir {

namespace {

void keep_newer(timespec& newest, const timespec& t) {
  if (t.tv_sec > newest.tv_sec || (t.tv_sec == newest.tv_sec && t.tv_nsec > newest.tv_nsec)) newest = t;
}

// A read lease is refused (EAGAIN) while any process has the file open for
// writing. It is given back at once: held, it would make the next writer's
// open wait for us (and send us SIGIO, which runsvdir catches).
bool open_for_writing(int dirfd, const std::string& path) {
  int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd == -1) return false;
  bool busy = false;
  if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) ::fcntl(fd, F_SETLEASE, F_UNLCK);
  else busy = errno == EAGAIN;
  ::close(fd);
  return busy;
}

// Why the run file at `path` cannot be started yet, "" if it can.
std::string run_file_problem(int dirfd, const std::string& path, check_result& r) {
  struct stat st;
  if (::fstatat(dirfd, path.c_str(), &st, 0) == -1) return supervise::errstr(errno);
  keep_newer(r.newest, st.st_ctim);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (::faccessat(dirfd, path.c_str(), X_OK, AT_EACCESS) == -1) return "not executable";
  if (open_for_writing(dirfd, path)) {
    r.being_written = true;
    return "open for writing";
  }
  if (st.st_size == 0) return "empty";
  return {};
}

bool run_file_ready(int dirfd, const std::string& path, const char* what, check_result& r) {
  std::string why = run_file_problem(dirfd, path, r);
  if (why.empty()) return true;
  r.what = what;
  r.why = std::move(why);
  return false;
}

}  // namespace

check_result check_service(int dirfd, const std::string& name) {
  check_result r;
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, 0) == 0) keep_newer(r.newest, st.st_mtim);
  if (!run_file_ready(dirfd, name + "/run", "run", r)) return r;
  // runsv starts a log service when ./log is a directory: it must be
  // complete too, or runsv would start the service without its logger.
  if (::fstatat(dirfd, (name + "/log").c_str(), &st, 0) == 0 && S_ISDIR(st.st_mode)) {
    keep_newer(r.newest, st.st_mtim);
    if (!run_file_ready(dirfd, name + "/log/run", "log/run", r)) return r;
  }
  r.complete = true;
  return r;
}

bool older_than(const timespec& t, long settle_ms) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  long long diff_ms =
      (static_cast<long long>(now.tv_sec) - t.tv_sec) * 1000 + (now.tv_nsec - t.tv_nsec) / 1000000;
  return diff_ms < 0 || diff_ms >= settle_ms;
}

}  // namespace runsvdir
