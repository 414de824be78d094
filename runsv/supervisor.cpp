#include "supervisor.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <boost/asio/post.hpp>

#include "extensions.hpp"
#include "supervise/container.hpp"
#include "supervise/fatal.hpp"
#include "supervise/spawn.hpp"
#include "supervise/supervise_dir.hpp"

namespace runsv {

namespace asio = boost::asio;
using supervise::fatal_error;
using supervise::state;
using supervise::want;

namespace {

[[noreturn]] void die(const char* msg, int err) { throw fatal_error{exit_fatal, msg, err}; }

bool exists(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0;
}

// runit tests for ./finish by opening it, not by its mode bits.
bool finish_exists() {
  supervise::fd f = supervise::open_fd("finish", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  return static_cast<bool>(f);
}

}  // namespace

supervisor::supervisor(std::string dir)
    : dir_(std::move(dir)), prefix_("runsv " + dir_), signals_(io_, SIGCHLD, SIGTERM) {
  main_.svc.dir = "supervise";
  log_.svc.dir = "log/supervise";
  log_.svc.is_log = true;
}

int supervisor::run() {
  setup();
  arm_signals();
  arm_control(main_);
  if (has_log_) arm_control(log_);
  start_needed();
  if (!done_) io_.run();
  return exit_ok;
}

void supervisor::setup() {
  if (::chdir(dir_.c_str()) == -1) die("unable to change to directory", errno);
  auto& m = main_.svc;
  m.status.time = supervise::tai64n::now();
  m.status.wants = exists("down") ? want::down : want::up;
  setup_log_dir();

  if (auto e = supervise::make_supervise_dir("supervise")) {
    if (e.err == -1) die("unable to readlink ./supervise: name too long", 0);
    die("unable to readlink ./supervise", e.err);
  }
  const char* failed = nullptr;
  m.lock = supervise::take_lock("supervise", false, &failed);
  if (!m.lock)
    die(failed == std::string_view("open") ? "unable to open supervise/lock"
                                           : "unable to lock supervise/lock", errno);
  if (has_log_) {
    auto& l = log_.svc;
    supervise::fd here = supervise::open_fd(".", O_RDONLY | O_CLOEXEC);
    if (!here) die("unable to open current directory", errno);
    if (::chdir("./log") == -1) die("unable to change directory to ./log", errno);
    if (auto e = supervise::make_supervise_dir("supervise")) {
      if (e.err == -1) die("unable to readlink ./log/supervise: name too long", 0);
      die("unable to readlink ./log/supervise", e.err);
    }
    if (::fchdir(here.get()) == -1) die("unable to change back to service directory", errno);
    l.lock = supervise::take_lock("log/supervise", true, &failed);
    if (!l.lock)
      die(failed == std::string_view("open") ? "unable to open log/supervise/lock"
                                             : "unable to lock log/supervise/lock", errno);
  }

  m.pid_changed = true;
  open_fifos(main_);
  update(m);
  if (has_log_) {
    open_fifos(log_);
    // runit's shared "pid changed" flag was consumed by the main service, so
    // log/supervise/pid first appears when the log service starts.
    update(log_.svc);
  }
  m.ok = supervise::open_ok("supervise");
  if (!m.ok) die("unable to read supervise/ok", errno);
  if (has_log_) {
    log_.svc.ok = supervise::open_ok("log/supervise");
    if (!log_.svc.ok) die("unable to read log/supervise/ok", errno);
  }
}

void supervisor::setup_log_dir() {
  struct stat st;
  if (::stat("log", &st) == -1) {
    if (errno != ENOENT) supervise::warn(prefix_, "unable to stat() ./log: ", errno);
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    supervise::warn(prefix_, "./log: not a directory.");
    return;
  }
  has_log_ = true;
  auto& l = log_.svc;
  l.status.time = supervise::tai64n::now();
  l.status.wants = exists("log/down") ? want::down : want::up;
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) == -1) die("unable to create log pipe", errno);
  logpipe_read_ = supervise::fd(ends[0]);
  logpipe_write_ = supervise::fd(ends[1]);
}

