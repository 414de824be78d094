#include "runsvdir.hpp"

#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>

#include "proctitle.hpp"
#include "supervise/container.hpp"
#include "supervise/fatal.hpp"
#include "supervise/inotify.hpp"
#include "supervise/spawn.hpp"

namespace runsvdir {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Without inotify runit's 5 s poll is all there is; with it, a full rescan
// only has to catch what no event reports (a symlinked service directory
// replaced behind its link, a lost event queue), so once a minute is enough.
constexpr auto poll_interval = 5s;
constexpr auto rescan_interval = 60s;
constexpr auto log_tick_interval = 900s;
constexpr int max_link_hops = 16;
// runit's pause before it tries again to return to its original directory.
constexpr auto pause_interval = 5s;
// A container runtime kills everything 10 s after its TERM.
constexpr auto halt_budget = 8s;
constexpr auto halt_term_grace = 1s;

constexpr std::uint32_t dir_events = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t link_events = IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW;

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

scanner::scanner(options o)
    : opt_(std::move(o)),
      prefix_("runsvdir " + opt_.dir),
      signals_(io_, SIGCHLD, SIGTERM, SIGHUP),
      periodic_(io_),
      check_timer_(io_),
      tick_timer_(io_),
      pause_timer_(io_) {}

int scanner::run() {
  signals_.add(SIGALRM);
  // A container's PID 1: a code left by an earlier run (docker stop, then
  // start, keeps /run) must not decide this one's.
  if (supervise::in_container()) ::unlink(supervise::exit_code_file);
  if (opt_.log) setup_log();
  original_dir_ = supervise::open_fd(".", O_RDONLY | O_CLOEXEC);
  if (!original_dir_)
    throw supervise::fatal_error{exit_fatal, "unable to open current directory", errno};
  arm_signals();
  int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0) {
    inotify_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    watching_ = watch_dir();
    arm_inotify();
  }
  scan_now();
  // runit writes its first dot after the first scan's messages.
  if (log_pipe_) log_tick();
  arm_periodic();
  if (exit_code_ < 0) io_.run();
  return exit_code_;
}

void scanner::setup_log() {
  if (opt_.log_len < proctitle_min_len) {
    supervise::warn(prefix_, "log must have at least seven characters.");
    supervise::warn(prefix_, "log service disabled.");
    return;
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC | O_NONBLOCK) == -1) {
    supervise::warn(prefix_, "unable to create pipe for log.");
    supervise::warn(prefix_, "log service disabled.");
    return;
  }
  // fd 2 becomes the pipe, without close-on-exec: every runsv and every
  // service that keeps stderr writes into the title too.
  if (::dup2(ends[1], 2) == -1) {
    ::close(ends[0]);
    ::close(ends[1]);
    supervise::warn(prefix_, "unable to set filedescriptor for log.");
    supervise::warn(prefix_, "log service disabled.");
    return;
  }
  ::close(ends[1]);
  log_pipe_ = std::make_unique<asio::posix::stream_descriptor>(io_, ends[0]);
  arm_log_pipe();
}

void scanner::log_tick() {
  supervise::write_stderr(".");
  tick_timer_.expires_after(log_tick_interval);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) log_tick();
  });
}

void scanner::arm_log_pipe() {
  log_pipe_->async_wait(asio::posix::descriptor_base::wait_read,
                        [this](const boost::system::error_code& ec) {
                          if (ec) return;
                          char buf[1024];
                          ssize_t n;
                          while ((n = ::read(log_pipe_->native_handle(), buf, sizeof buf)) > 0)
                            proctitle_append({opt_.log, opt_.log_len},
                                             {buf, static_cast<std::size_t>(n)});
                          arm_log_pipe();
                        });
}

void scanner::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    on_signal(sig);
    if (exit_code_ < 0) arm_signals();
  });
}

void scanner::on_signal(int sig) {
  switch (sig) {
    case SIGCHLD: reap(); return;
    case SIGALRM: scan_now(); return;  // Debian's forced rescan
    case SIGTERM:
      if (supervise::in_container()) {
        halt();
        return;
      }
      exit_code_ = exit_term;  // the runsv processes keep running
      break;
    case SIGHUP:
      for (auto& e : services_)
        if (e.pid) ::kill(e.pid, SIGTERM);
      exit_code_ = exit_hup;
      break;
  }
  io_.stop();
}

void scanner::reap() {
  int ws;
  pid_t pid;
  while ((pid = ::waitpid(-1, &ws, WNOHANG)) > 0 || (pid == -1 && errno == EINTR)) {
    if (pid <= 0) continue;
    if (halting_) continue;
    for (auto& e : services_) {
      if (e.pid != pid) continue;
      e.pid = 0;
      // runit restarts a runsv that exited at its next scan, a second on.
      schedule_check(1);
    }
  }
  if (halting_ && pid == -1 && errno == ECHILD) {
    exit_code_ = supervise::read_exit_code().value_or(exit_term);
    io_.stop();
  }
}

