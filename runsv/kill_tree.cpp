#include "kill_tree.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "extensions.hpp"
#include "supervise/fatal.hpp"

namespace runsv {

namespace {

// The group is looked at this often while it is being emptied.
constexpr std::chrono::milliseconds poll_interval{10};
// KILL follows TERM after this long without a timeout-kill file.
constexpr long default_kill_ms = 2000;

}  // namespace

process_tree::process_tree(boost::asio::io_context& io, std::string prefix)
    : prefix_(std::move(prefix)), poll_timer_(io), kill_timer_(io) {}

void process_tree::prepare(supervise::spawn_spec& spec) {
  struct stat st;
  enabled_ = ::stat("kill-tree", &st) == 0;
  if (!enabled_) return;
  spec.new_session = true;
  if (!subreaper_) {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) subreaper_ = true;
    else supervise::warn(prefix_, "unable to become a subreaper for kill-tree", errno);
  }
}

void process_tree::started(pid_t pid) {
  if (enabled_) group_ = pid;  // setsid in the child: the group is its pid
}

bool process_tree::empty() const noexcept { return ::kill(-group_, 0) == -1 && errno == ESRCH; }

bool process_tree::ended(pid_t pid, std::function<void()> done) {
  if (!enabled_ || pid != group_ || group_ == 0) return false;
  if (empty()) {
    group_ = 0;
    return false;
  }
  done_ = std::move(done);
  ::kill(-group_, SIGTERM);
  ::kill(-group_, SIGCONT);
  const long ms = read_number_file("timeout-kill").value_or(0);
  kill_timer_.expires_after(std::chrono::milliseconds(ms > 0 ? ms : default_kill_ms));
  kill_timer_.async_wait([this, group = group_](const boost::system::error_code& ec) {
    if (!ec && group_ == group) ::kill(-group, SIGKILL);
  });
  poll();
  return true;
}

// A group has no event for "empty": look every few milliseconds, only
// while one is being emptied. The orphans are ours to reap (subreaper).
void process_tree::poll() {
  poll_timer_.expires_after(poll_interval);
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || group_ == 0) return;
    if (!empty()) {
      poll();
      return;
    }
    finish();
  });
}

void process_tree::finish() {
  group_ = 0;
  kill_timer_.cancel();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done();
}

}  // namespace runsv