void supervisor::open_fifos(slot& s) {
  const char* failed = nullptr;
  supervise::control_fifo fifo = supervise::open_control(s.svc.dir, &failed);
  if (!fifo.reader) {
    std::string path = s.svc.dir + "/control";
    std::string_view f = failed ? failed : "open";
    if (f == "stat") die(("unable to stat " + path).c_str(), errno);
    if (f == "fifo") die((path + " exists but is not a fifo").c_str(), 0);
    die(("unable to open " + path).c_str(), errno);
  }
  s.svc.control_writer = std::move(fifo.writer);
  s.control = std::make_unique<asio::posix::stream_descriptor>(io_, fifo.reader.release());
  s.throttle = std::make_unique<asio::steady_timer>(io_);
}

void supervisor::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGTERM) on_term();
    settle();
    if (!done_) arm_signals();
  });
}

// runit treats TERM as the control byte 'x'. runit blocks TERM while a
// control/X runs; here it waits for the script's end the same way.
void supervisor::on_term() {
  on_child_exit();
  if (script_.pid) term_pending_ = true;
  else apply(main_, 'x');
}

void supervisor::arm_control(slot& s) {
  s.control->async_wait(asio::posix::descriptor_base::wait_read,
                        [this, &s](const boost::system::error_code& ec) {
                          if (ec) return;
                          on_control(s);
                          if (!done_ && !(&s == &main_ && control_parked_)) arm_control(s);
                        });
}

// One control byte per wake-up, as runit reads one per loop iteration:
// children are reaped before it and services started after it. While a
// control/X runs, runit (blocked in waitpid) reads no byte: they stay queued
// in the FIFO and script_ended resumes reading.
void supervisor::on_control(slot& s) {
  on_child_exit();
  if (&s == &main_ && script_.pid) {
    control_parked_ = true;
  } else {
    char command;
    ssize_t n = ::read(s.control->native_handle(), &command, 1);
    if (n == 1) apply(s, command);
  }
  if (exit_check()) return;
  start_needed();
}

void supervisor::settle() {
  on_child_exit();
  if (exit_check()) return;
  start_needed();
}

void supervisor::on_child_exit() {
  bool script_done = false;
  int script_wait = 0;
  for (;;) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid <= 0) {
      if (pid == -1 && errno == EINTR) continue;
      break;
    }
    if (pid == main_.svc.status.pid) child_exited(main_, ws);
    else if (has_log_ && pid == log_.svc.status.pid) child_exited(log_, ws);
    else if (pid == health_pid_) health_result(ws);
    else if (pid == script_.pid) {
      script_done = true;
      script_wait = ws;
    }
    // Any other child (a ./run that 'k' left and a start replaced) is only reaped.
  }
  // After the loop: what follows the script may start another one.
  if (script_done) script_ended(script_wait);
}

// Beyond runit: with a `health-check` file ("INTERVAL FAILURES", seconds
// and a count) runsv runs ./check every INTERVAL seconds while the service
// runs; after FAILURES failed checks in a row it stops ./run (down-signal
// or TERM) so that it is restarted, within the restart policy. A check still
// running at the next interval counts as failed and is killed.
void supervisor::arm_health() {
  auto cfg = read_number_pair("health-check");
  if (!cfg || cfg->first <= 0 || cfg->second <= 0) return;
  if (!health_timer_) health_timer_ = std::make_unique<asio::steady_timer>(io_);
  health_timer_->expires_after(std::chrono::seconds(cfg->first));
  health_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || done_ || !main_.svc.running()) return;
    if (health_pid_) {
      ::kill(health_pid_, SIGKILL);
      health_pid_ = 0;
      health_failed();
    }
    if (!main_.svc.running()) return;
    supervise::spawn_spec spec;
    spec.argv = {"./check"};
    spec.prefix = prefix_;
    spec.reset_signals = {SIGCHLD, SIGTERM};
    spec.stdout_fd = has_log_ ? logpipe_write_.get() : -1;
    spec.exec_failed = "unable to run ./check";
    pid_t pid = supervise::spawn(spec);
    if (pid > 0) health_pid_ = pid;
    arm_health();
  });
}

void supervisor::health_result(int wait_status) {
  health_pid_ = 0;
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) {
    health_failures_ = 0;
    return;
  }
  health_failed();
}

