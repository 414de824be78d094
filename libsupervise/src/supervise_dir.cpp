#include "supervise/supervise_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/fatal.hpp"

namespace supervise {

dir_error make_supervise_dir(const char* name) {
  if (::mkdir(name, 0700) == 0) return {};
  // runit reads at most 256 bytes; a full buffer means the target may have
  // been cut, so it refuses rather than creating a wrong directory.
  char target[257];
  ssize_t n = ::readlink(name, target, 256);
  if (n == -1) {
    if (errno == ENOENT || errno == EINVAL) return {};
    int err = errno;
    static thread_local std::string what;
    what = fmt::format("unable to readlink ./{}", name);
    return {what.c_str(), err};
  }
  if (n == 256) {
    static thread_local std::string what;
    what = fmt::format("unable to readlink ./{}", name);
    return {what.c_str(), -1};
  }
  target[n] = '\0';
  // Only one level is created and an existing target is fine: runit ignores
  // this result and lets the later open of the lock report any real problem.
  (void)::mkdir(target, 0700);
  return {};
}

fd take_lock(const std::string& dir, bool wait, const char** failed) {
  const std::string path = dir + "/lock";
  fd lock = open_fd(path.c_str(),
                    O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (!lock) {
    if (failed) *failed = "open";
    return lock;
  }
  const int op = LOCK_EX | (wait ? 0 : LOCK_NB);
  int rc;
  do rc = ::flock(lock.get(), op);
  while (rc == -1 && errno == EINTR);
  if (rc == -1) {
    int err = errno;
    lock.close();
    errno = err;
    if (failed) *failed = "lock";
    return fd{};
  }
  return lock;
}

control_fifo open_control(const std::string& dir, const char** failed) {
  const std::string path = dir + "/control";
  // An existing FIFO is kept with its mode; the stat below catches the rest.
  (void)::mkfifo(path.c_str(), 0600);
  struct stat st{};
  if (::stat(path.c_str(), &st) == -1) {
    if (failed) *failed = "stat";
    return {};
  }
  if (!S_ISFIFO(st.st_mode)) {
    if (failed) *failed = "fifo";
    errno = EINVAL;
    return {};
  }
  control_fifo fifo;
  fifo.reader = open_fd(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (!fifo.reader) {
    if (failed) *failed = "open";
    return {};
  }
  // With our own reader open this cannot fail with ENXIO; holding a writer
  // keeps the reader from ever seeing EOF when clients close.
  fifo.writer = open_fd(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (!fifo.writer) {
    int err = errno;
    fifo.reader.close();
    errno = err;
    if (failed) *failed = "open";
    return {};
  }
  return fifo;
}

fd open_ok(const std::string& dir) {
  const std::string path = dir + "/ok";
  (void)::mkfifo(path.c_str(), 0600);
  return open_fd(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

namespace {

// One of runsv's three files: NAME.new is written, then renamed over NAME.
// Only status has its write checked, as in runit; stat and pid are renamed
// whatever the write did.
void replace_one(const std::string& dir, const char* name,
                 std::string_view content, bool check_write,
                 const std::string& prefix) {
  const std::string final_name = fmt::format("{}/{}", dir, name);
  const char* failed = replace_file(final_name, content, 0644, check_write);
  if (!failed) return;
  int err = errno;
  if (failed[0] == 'r')
    warn(prefix, fmt::format("unable to rename {}.new to {}", name, final_name), err);
  else
    warn(prefix, fmt::format("unable to {} {}.new", failed, final_name), err);
}

}  // namespace

void write_status_files(const std::string& dir, const status& s,
                        bool pid_changed, const std::string& prefix) {
  if (pid_changed) {
    const std::string pid = s.pid ? fmt::format("{}\n", s.pid) : std::string{};
    replace_one(dir, "pid", pid, false, prefix);
  }
  replace_one(dir, "stat", stat_text(s), false, prefix);
  const auto bytes = encode(s);
  replace_one(dir, "status",
               std::string_view{reinterpret_cast<const char*>(bytes.data()), bytes.size()},
               true, prefix);
}

}  // namespace supervise
