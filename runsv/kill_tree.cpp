#include "kill_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "extensions.hpp"
#include "supervise/fatal.hpp"

namespace runsv {

namespace {

// A tree without an event for "empty" is looked at this often.
constexpr std::chrono::milliseconds poll_interval{10};
// KILL follows TERM after this long without a timeout-kill file.
constexpr long default_kill_ms = 2000;
// How long runsv's exit waits for a cgroup that is emptying.
constexpr std::chrono::milliseconds exit_grace{500};

// Errors that only say cgroup v2 is not ours to use (read-only in a
// container, no permission, no such directory in this namespace): the
// process group then, without a word.
bool usual_refusal(int err) { return err == EROFS || err == EACCES || err == EPERM || err == ENOENT; }

}  // namespace

process_tree::process_tree(boost::asio::io_context& io, std::string prefix)
    : io_(io), prefix_(std::move(prefix)), poll_timer_(io), kill_timer_(io) {}

// What sv kill's KILL reached just before runsv exits may still be dying:
// a moment for it before the cgroup is removed.
process_tree::~process_tree() {
  if (cgroup_) cgroup_->wait_empty(exit_grace);
}

void process_tree::prepare(supervise::spawn_spec& spec) {
  struct stat st;
  enabled_ = ::stat("kill-tree", &st) == 0;
  if (!enabled_) return;
  spec.new_session = true;
  if (!subreaper_) {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) subreaper_ = true;
    else supervise::warn(prefix_, "unable to become a subreaper for kill-tree", errno);
  }
  if (!cgroup_tried_) make_cgroup();
  if (cgroup_) spec.cgroup_fd = cgroup_->fd();
}

void process_tree::make_cgroup() {
  cgroup_tried_ = true;
  struct utsname un;
  if (::uname(&un) == -1 || !clone_into_cgroup_release(un.release)) return;
  auto mountinfo = supervise::read_file("/proc/self/mountinfo");
  auto own = supervise::read_file("/proc/self/cgroup");
  if (!mountinfo || !own) return;
  auto parent = cgroup2_dir_of(*mountinfo, *own);
  auto own_rel = unified_path_of(*own);
  char cwd[4096];
  if (!parent || !own_rel || !::getcwd(cwd, sizeof cwd)) return;
  const std::string name = service_cgroup_name(cwd, ::getpid());
  const std::string rel = (*own_rel == "/" ? "" : *own_rel) + "/" + name;
  auto made = std::make_unique<service_cgroup>(io_, *parent + "/" + name, rel);
  if (!made->ok()) {
    if (!usual_refusal(errno))
      supervise::warn(prefix_, "unable to create cgroup " + made->path() + " for kill-tree, using the process group",
                      errno);
    return;
  }
  cgroup_ = std::move(made);
}

void process_tree::started(pid_t pid) {
  if (!enabled_) return;
  group_ = pid;  // setsid in the child: the group is its pid
  in_cgroup_ = cgroup_ && cgroup_->holds(pid);
  if (cgroup_ && !in_cgroup_) {
    supervise::warn(prefix_,
                    "unable to start ./run in cgroup " + cgroup_->path() + " for kill-tree, using the process group");
    cgroup_.reset();
  }
}

// A cgroup is empty once its last process has exited; the orphans among
// them are reaped with the end of ./run (the supervisor's reap follows).
bool process_tree::empty() const {
  if (in_cgroup_) return !cgroup_->populated();
  return ::kill(-group_, 0) == -1 && errno == ESRCH;
}

void process_tree::signal_all(int sig) {
  if (in_cgroup_) cgroup_->signal(sig);
  else ::kill(-group_, sig);
}

bool process_tree::kill_all(pid_t pid, int sig) {
  if (!enabled_ || group_ == 0 || pid != group_) return false;
  signal_all(sig);
  return true;
}

void process_tree::stop_signalled(pid_t pid) {
  if (!enabled_ || group_ == 0 || pid != group_) return;
  const long ms = read_number_file("timeout-kill").value_or(0);
  if (ms > 0) arm_kill(std::chrono::milliseconds(ms));
}

void process_tree::arm_kill(std::chrono::milliseconds after) {
  kill_armed_ = true;
  kill_timer_.expires_after(after);
  kill_timer_.async_wait([this, group = group_](const boost::system::error_code& ec) {
    if (ec) return;
    kill_armed_ = false;
    if (group_ == group) signal_all(SIGKILL);
  });
}

bool process_tree::ended(pid_t pid, std::function<void()> done) {
  if (!enabled_ || pid != group_ || group_ == 0) return false;
  // timeout-kill's KILL for ./run may reach it (and be reaped) before the
  // one for the tree, due as well, has run: the tree then gets it now.
  const bool kill_due = kill_armed_ && kill_timer_.expiry() <= std::chrono::steady_clock::now();
  kill_armed_ = false;
  kill_timer_.cancel();
  if (empty()) {
    group_ = 0;
    return false;
  }
  done_ = std::move(done);
  signal_all(kill_due ? SIGKILL : SIGTERM);
  signal_all(SIGCONT);
  const long ms = read_number_file("timeout-kill").value_or(0);
  arm_kill(std::chrono::milliseconds(ms > 0 ? ms : default_kill_ms));
  watch();
  return true;
}

// Until the tree is empty: a cgroup tells when it empties (inotify on
// cgroup.events); a process group has no such event, so it is looked at
// every few milliseconds, only while one is being emptied. The orphans are
// ours to reap (subreaper).
void process_tree::watch() {
  auto check = [this] {
    if (group_ == 0) return;
    if (empty()) finish();
    else watch();
  };
  if (in_cgroup_ && cgroup_->on_change(check)) return;
  poll_timer_.expires_after(poll_interval);
  poll_timer_.async_wait([check](const boost::system::error_code& ec) {
    if (!ec) check();
  });
}

void process_tree::finish() {
  group_ = 0;
  kill_armed_ = false;
  kill_timer_.cancel();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done();
}

}  // namespace runsv