// Beyond runit, as a container's PID 1: TERM stops the whole tree in order.
// Each runsv stops its service (TERM, finish, the logger drains) and exits;
// runsvdir reaps everything and exits when nothing is left. Whatever is
// still there after the budget gets TERM, then KILL.
void scanner::halt() {
  if (halting_) return;
  halting_ = true;
  // 0 unless a finish script says otherwise; an essential service that goes
  // down now must not override it.
  if (!supervise::read_exit_code()) supervise::write_exit_code(0);
  periodic_.cancel();
  check_timer_.cancel();
  for (auto& e : services_)
    if (e.pid) ::kill(e.pid, SIGTERM);
  check_timer_.expires_after(halt_budget);
  check_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    ::kill(-1, SIGTERM);
    check_timer_.expires_after(halt_term_grace);
    check_timer_.async_wait([this](const boost::system::error_code& ec2) {
      if (!ec2) ::kill(-1, SIGKILL);
    });
  });
  reap();
}

void scanner::schedule_check(int seconds) {
  check_ = true;
  if (check_armed_) return;
  check_armed_ = true;
  check_timer_.expires_after(std::chrono::seconds(seconds));
  check_timer_.async_wait([this](const boost::system::error_code& ec) {
    check_armed_ = false;
    if (!ec) scan_now();
  });
}

// While DIR is watched a rescan is a safety net; while it is not (no
// inotify, or DIR missing) this is runit's 5 s poll, retrying the watch.
void scanner::arm_periodic() {
  periodic_.expires_after(watching_ ? rescan_interval : poll_interval);
  periodic_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (inotify_ && !watching_) {
      watching_ = watch_dir();
      if (watching_) check_ = true;
    }
    if (watching_) scan_now();
    else scan_if_changed();
    arm_periodic();
  });
}

void scanner::request_scan() {
  if (scan_posted_) return;
  scan_posted_ = true;
  asio::post(io_, [this] {
    scan_posted_ = false;
    scan_now();
  });
}

// runit's rule where nothing is watched: rescan when DIR's mtime, inode or
// device changed, and not within the second of its mtime (a change later in
// that same second would be missed), which runit sleeps through.
void scanner::scan_if_changed() {
  struct stat st;
  if (::stat(opt_.dir.c_str(), &st) == -1) {
    supervise::warn(prefix_, "unable to stat " + opt_.dir, errno);
    return;
  }
  bool changed = st.st_mtim.tv_sec != last_mtime_.tv_sec || st.st_mtim.tv_nsec != last_mtime_.tv_nsec ||
                 st.st_ino != last_ino_ || st.st_dev != last_dev_;
  if (!check_ && !changed) return;
  if (::time(nullptr) <= st.st_mtim.tv_sec) {
    schedule_check(1);
    return;
  }
  scan_now();
}

void scanner::scan_now() {
  if (halting_) return;
  if (pausing_) {
    check_ = true;  // scanned once runsvdir is back in its directory
    return;
  }
  struct stat st;
  if (::stat(opt_.dir.c_str(), &st) == -1) {
    supervise::warn(prefix_, "unable to stat " + opt_.dir, errno);
    return;
  }
  if (::chdir(opt_.dir.c_str()) == -1) {
    supervise::warn(prefix_, "unable to change directory to " + opt_.dir, errno);
    return;
  }
  last_mtime_ = st.st_mtim;
  last_dev_ = st.st_dev;
  last_ino_ = st.st_ino;
  check_ = false;
  scan_entries();
  return_to_original_dir();
}

// runit retries every 5 s, forever, in a sleep; a timer keeps reaping and
// obeying signals meanwhile. Scans wait: DIR may be relative.
void scanner::return_to_original_dir() {
  if (::fchdir(original_dir_.get()) == 0) {
    if (pausing_) {
      pausing_ = false;
      if (check_) request_scan();
    }
    return;
  }
  supervise::warn(prefix_, "unable to change directory, pausing", errno);
  pausing_ = true;
  pause_timer_.expires_after(pause_interval);
  pause_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) return_to_original_dir();
  });
}