void supervisor::health_failed() {
  auto cfg = read_number_pair("health-check");
  if (!cfg || ++health_failures_ < cfg->second || !main_.svc.running()) return;
  health_failures_ = 0;
  supervise::warn(prefix_, "health check failed, restarting");
  ::kill(main_.svc.status.pid, down_signal("down-signal"));
  ::kill(main_.svc.status.pid, SIGCONT);
}

void supervisor::child_exited(slot& s, int wait_status) {
  auto& st = s.svc.status;
  if (s.svc.replacing) {
    // It ended while the start that replaces it runs control/u or stops it:
    // runit, blocked in those, reaps it only after the new ./run started,
    // as a child it no longer knows. Nothing is left to signal.
    st.pid = 0;
    return;
  }
  if (!s.svc.is_log && st.state != state::finish) not_ready(s);
  if (s.finish_timer) s.finish_timer->cancel();
  st.pid = 0;
  st.got_term = false;
  s.svc.pid_changed = true;
  s.svc.last_wait = wait_status;
  if (st.state != state::finish) s.svc.run_wait = wait_status;
  if (!s.svc.is_log && st.state != state::finish && finish_exists()) {
    st.state = state::finish;
    update(s.svc);
    return;
  }
  auto started = st.time;
  st.state = state::down;
  st.time = supervise::tai64n::now();
  update(s.svc);
  // runit's throttle: a service down within a second of its start waits a second.
  auto deadline = started;
  deadline.seconds += 1;
  std::chrono::milliseconds delay{st.time < deadline ? 1000 : 0};
  if (!s.svc.is_log && st.wants == want::up) delay = std::max(delay, restart_policy(s));
  if (!s.svc.is_log && st.wants == want::down) essential_ended(s.svc.run_wait);
  if (delay.count() > 0) throttle(s, delay);
}

// Beyond runit: restart-limit gives up on a service that keeps exiting (it
// is left down, want down, which any sv shows); restart-backoff spaces the
// restarts. Returns the delay before the next start.
std::chrono::milliseconds supervisor::restart_policy(slot& s) {
  using clock = std::chrono::steady_clock;
  auto& svc = s.svc;
  const auto now = clock::now();
  if (auto limit = read_number_pair("restart-limit"); limit && limit->first > 0) {
    svc.exits.push_back(now);
    while (!svc.exits.empty() && now - svc.exits.front() > std::chrono::seconds(limit->second))
      svc.exits.pop_front();
    if (svc.exits.size() >= static_cast<std::size_t>(limit->first)) {
      svc.exits.clear();
      svc.backoff_step = 0;
      svc.status.wants = want::down;
      update(svc);
      supervise::warn(prefix_, "restart limit reached, service left down");
      write_policy("given-up\n");
      return std::chrono::milliseconds(0);
    }
  }
  auto backoff = read_number_pair("restart-backoff");
  std::chrono::milliseconds delay{0};
  if (backoff && backoff->first > 0) {
    const std::chrono::milliseconds first{backoff->first}, most{std::max(backoff->second, backoff->first)};
    if (now - svc.run_started >= most) svc.backoff_step = 0;
    delay = first;
    for (int i = 0; i < svc.backoff_step && delay < most; ++i) delay *= 2;
    delay = std::min(delay, most);
    ++svc.backoff_step;
  }
  if (svc.exits.size() || delay.count())
    write_policy("exits " + std::to_string(svc.exits.size()) + " backoff " + std::to_string(delay.count()) + "\n");
  return delay;
}

// supervise/restart-policy, for sv -j: "given-up", or "exits N backoff MS".
void supervisor::write_policy(const std::string& text) {
  supervise::replace_file("supervise/restart-policy", text);
}

// Beyond runit: a service marked with an `essential` file that ends for good
// (down while wanted down) ends its container, with its exit status.
void supervisor::essential_ended(int run_wait) {
  struct stat st;
  if (::stat("essential", &st) == -1 || !supervise::in_container_environment()) return;
  // The first service to end the container sets its exit code.
  if (!supervise::read_exit_code()) supervise::write_exit_code(supervise::exit_code_of(run_wait));
  ::kill(1, SIGTERM);
}

