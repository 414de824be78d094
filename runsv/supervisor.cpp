#include "supervisor.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <limits>

#include <boost/asio/post.hpp>

#include "service.hpp"
#include "supervise/fatal.hpp"
#include "supervise/spawn.hpp"
#include "supervise/supervise_dir.hpp"

namespace runsv {

namespace asio = boost::asio;
using supervise::state;

namespace {

// runit tests for ./finish by opening it, not by its mode bits.
bool finish_exists() {
  supervise::fd f = supervise::open_fd("finish", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  return static_cast<bool>(f);
}

}  // namespace

supervisor::supervisor(std::string dir)
    : dir_(std::move(dir)),
      prefix_("runsv " + dir_),
      signals_(io_, SIGCHLD, SIGTERM),
      readiness_(io_, prefix_),
      health_(io_, prefix_,
              [this] {
                const auto& m = core_->service(which::main);
                return m.running() ? m.status.pid : 0;
              },
              [this] { return child_stdout(); }),
      finish_limit_(io_, "timeout-finish"),
      kill_limit_(io_, "timeout-kill"),
      log_kill_limit_(io_, "log/timeout-kill"),
      tree_(io_, prefix_) {
  main_.dir = "supervise";
  log_.dir = "log/supervise";
}

int supervisor::run() {
  setup();
  arm_signals();
  arm_control(which::main);
  if (core_->has_log()) arm_control(which::log);
  update_hold();
  dispatch(core_->settle());
  if (!core_->done()) io_.run();
  return exit_ok;
}

void supervisor::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGTERM) {
      reap();
      dispatch(core_->term());
    }
    settle();
    if (!core_->done()) arm_signals();
  });
}

void supervisor::arm_control(which w) {
  slot_of(w).control->async_wait(asio::posix::descriptor_base::wait_read,
                                 [this, w](const boost::system::error_code& ec) {
                                   if (ec) return;
                                   on_control(w);
                                   if (!core_->done() && !(w == which::main && control_parked_)) arm_control(w);
                                 });
}

// One control byte per wake-up, as runit reads one per loop iteration:
// children are reaped before it and services started after it. While a
// control/X runs, runit (blocked in waitpid) reads no byte: they stay queued
// in the FIFO and reading resumes when the script is reaped.
void supervisor::on_control(which w) {
  reap();
  if (!core_->accepts_control(w)) {
    control_parked_ = true;
  } else {
    char byte;
    if (::read(slot_of(w).control->native_handle(), &byte, 1) == 1) {
      if (w == which::main) update_hold();
      dispatch(core_->control(w, byte));
    }
  }
  update_hold();
  dispatch(core_->settle());
}

void supervisor::settle() {
  reap();
  update_hold();
  dispatch(core_->settle());
}

// dependencies.d (beyond runit): a service about to start waits until its
// dependencies run and are ready. Looked at whenever it could start.
// Looked at while the service is down, before each control byte too (an
// 'u' or 'o' must find the hold as it is); supervise/waiting is written only
// while the service would start.
void supervisor::update_hold() {
  const auto& m = core_->service(which::main);
  const bool down = m.status.pid == 0 && m.status.state == state::down;
  if (!deps_ && down) {
    struct stat st;
    if (::stat("dependencies.d", &st) == 0 && S_ISDIR(st.st_mode))
      deps_ = std::make_unique<dependencies>(io_, prefix_, scan_dir_, self_, [this] {
        if (!core_->done()) settle();
      });
  }
  if (!deps_) return;
  if (!down) {
    core_->hold_start(deps_->clear());
    return;
  }
  const bool would_start = m.status.wants == supervise::want::up || m.once_pending;
  core_->hold_start(deps_->must_wait(would_start));
}

exit_facts supervisor::facts_for(pid_t pid, int wait_status) {
  exit_facts f;
  f.wait_status = wait_status;
  f.now = supervise::tai64n::now();
  f.steady_now = std::chrono::steady_clock::now();
  if (pid == core_->service(which::main).status.pid) {
    f.finish_exists = finish_exists();
    f.policy.limit = read_number_pair("restart-limit");
    f.policy.backoff = read_number_pair("restart-backoff");
  }
  return f;
}

