#include "logdir.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <vector>

#include "options.hpp"
#include "supervise/fatal.hpp"
#include "supervise/tai64.hpp"

namespace svlogd {

namespace {

constexpr const char* prog = "svlogd";
constexpr unsigned pause_seconds = 3;
constexpr std::size_t rotated_name_len = 27;  // "@" + 24 hex + "." + suffix

}  // namespace

double wall_now() {
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

namespace {

bool is_rotated_name(const char* name) {
  return name[0] == '@' && std::strlen(name) == rotated_name_len;
}

// The entries of `dirfd` named like rotated logs; false with errno when the
// directory could not be read (what was read so far is kept).
bool list_rotated(int dirfd, std::vector<std::string>& names, int& err) {
  // fdopendir takes the descriptor over: a close-on-exec copy.
  int copy = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  DIR* d = copy >= 0 ? ::fdopendir(copy) : nullptr;
  if (!d) {
    err = errno;
    if (copy >= 0) ::close(copy);
    return false;
  }
  ::rewinddir(d);
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (!e) break;
    if (is_rotated_name(e->d_name)) names.emplace_back(e->d_name);
  }
  err = errno;
  ::closedir(d);
  return true;
}

}  // namespace

void logdir::info(const std::string& msg) const {
  if (set_.verbose) supervise::write_stderr(std::string("svlogd: info: ") + msg + "\n");
}

// runit's "pausing" step: say why, sleep three seconds, let the caller retry.
void logdir::pause(const char* what, int err) {
  supervise::write_stderr(supervise::diagnostic(prog, "pausing", std::string(what) + ": " + name_, err));
  ::sleep(pause_seconds);
}

bool logdir::open(int original_dir) {
  dir_ = supervise::open_fd(name_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (!dir_) {
    supervise::warn(prog, "unable to open log directory: " + name_, errno);
    return false;
  }
  if (::fchdir(dir_.get()) == -1) {
    supervise::warn(prog, "unable to change directory: " + name_, errno);
    dir_.close();
    return false;
  }
  struct back_home {
    int fd;
    ~back_home() {
      while (::fchdir(fd) == -1) {
        supervise::write_stderr(
            supervise::diagnostic(prog, "pausing", "unable to change to initial working directory", errno));
        ::sleep(pause_seconds);
      }
    }
  } home{original_dir};

  int fd = ::open("lock", O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd == -1 || ::flock(fd, LOCK_EX | LOCK_NB) == -1) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    supervise::warn(prog, "unable to lock directory: " + name_, err);
    dir_.close();
    return false;
  }
  lock_ = supervise::fd(fd);
  cfg_ = config{};
  log_selected = true;
  processor_ = 0;
  read_config();

  struct stat st;
  bool reused = false;
  size_ = 0;
  if (::stat("current", &st) == -1) {
    if (errno != ENOENT) {
      supervise::warn(prog, "unable to stat current: " + name_, errno);
      lock_.close();
      dir_.close();
      return false;
    }
  } else if (st.st_size > 0 && !(st.st_mode & S_IXUSR)) {
    // Not closed cleanly: keep it as unprocessed, never processed later.
    std::string u = new_name('u');
    while (::rename("current", u.c_str()) == -1) pause("unable to rename current", errno);
    prune();
  } else {
    reused = true;
    size_ = static_cast<unsigned long>(st.st_size);
  }
  open_current();
  info((reused ? "append: " : "new: ") + name_ + "/current");
  return true;
}

void logdir::read_config() {
  int fd = ::open("config", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  std::string text;
  if (fd == -1) {
    if (errno != ENOENT) supervise::warn(prog, "unable to read config: " + name_, errno);
  } else {
    info("read: " + name_ + "/config");
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        text.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == -1 && errno == EINTR) continue;
      // runit parses a stale buffer after a read error; an empty config is saner.
      if (n == -1) {
        supervise::warn(prog, "unable to read config: " + name_, errno);
        text.clear();
      }
      break;
    }
    ::close(fd);
  }
  std::vector<std::string> warnings;
  parse_config(text, cfg_, warnings);
  for (const auto& w : warnings) supervise::warn(prog, w);
  deadline_ = cfg_.timeout ? wall_now() + static_cast<double>(cfg_.timeout) : 0;
}

void logdir::open_current() {
  int fd;
  while ((fd = ::openat(dir_.get(), "current", O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC,
                        0600)) == -1)
    pause("unable to open current", errno);
  current_ = supervise::fd(fd);
  unsynced_ = 0;
  while (::fchmod(current_.get(), 0644) == -1) pause("unable to set mode of current", errno);
}