// Beyond runit, s6's notification-fd: ./run gets the write end of a pipe as
// that descriptor and writes a newline when it is ready; runsv records it in
// supervise/ready (removed whenever ./run starts or ends). runit's status
// bytes do not change.
void supervisor::watch_readiness(slot& s, supervise::spawn_spec& spec) {
  not_ready(s);
  auto fd = read_number_file("notification-fd");
  if (!fd) return;
  if (*fd < 3) {
    supervise::warn(prefix_, "notification-fd must be 3 or more, ignored");
    return;
  }
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) == -1) {
    supervise::warn(prefix_, "unable to create pipe for notification-fd", errno);
    return;
  }
  s.ready = std::make_unique<asio::posix::stream_descriptor>(io_, ends[0]);
  spec.extra_fd = ends[1];
  spec.extra_target = static_cast<int>(*fd);
  arm_readiness(s);
}

void supervisor::arm_readiness(slot& s) {
  s.ready->async_wait(asio::posix::descriptor_base::wait_read, [this, &s](const boost::system::error_code& ec) {
    if (ec || !s.ready) return;
    char buf[256];
    ssize_t n = ::read(s.ready->native_handle(), buf, sizeof buf);
    if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
      arm_readiness(s);
      return;
    }
    if (n > 0 && std::memchr(buf, '\n', static_cast<std::size_t>(n))) {
      supervise::replace_file("supervise/ready", supervise::tai64n::now().label() + "\n");
      s.ready.reset();
      return;
    }
    if (n > 0) {
      arm_readiness(s);
      return;
    }
    s.ready.reset();  // closed without a newline: never ready
  });
}

void supervisor::not_ready(slot& s) {
  s.ready.reset();
  if (!s.svc.is_log) ::unlink("supervise/ready");
}

// Beyond runit, s6's timeout-finish: a ./finish running longer is killed.
void supervisor::limit_finish(slot& s, pid_t pid) {
  auto ms = read_number_file("timeout-finish");
  if (!ms || *ms == 0) return;
  if (!s.finish_timer) s.finish_timer = std::make_unique<asio::steady_timer>(io_);
  s.finish_timer->expires_after(std::chrono::milliseconds(*ms));
  s.finish_timer->async_wait([&s, pid](const boost::system::error_code& ec) {
    if (!ec && s.svc.status.state == state::finish && s.svc.status.pid == pid) ::kill(pid, SIGKILL);
  });
}

// runit sleeps here and answers nothing; a timer keeps the FIFO served.
void supervisor::throttle(slot& s, std::chrono::milliseconds delay) {
  s.svc.throttled = true;
  s.throttle->expires_after(delay);
  s.throttle->async_wait([this, &s](const boost::system::error_code& ec) {
    if (ec) return;
    s.svc.throttled = false;
    if (s.svc.once_pending && s.svc.status.state == state::down && s.svc.status.pid == 0 && may_start(s))
      start(s);
    s.svc.once_pending = false;
    settle();
  });
}

bool supervisor::exit_check() {
  if (done_) return true;
  auto& m = main_.svc.status;
  if (m.wants != want::exit || m.state != state::down || script_.pid) return false;
  if (!has_log_ || log_.svc.status.pid == 0) {
    done_ = true;
    io_.stop();
    return true;
  }
  if (!log_told_to_exit_) {
    log_told_to_exit_ = true;
    log_.svc.status.wants = want::exit;
    update(log_.svc);
    if (int err = logpipe_write_.close())
      supervise::warn(prefix_, "unable to close logpipe[1]", err);
    if (int err = logpipe_read_.close())
      supervise::warn(prefix_, "unable to close logpipe[0]", err);
  }
  return false;
}

void supervisor::start_needed() {
  if (has_log_) {
    auto& l = log_.svc;
    if (l.status.pid == 0 && l.status.wants == want::up && !l.throttled) start(log_);
  }
  auto& m = main_.svc;
  if (m.status.pid == 0 && !m.throttled && may_start(main_) &&
      (m.status.wants == want::up || m.status.state == state::finish))
    start(main_);
}

// While a control/X runs runit is blocked in waitpid and starts nothing; the
// log service is never held up by one.
bool supervisor::may_start(const slot& s) const { return s.svc.is_log || !script_.pid; }

void supervisor::start_or_throttle(slot& s) {
  if (s.svc.throttled) {
    s.svc.once_pending = true;
    return;
  }
  start(s);
}

