// runsv's start-up: the supervise directories, their locks, FIFOs and first
// status files, and the log pipe (spec/runsv.md §2).

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/fatal.hpp"
#include "supervise/supervise_dir.hpp"
#include "supervisor.hpp"

namespace runsv {

using supervise::fatal_error;
using supervise::want;

namespace {

[[noreturn]] void die(const char* msg, int err) { throw fatal_error{exit_fatal, msg, err}; }

bool exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0;
}

void make_supervise_dir(const char* shown) {
  if (auto e = supervise::make_supervise_dir("supervise")) {
    std::string msg = std::string("unable to readlink ") + shown;
    if (e.err == -1) die((msg + ": name too long").c_str(), 0);
    die(msg.c_str(), e.err);
  }
}

supervise::fd lock(const std::string& dir, bool wait) {
  const char* failed = nullptr;
  supervise::fd fd = supervise::take_lock(dir, wait, &failed);
  if (!fd)
    die(((failed == std::string_view("open") ? "unable to open " : "unable to lock ") + dir + "/lock").c_str(),
        errno);
  return fd;
}

}  // namespace

// The directory holding the service and its name there, for dependencies.d:
// runsvdir starts runsv in DIR with the service's name.
void supervisor::locate() {
  std::string dir = dir_;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const auto slash = dir.rfind('/');
  self_ = slash == std::string::npos ? dir : dir.substr(slash + 1);
  std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
  if (parent[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return;  // dependencies then found relative to nothing
    parent = parent == "." ? std::string(cwd) : std::string(cwd) + "/" + parent;
  }
  scan_dir_ = parent;
}

void supervisor::setup() {
  locate();
  if (::chdir(dir_.c_str()) == -1) die("unable to change to directory", errno);
  auto now = supervise::tai64n::now();
  bool has_log = find_log_dir();
  core_.emplace(has_log, exists("down") ? want::down : want::up,
                has_log && exists("log/down") ? want::down : want::up, now);
  make_dirs();
  // Beyond runit: the ends of ./run recorded by an earlier runsv are not
  // this one's, nor what it waited for.
  ::unlink("supervise/crashes");
  ::unlink("supervise/waiting");
  open_fifos(main_);
  dispatch(core_->begin(which::main));
  if (has_log) {
    open_fifos(log_);
    dispatch(core_->begin(which::log));
  }
  for (slot* s : {&main_, &log_}) {
    if (s == &log_ && !has_log) break;
    s->ok = supervise::open_ok(s->dir);
    if (!s->ok) die(("unable to read " + s->dir + "/ok").c_str(), errno);
  }
}

// S/log, when it is a directory, is the log service: its ./run reads what
// the main service writes, through a pipe runsv holds.
bool supervisor::find_log_dir() {
  struct stat st;
  if (::stat("log", &st) == -1) {
    if (errno != ENOENT) supervise::warn(prefix_, "unable to stat() ./log: ", errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    supervise::warn(prefix_, "./log: not a directory.");
    return false;
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) == -1) die("unable to create log pipe", errno);
  logpipe_read_ = supervise::fd(ends[0]);
  logpipe_write_ = supervise::fd(ends[1]);
  return true;
}

void supervisor::make_dirs() {
  make_supervise_dir("./supervise");
  main_.lock = lock("supervise", false);
  if (!core_->has_log()) return;
  supervise::fd here = supervise::open_fd(".", O_RDONLY | O_CLOEXEC);
  if (!here) die("unable to open current directory", errno);
  if (::chdir("./log") == -1) die("unable to change directory to ./log", errno);
  make_supervise_dir("./log/supervise");
  if (::fchdir(here.get()) == -1) die("unable to change back to service directory", errno);
  log_.lock = lock("log/supervise", true);
}

void supervisor::open_fifos(slot& s) {
  const char* failed = nullptr;
  supervise::control_fifo fifo = supervise::open_control(s.dir, &failed);
  if (!fifo.reader) {
    std::string path = s.dir + "/control";
    std::string_view f = failed ? failed : "open";
    if (f == "stat") die(("unable to stat " + path).c_str(), errno);
    if (f == "fifo") die((path + " exists but is not a fifo").c_str(), 0);
    die(("unable to open " + path).c_str(), errno);
  }
  s.control_writer = std::move(fifo.writer);
  s.control = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fifo.reader.release());
  s.throttle = std::make_unique<boost::asio::steady_timer>(io_);
}

}  // namespace runsv