void supervisor::reap() {
  bool script_ended = false;
  int script_wait = 0;
  for (;;) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid <= 0) {
      if (pid == -1 && errno == EINTR) continue;
      break;
    }
    const auto& m = core_->service(which::main);
    if (pid == m.status.pid && !m.replacing && m.status.state != state::finish) readiness_.reset();
    for (kill_timer* t : {&finish_limit_, &kill_limit_, &log_kill_limit_}) t->reaped(pid);
    if (pid == script_pid_) {
      script_ended = true;
      script_wait = ws;
    } else if (pid == m.status.pid && !m.replacing && m.status.state == state::run &&
               tree_.ended(pid, [this, pid, ws] {
                 // kill-tree: the end of ./run counts once its group is gone.
                 dispatch(core_->child_exit(pid, facts_for(pid, ws)));
                 settle();
               })) {
      continue;
    } else if (deps_ && deps_->reaped(pid, ws)) {
      continue;
    } else if (!health_.reaped(pid, ws)) {
      // The main or log service's child; any other (a ./run that 'k' left
      // and a start replaced) is only reaped.
      dispatch(core_->child_exit(pid, facts_for(pid, ws)));
    }
  }
  // After the loop: what follows the script may start another one.
  if (!script_ended) return;
  script_pid_ = 0;
  dispatch(core_->script_done(WIFEXITED(script_wait) && WEXITSTATUS(script_wait) == 0, true));
  if (control_parked_ && core_->accepts_control(which::main)) {
    control_parked_ = false;
    arm_control(which::main);
  }
}