void scanner::scan_entries() {
  DIR* d = ::opendir(".");
  if (!d) {
    supervise::warn(prefix_, "unable to open directory " + opt_.dir, errno);
    return;
  }
  for (auto& e : services_) e.gone = true;
  for (;;) {
    errno = 0;
    dirent* ent = ::readdir(d);
    if (!ent) break;
    if (ent->d_name[0] == '.') continue;
    struct stat st;
    if (::stat(ent->d_name, &st) == -1) {
      supervise::warn(prefix_, std::string("unable to stat ") + ent->d_name, errno);
      continue;
    }
    if (!S_ISDIR(st.st_mode)) continue;
    auto it = std::find_if(services_.begin(), services_.end(), [&](const service_entry& e) {
      return e.dev == st.st_dev && e.ino == st.st_ino;
    });
    if (it != services_.end()) {
      it->gone = false;
      if (it->pid == 0) start_runsv(*it, ent->d_name);
      continue;
    }
    if (services_.size() >= max_services) {
      supervise::warn(prefix_, std::string("unable to start runsv ") + ent->d_name +
                                   ": too many services.");
      continue;
    }
    services_.push_back({st.st_dev, st.st_ino, 0, false});
    start_runsv(services_.back(), ent->d_name);
  }
  int err = errno;
  ::closedir(d);
  if (err) {
    supervise::warn(prefix_, "unable to read directory " + opt_.dir, err);
    schedule_check(1);
    return;
  }
  confirm_gone();
  auto gone = std::remove_if(services_.begin(), services_.end(), [](const service_entry& e) {
    if (e.gone && e.pid) ::kill(e.pid, SIGTERM);
    return e.gone;
  });
  services_.erase(gone, services_.end());
}

// A readdir that runs while an entry is renamed within the directory may
// return it under neither name. Before a service is taken for removed (and
// its runsv gets TERM), the directory is listed once more: whatever is seen
// there, by device and inode, stays. Only runs when something looked gone.
void scanner::confirm_gone() {
  if (std::none_of(services_.begin(), services_.end(), [](const service_entry& e) { return e.gone; })) return;
  DIR* d = ::opendir(".");
  if (!d) return;
  while (dirent* ent = ::readdir(d)) {
    if (ent->d_name[0] == '.') continue;
    struct stat st;
    if (::stat(ent->d_name, &st) == -1 || !S_ISDIR(st.st_mode)) continue;
    for (auto& e : services_)
      if (e.gone && e.dev == st.st_dev && e.ino == st.st_ino) e.gone = false;
  }
  ::closedir(d);
}

void scanner::start_runsv(service_entry& e, const std::string& name) {
  supervise::spawn_spec spec;
  spec.argv = {"runsv", name};
  spec.search_path = true;
  spec.new_session = opt_.new_session;
  spec.exit_code = exit_exec_failed;
  spec.reset_signals = {SIGCHLD, SIGTERM, SIGHUP, SIGALRM};
  spec.prefix = prefix_;
  spec.exec_failed = "unable to start runsv " + name;
  pid_t pid = supervise::spawn(spec);
  if (pid == -1) {
    supervise::warn(prefix_, "unable to fork for " + name, errno);
    schedule_check(1);
    return;
  }
  e.pid = pid;
}

// Watches DIR and every symlink on the way to it (runsvchdir replaces
// .../current), so a switch of the service set is seen at once too.
bool scanner::watch_dir() {
  int fd = inotify_->native_handle();
  for (int wd : watches_) ::inotify_rm_watch(fd, wd);
  watches_.clear();
  std::string path = opt_.dir;
  for (int hop = 0; hop < max_link_hops; ++hop) {
    struct stat st;
    if (::lstat(path.c_str(), &st) == -1 || !S_ISLNK(st.st_mode)) break;
    int wd = ::inotify_add_watch(fd, path.c_str(), link_events);
    if (wd >= 0) watches_.push_back(wd);
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n <= 0) break;
    std::string t(target, static_cast<std::size_t>(n));
    path = t[0] == '/' ? t : parent_of(path) + "/" + t;
  }
  int wd = ::inotify_add_watch(fd, opt_.dir.c_str(), dir_events);
  if (wd < 0) return false;
  watches_.push_back(wd);
  return true;
}

void scanner::arm_inotify() {
  inotify_->async_wait(asio::posix::descriptor_base::wait_read,
                       [this](const boost::system::error_code& ec) {
                         if (ec) return;
                         bool rewatch = false;
                         supervise::drain_inotify(inotify_->native_handle(),
                                                  [&](const supervise::inotify_event_view& ev) {
                                                    if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB |
                                                                   IN_IGNORED | IN_Q_OVERFLOW))
                                                      rewatch = true;
                                                  });
                         if (rewatch) {
                           bool was = watching_;
                           watching_ = watch_dir();
                           // Back to the short poll until DIR is there again.
                           if (was && !watching_) arm_periodic();
                         }
                         request_scan();
                         arm_inotify();
                       });
}

int main(int argc, char** argv) {
  auto opt = parse_options(argc, argv);
  if (!opt) return supervise::usage(argv[0] ? argv[0] : "runsvdir", "[-P] dir", exit_usage);
  std::string prefix = "runsvdir " + opt->dir;
  return supervise::run_main(prefix, [&] {
    scanner s(std::move(*opt));
    return s.run();
  }, exit_fatal);
}

}  // namespace runsvdir