std::string logdir::new_name(char suffix) {
  for (;;) {
    timeval tv;
    ::gettimeofday(&tv, nullptr);
    std::string name = supervise::tai64n::from_timeval(tv).label() + "." + suffix;
    struct stat st;
    if (::fstatat(dir_.get(), name.c_str(), &st, 0) == -1 && errno == ENOENT) {
      last_name_ = name;
      return name;
    }
  }
}

void logdir::close() {
  if (!dir_) return;
  info("close: " + name_);
  flush();
  while (::fsync(current_.get()) == -1 && errno != EINVAL) pause("unable to fsync current logfile", errno);
  while (::fchmod(current_.get(), 0744) == -1) pause("unable to set mode of current", errno);
  current_.close();
  dir_.close();
  lock_.close();
  cfg_.processor.clear();
  // A running processor is forgotten, as runit does: its exit is ignored.
  processor_ = 0;
}

// The disk is full: remove the oldest rotated log (any suffix) while more
// than N remain. True when one was removed and the write can be retried.
bool logdir::delete_for_space() {
  std::vector<std::string> names;
  int err = 0;
  if (!list_rotated(dir_.get(), names, err)) {
    pause("unable to open directory, want remove old logfile", err);
    return false;
  }
  if (err) supervise::warn(prog, "unable to read directory, want remove old logfile: " + name_, err);
  if (names.size() <= cfg_.min) return false;
  const std::string* oldest = &names[0];
  for (const auto& n : names)
    if (n < *oldest) oldest = &n;
  supervise::warn(prog, "out of disk space, delete: " + name_ + "/" + *oldest);
  if (::unlinkat(dir_.get(), oldest->c_str(), 0) == 0) return true;
  supervise::warn(prog, "unable to unlink oldest logfile: " + name_, errno);
  return false;
}

void logdir::prune() {
  std::vector<std::string> names;
  int err = 0;
  while (!list_rotated(dir_.get(), names, err)) pause("unable to open directory, want rotate", err);
  if (err) supervise::warn(prog, "unable to read directory: " + name_, err);
  const bool protect = !last_name_.empty() && last_name_.back() == 'u';
  std::size_t count = 0;
  const std::string* oldest = nullptr;
  for (const auto& n : names) {
    if (n.back() == 't') {
      if (::unlinkat(dir_.get(), n.c_str(), 0) == -1)
        supervise::warn(prog, "unable to unlink processor leftover: " + n, errno);
      continue;
    }
    ++count;
    if (protect && n == last_name_) continue;  // 2.3.0: the .u awaiting its processor
    if (!oldest || n < *oldest) oldest = &n;
  }
  if (!cfg_.num || count <= cfg_.num || !oldest) return;
  info("delete: " + name_ + "/" + *oldest);
  if (::unlinkat(dir_.get(), oldest->c_str(), 0) == -1)
    supervise::warn(prog, "unable to unlink oldest logfile: " + name_, errno);
}

void logdir::rotate() {
  if (!dir_) {
    deadline_ = 0;
    return;
  }
  wait_processor();
  std::string name = new_name(cfg_.processor.empty() ? 's' : 'u');
  double now = wall_now();
  if (cfg_.timeout && now >= deadline_) deadline_ = now + static_cast<double>(cfg_.timeout);
  if (size_ == 0) return;
  flush();
  while (::fsync(current_.get()) == -1 && errno != EINVAL) pause("unable to fsync current logfile", errno);
  while (::fchmod(current_.get(), 0744) == -1) pause("unable to set mode of current", errno);
  current_.close();
  info("rename: " + name_ + "/current " + name + " " + std::to_string(size_));
  while (::renameat(dir_.get(), "current", dir_.get(), name.c_str()) == -1)
    pause("unable to rename current", errno);
  int fd;
  while ((fd = ::openat(dir_.get(), "current", O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC,
                        0600)) == -1)
    pause("unable to create new current", errno);
  current_ = supervise::fd(fd);
  size_ = 0;
  unsynced_ = 0;
  while (::fchmod(current_.get(), 0644) == -1) pause("unable to set mode of current", errno);
  prune();
  if (!cfg_.processor.empty()) {
    processing_ = name.substr(0, name.size() - 2);
    start_processor();
  }
}

double logdir::rotate_if_due(double now) {
  if (!dir_ || !cfg_.timeout) return 0;
  if (now >= deadline_) rotate();
  return deadline_;
}

}  // namespace svlogd