void supervisor::dispatch(actions list) {
  std::deque<action> todo(std::make_move_iterator(list.begin()), std::make_move_iterator(list.end()));
  while (!todo.empty()) {
    action a = std::move(todo.front());
    todo.pop_front();
    actions more = perform(a);
    todo.insert(todo.begin(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
}

actions supervisor::perform(const action& a) {
  using kind = action::kind;
  switch (a.what) {
    case kind::write_status:
      supervise::write_status_files(slot_of(a.svc).dir, a.status, a.pid_changed, prefix_);
      return {};
    case kind::spawn_run: return spawn(a.svc, false, 0);
    case kind::spawn_finish: return spawn(which::main, true, a.value);
    case kind::signal: {
      int sig = a.value;
      if (sig == down_signal_of_service) sig = down_signal(a.svc == which::log ? "log/down-signal" : "down-signal");
      // sv kill reaches the whole tree (cgroup or process group) with kill-tree.
      if (a.svc == which::main && sig == SIGKILL && tree_.kill_all(a.pid, SIGKILL)) return {};
      ::kill(a.pid, sig);
      return {};
    }
    case kind::run_control: return run_control(a.command);
    case kind::throttle: {
      auto& timer = *slot_of(a.svc).throttle;
      timer.expires_after(a.delay);
      timer.async_wait([this, w = a.svc](const boost::system::error_code& ec) {
        if (ec || core_->done()) return;
        dispatch(core_->throttle_expired(w));
        settle();
      });
      return {};
    }
    case kind::close_log_pipe:
      if (int err = logpipe_write_.close()) supervise::warn(prefix_, "unable to close logpipe[1]", err);
      if (int err = logpipe_read_.close()) supervise::warn(prefix_, "unable to close logpipe[0]", err);
      return {};
    case kind::exit: io_.stop(); return {};
    case kind::repost_term:
      asio::post(io_, [this] {
        if (core_->done()) return;
        reap();
        dispatch(core_->term());
        settle();
      });
      return {};
    case kind::reset_policy: ::unlink("supervise/restart-policy"); return {};
    case kind::write_policy: supervise::replace_file("supervise/restart-policy", a.text); return {};
    case kind::stop_signalled:
      if (a.svc == which::main) {
        tree_.stop_signalled(a.pid);  // kill-tree: timeout-kill's KILL for the whole tree (armed first, fires first)
        kill_limit_.start(a.pid);
      } else {
        log_kill_limit_.start(a.pid);
      }
      return {};
    case kind::reset_crashes: ::unlink("supervise/crashes"); return {};
    case kind::write_crashes: supervise::replace_file("supervise/crashes", a.text); return {};
    case kind::warn: supervise::warn(prefix_, a.text); return {};
    case kind::ended_for_good: essential_ended(a.value); return {};
  }
  return {};
}

actions supervisor::spawn(which w, bool finish, int last_wait) {
  supervise::spawn_spec spec;
  spec.prefix = prefix_;
  spec.reset_signals = {SIGCHLD, SIGTERM};
  if (w == which::log) {
    spec.argv = {"./run"};
    spec.chdir_to = "./log";
    spec.stdin_fd = logpipe_read_.get();
    spec.exec_failed = "unable to start log/./run";
    spec.chdir_failed = "unable to change directory to ./log";
    spec.fd_failed = "unable to setup filedescriptor for ./log/run";
  } else {
    spec.stdout_fd = child_stdout();
    if (finish) {
      auto args = finish_args_of(last_wait);
      spec.argv = {"./finish", args.exit_code, args.signal};
      spec.exec_failed = "unable to start ./finish";
      spec.fd_failed = "unable to setup filedescriptor for ./finish";
    } else {
      readiness_.prepare(spec);
      tree_.prepare(spec);
      spec.argv = {"./run"};
      spec.exec_failed = "unable to start ./run";
      spec.fd_failed = "unable to setup filedescriptor for ./run";
    }
  }
  pid_t pid = supervise::spawn(spec);
  if (spec.extra_fd >= 0) ::close(spec.extra_fd);
  if (pid == -1) {
    supervise::warn(prefix_, "unable to fork, sleeping", errno);
    if (w == which::main && !finish) readiness_.reset();
    return core_->spawn_failed(w);
  }
  if (w == which::main && finish) finish_limit_.start(pid);
  if (w == which::main && !finish) {
    tree_.started(pid);
    health_.started();
  }
  return core_->spawned(w, pid, supervise::tai64n::now(), std::chrono::steady_clock::now());
}

// runit waits for control/X with a blocking waitpid; runsv goes on serving
// signals, children and the log service, and tells the core when it is
// reaped. Without an executable script the core goes on at once.
actions supervisor::run_control(char command) {
  std::string path = std::string("control/") + command;
  struct stat st;
  if (::stat(path.c_str(), &st) == -1) {
    if (errno != ENOENT) supervise::warn(prefix_, "unable to stat " + path, errno);
    return core_->script_done(false, false);
  }
  if (!(st.st_mode & S_IXUSR)) return core_->script_done(false, false);
  supervise::spawn_spec spec;
  spec.argv = {path};
  spec.prefix = prefix_;
  spec.reset_signals = {SIGCHLD, SIGTERM};
  spec.stdout_fd = child_stdout();
  spec.exec_failed = "unable to run control/?";
  spec.fd_failed = "unable to setup stdout for " + path;
  pid_t pid = supervise::spawn(spec);
  if (pid == -1) {
    supervise::warn(prefix_, "unable to fork for " + path, errno);
    return core_->script_done(false, false);
  }
  script_pid_ = pid;
  return {};
}

// What the main service's children get as stdout: the log pipe when there
// is a log service, else runsv's own. Once runsv closed the log pipe (want
// exit, waiting for the log service to end) runit still hands its closed
// descriptor on: a ./run started then (after a 'u') fails with "unable to
// setup filedescriptor for ./run: file descriptor not open" and is
// restarted each second, like any ./run that exits at once. A descriptor
// number that is never open gives the same EBADF.
int supervisor::child_stdout() const noexcept {
  if (!core_->has_log()) return -1;
  if (logpipe_write_) return logpipe_write_.get();
  return std::numeric_limits<int>::max();
}

int main(int argc, char** argv) {
  if (argc != 2) return supervise::usage(argv[0] ? argv[0] : "runsv", "dir", exit_usage);
  std::string dir = argv[1];
  return supervise::run_main("runsv " + dir, [&] {
    supervisor s(dir);
    return s.run();
  }, exit_fatal);
}

}  // namespace runsv