// control/u runs before every start of ./run (its exit status is ignored).
// A child still there is one that 'k' marked down without killing it (its
// control/k exited 0): as runit's startservice, it gets the stop sequence
// of 't' (control/t or TERM; with want down or exit then CONT and control/d
// or control/x) and is then forgotten: the new ./run takes its place and
// its exit is only reaped.
void supervisor::start(slot& s) {
  if (s.svc.status.pid != 0) s.svc.replacing = true;
  auto go = [this, &s] {
    if (s.svc.status.pid != 0) stop(s, true, [this, &s] { spawn_child(s); });
    else spawn_child(s);
  };
  if (!s.svc.is_log && s.svc.status.state != state::finish) {
    custom_control('u', [go](bool) { go(); });
    return;
  }
  go();
}

void supervisor::spawn_child(slot& s) {
  auto& svc = s.svc;
  auto& st = svc.status;
  svc.replacing = false;
  supervise::spawn_spec spec;
  spec.prefix = prefix_;
  spec.reset_signals = {SIGCHLD, SIGTERM};
  if (svc.is_log) {
    spec.argv = {"./run"};
    spec.chdir_to = "./log";
    spec.stdin_fd = logpipe_read_.get();
    spec.exec_failed = "unable to start log/./run";
    spec.chdir_failed = "unable to change directory to ./log";
    spec.fd_failed = "unable to setup filedescriptor for ./log/run";
  } else {
    spec.stdout_fd = has_log_ ? logpipe_write_.get() : -1;
    if (st.state == state::finish) {
      auto args = finish_args_of(svc.last_wait);
      spec.argv = {"./finish", args.exit_code, args.signal};
      spec.exec_failed = "unable to start ./finish";
      spec.fd_failed = "unable to setup filedescriptor for ./finish";
    } else {
      watch_readiness(s, spec);
      spec.argv = {"./run"};
      spec.exec_failed = "unable to start ./run";
      spec.fd_failed = "unable to setup filedescriptor for ./run";
    }
  }
  pid_t pid = supervise::spawn(spec);
  if (spec.extra_fd >= 0) ::close(spec.extra_fd);
  if (pid == -1) {
    supervise::warn(prefix_, "unable to fork, sleeping", errno);
    s.ready.reset();
    throttle(s, std::chrono::seconds(5));
    return;
  }
  if (st.state == state::finish) limit_finish(s, pid);
  if (st.state != state::finish) {
    st.time = supervise::tai64n::now();
    st.state = state::run;
    svc.run_started = std::chrono::steady_clock::now();
    if (!svc.is_log) {
      health_failures_ = 0;
      arm_health();
    }
  }
  st.pid = pid;
  st.paused = false;
  st.got_term = false;
  svc.pid_changed = true;
  update(svc);
}

// The continuations check the pid: a child that ended while control/X ran
// has been reaped and gets no signal. `then` runs at the end of the sequence.
void supervisor::stop(slot& s, bool term, std::function<void()> then) {
  auto after_t = [this, &s, term, pid = s.svc.status.pid, then = std::move(then)](bool replaced) mutable {
    auto& st = s.svc.status;
    if (!replaced && pid != 0 && st.pid == pid) {
      // Beyond runit: s6's down-signal replaces TERM for down and exit.
      ::kill(st.pid, term ? SIGTERM : down_signal(s.svc.is_log ? "log/down-signal" : "down-signal"));
      st.got_term = true;
      update(s.svc);
    }
    if (st.wants == want::up) {  // no SIGCONT: a stopped child keeps TERM pending
      if (then) then();
      return;
    }
    if (st.pid != 0) ::kill(st.pid, SIGCONT);
    if (s.svc.is_log) {
      if (then) then();
      return;
    }
    custom_control(st.wants == want::down ? 'd' : 'x', [then = std::move(then)](bool) {
      if (then) then();
    });
  };
  if (s.svc.status.pid != 0 && !s.svc.is_log) custom_control('t', std::move(after_t));
  else after_t(false);
}

void supervisor::signal_child(slot& s, char command, int sig, std::function<void()> then) {
  auto send = [&s, sig, pid = s.svc.status.pid, then = std::move(then)](bool replaced) {
    if (!replaced && pid != 0 && s.svc.status.pid == pid) ::kill(pid, sig);
    if (then) then();
  };
  if (!s.svc.running()) send(true);  // no signal to send, only what follows
  else if (s.svc.is_log) send(false);
  else custom_control(command, std::move(send));
}

