// Starting a runsv for each service, again when it exits, and TERM for the
// runsv of a service that is gone.

#include "runsvdir.hpp"

#include <cerrno>
#include <csignal>
#include <new>
#include <sys/wait.h>

#include <chrono>

#include "service_check.hpp"
#include "supervise/container.hpp"
#include "supervise/fatal.hpp"
#include "supervise/spawn.hpp"

namespace runsvdir {

using namespace std::chrono_literals;

namespace {

// runit starts a runsv that exited again at its next scan, a second on.
constexpr auto restart_delay = 1s;
// A rename within DIR is two events; the second may come a moment later.
constexpr auto orphan_grace = 20ms;

}  // namespace

// Only memory limits the table; runit's message when it is full.
service_entry* scanner::add_service(const service_key& key, const std::string& name) {
  try {
    service_entry& e = table_.add(key);
    table_full_ = false;
    return &e;
  } catch (const std::bad_alloc&) {
    if (!table_full_) supervise::warn(prefix_, "unable to start runsv " + name + ": too many services.");
    table_full_ = true;
    return nullptr;
  }
}

// A service complete at first sight starts at once, unless its directory
// was made in DIR just now: then the rest of it may still be on its way.
void scanner::first_sight(const service_key& key, arrival how) {
  service_entry* e = table_.find(key);
  if (!e || e->names.empty()) return;
  if (how != arrival::in_place) {
    check_result r = check_service(dir_fd_.get(), e->names.front());
    if (r.complete && (how == arrival::whole || older_than(r.newest, settle_time.count()))) {
      start_runsv(key);
      return;
    }
  }
  e->pending = true;
  pending_.add(key);
}

// runsv NAME in DIR, found through PATH. A failed fork is reported once
// until a fork works again, and tried again a second later.
bool scanner::start_runsv(const service_key& key) {
  service_entry* e = table_.find(key);
  if (!e || e->pid || e->pending || e->names.empty() || halting_ || hup_stopping_) return true;
  const std::string& name = e->names.front();
  supervise::spawn_spec spec;
  spec.argv = {"runsv", name};
  spec.search_path = true;
  spec.new_session = opt_.new_session;
  spec.exit_code = exit_exec_failed;
  spec.reset_signals = {SIGCHLD, SIGTERM, SIGHUP, SIGALRM, SIGIO};
  spec.chdir_fd = dir_fd_.get();
  spec.prefix = prefix_;
  spec.exec_failed = "unable to start runsv " + name;
  spec.chdir_failed = spec.exec_failed;
  pid_t pid = supervise::spawn(spec);
  if (pid == -1) {
    if (!fork_failing_) supervise::warn(prefix_, "unable to fork for " + name, errno);
    fork_failing_ = true;
    schedule_restart(key);
    return false;
  }
  fork_failing_ = false;
  table_.set_pid(key, pid);
  return true;
}

void scanner::schedule_restart(const service_key& key) {
  restarts_.push_back(key);
  if (restart_armed_ || halting_) return;
  restart_armed_ = true;
  restart_timer_.expires_after(restart_delay);
  restart_timer_.async_wait([this](const boost::system::error_code& ec) {
    restart_armed_ = false;
    if (!ec) restart_due();
  });
}

// Stops at the first fork that fails: the others would fail too.
void scanner::restart_due() {
  std::vector<service_key> due;
  due.swap(restarts_);
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (start_runsv(due[i])) continue;
    restarts_.insert(restarts_.end(), due.begin() + static_cast<std::ptrdiff_t>(i) + 1, due.end());
    return;
  }
}

void scanner::reap() {
  int ws;
  pid_t pid;
  bool stopped_one = false;
  while ((pid = ::waitpid(-1, &ws, WNOHANG)) > 0 || (pid == -1 && errno == EINTR)) {
    if (pid <= 0) continue;
    auto key = table_.take_pid(pid);
    if (halting_ || hup_stopping_) stopped_one = stopped_one || key.has_value();
    else if (key) schedule_restart(*key);
  }
  // A whole-tree stop goes on with what no running service needs now.
  if (stopped_one) stop_step();
  if (halting_ && pid == -1 && errno == ECHILD) {
    exit_code_ = supervise::read_exit_code().value_or(exit_term);
    io_.stop();
  }
  if (hup_stopping_) {
    bool left = false;
    table_.for_each([&](const service_key&, service_entry& e) { left = left || e.pid != 0; });
    if (!left) {
      exit_code_ = exit_hup;
      io_.stop();
    }
  }
}

// No name in DIR leads to the service any more. Unless one turns up within
// the grace (the second half of a rename), it is gone.
void scanner::orphaned(const service_key& key) {
  orphans_.push_back(key);
  if (orphan_armed_) return;
  orphan_armed_ = true;
  orphan_timer_.expires_after(orphan_grace);
  orphan_timer_.async_wait([this](const boost::system::error_code& ec) {
    orphan_armed_ = false;
    if (!ec) remove_orphans();
  });
}

void scanner::remove_orphans() {
  // Events still queued come first: one of them may name the service again.
  if (inotify_ && !pausing_ && dir_fd_) on_dir_events();
  std::vector<service_key> due;
  due.swap(orphans_);
  for (const auto& key : due) {
    service_entry* e = table_.find(key);
    if (e && e->names.empty()) remove_service(key);
  }
}

// runit sends TERM and does not wait: the exit is reaped as any other.
void scanner::remove_service(const service_key& key) {
  service_entry* e = table_.find(key);
  if (!e) return;
  if (e->pending) pending_.remove(key);
  if (e->pid) ::kill(e->pid, SIGTERM);
  table_.erase(key);
}

}  // namespace runsvdir