void supervisor::apply(slot& s, char command) {
  auto& svc = s.svc;
  auto& st = svc.status;
  switch (command) {
    case 'u':
      st.wants = want::up;
      update(svc);
      if (!svc.is_log) ::unlink("supervise/restart-policy");  // a given-up service is given another chance
      // runit starts a service marked down even while the child that 'k'
      // left is alive: start replaces it.
      if (st.state == state::down && !svc.throttled) start(s);
      return;
    case 'o':
      st.wants = want::down;
      update(svc);
      if (st.state == state::down) start_or_throttle(s);
      return;
    case 'd':
    case 'x':
      if (command == 'x' && svc.is_log) return;
      st.wants = command == 'd' ? want::down : want::exit;
      svc.once_pending = false;
      update(svc);
      if (svc.running()) stop(s, false);
      return;
    case 't':
      if (svc.running()) stop(s, true);
      return;
    case 'k': {
      // runit marks the service down at once, before the child is reaped.
      auto kill_it = [&s, running = svc.running(), pid = st.pid](bool replaced) {
        auto& st = s.svc.status;
        if (st.pid != pid) return;  // it ended while control/k ran
        if (running && !replaced) ::kill(pid, SIGKILL);
        st.state = state::down;
      };
      if (svc.running() && !svc.is_log) custom_control('k', std::move(kill_it));
      else kill_it(false);
      return;
    }
    case 'p':
      signal_child(s, 'p', SIGSTOP, [this, &s] {
        s.svc.status.paused = true;
        update(s.svc);
      });
      return;
    case 'c':
      signal_child(s, 'c', SIGCONT, [this, &s] {
        s.svc.status.paused = false;
        update(s.svc);
      });
      return;
    case 'h': signal_child(s, 'h', SIGHUP); return;
    case 'a': signal_child(s, 'a', SIGALRM); return;
    case 'i': signal_child(s, 'i', SIGINT); return;
    case 'q': signal_child(s, 'q', SIGQUIT); return;
    case '1': signal_child(s, '1', SIGUSR1); return;
    case '2': signal_child(s, '2', SIGUSR2); return;
    default: return;  // runit ignores unknown bytes
  }
}

// runit waits for control/X with a blocking waitpid; runsv goes on serving
// signals, children and the log service, and runs `then` when it is reaped.
void supervisor::custom_control(char command, std::function<void(bool)> then) {
  std::string path = std::string("control/") + command;
  struct stat st;
  if (::stat(path.c_str(), &st) == -1) {
    if (errno != ENOENT) supervise::warn(prefix_, "unable to stat " + path, errno);
    then(false);
    return;
  }
  if (!(st.st_mode & S_IXUSR)) {
    then(false);
    return;
  }
  supervise::spawn_spec spec;
  spec.argv = {path};
  spec.prefix = prefix_;
  spec.reset_signals = {SIGCHLD, SIGTERM};
  spec.stdout_fd = has_log_ ? logpipe_write_.get() : -1;
  spec.exec_failed = "unable to run control/?";
  spec.fd_failed = "unable to setup stdout for " + path;
  pid_t pid = supervise::spawn(spec);
  if (pid == -1) {
    supervise::warn(prefix_, "unable to fork for " + path, errno);
    then(false);
    return;
  }
  script_ = {pid, std::move(then)};
}

// What follows the script runs first. Then, as in runit once its blocked
// TERM is let in, a TERM that came meanwhile is taken on the next turn of the
// loop, like a fresh one; the control bytes queued in the FIFO are read again.
void supervisor::script_ended(int wait_status) {
  auto then = std::move(script_.then);
  script_ = {};
  then(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  if (script_.pid) return;
  if (term_pending_) {
    term_pending_ = false;
    asio::post(io_, [this] {
      if (done_) return;
      on_term();
      settle();
    });
  }
  if (control_parked_) {
    control_parked_ = false;
    arm_control(main_);
  }
}

void supervisor::update(service& svc) {
  supervise::write_status_files(svc.dir, svc.status, svc.pid_changed, prefix_);
  svc.pid_changed = false;
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
