#include "init.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <exception>
#include <vector>

#include <boost/asio/post.hpp>

#include "supervise/container.hpp"
#include "supervise/errstr.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"
#include "supervise/spawn.hpp"

namespace runit {

using namespace std::chrono_literals;

namespace {

constexpr const char* etc = RUNIT_ETC;
constexpr const char* stopit = RUNIT_STOPIT_FILE;
constexpr const char* reboot_flag = RUNIT_REBOOT_FILE;
constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $";
constexpr auto pause_between_tries = 5s;
constexpr auto stage2_stop_wait = 5s;
// A container runtime kills everything 10 s after its TERM: the services get
// most of that, then whatever is left gets TERM, then KILL.
constexpr auto container_stop_budget = 8s;
constexpr auto container_term_grace = 1s;

// The signals runit catches or ignores: a child gets them back at default
// (an ignored disposition would survive exec).
const std::vector<int> runit_signals = {SIGCHLD, SIGCONT, SIGINT,  SIGTERM,
                                        SIGPWR,  SIGHUP,  SIGALRM, SIGPIPE};

void say(const std::string& msg) { supervise::write_stderr("- runit: " + msg + "\n"); }
void warn(const std::string& msg) { supervise::write_stderr("- runit: warning: " + msg + "\n"); }
void fatal(const std::string& msg, int err) {
  supervise::write_stderr("- runit: fatal: " + msg + ": " + supervise::errstr(err) + "\n");
}

// runit's test: stat() succeeds and the owner execute bit is set.
bool executable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IXUSR);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A stage or ctrlaltdel: it announces itself; runit's child exits 0 when
// the exec fails.
supervise::spawn_spec child_spec(const std::string& path) {
  supervise::spawn_spec spec;
  spec.argv = {path};
  spec.reset_signals = runit_signals;
  spec.announce = "- runit: enter stage: " + path + "\n";
  spec.prefix = "- runit";
  spec.exec_failed = "unable to start child: " + path;
  spec.exit_code = 0;
  return spec;
}

std::string comm_of(pid_t pid) {
  auto text = supervise::read_file(("/proc/" + std::to_string(pid) + "/comm").c_str());
  if (!text) return {};
  if (!text->empty() && text->back() == '\n') text->pop_back();
  return *text;
}

// The child's side of the halt: only async-signal-safe calls (it is forked
// by hand with every signal blocked, and never execs).
void power_off(bool reboot, bool nosync) noexcept {
  if (reboot) {
    supervise::write_stderr("- runit: system reboot.\n");
    if (!nosync) ::sync();
    ::reboot(RB_AUTOBOOT);
    return;
  }
  supervise::write_stderr("- runit: power off...\n");
  if (!nosync) ::sync();
  ::reboot(RB_POWER_OFF);
  ::sleep(2);
  supervise::write_stderr("- runit: system halt.\n");
  if (!nosync) ::sync();
  ::reboot(RB_HALT_SYSTEM);
}

}  // namespace

init::init()
    : signals_(io_, SIGCHLD, SIGCONT, SIGINT),
      watch_(signals_, [this](int sig) { on_signal(sig); }, [this] { post_reap(); }),
      timer_(io_),
      stage_retry_(io_),
      cad_retry_(io_),
      drain_timer_(io_) {
  signals_.add(SIGTERM);
  signals_.add(SIGPWR);  // Debian's runit: a shutdown request (UPS)
  // runit keeps these blocked: PID 1 never dies of them.
  for (int sig : {SIGHUP, SIGALRM, SIGPIPE}) ::signal(sig, SIG_IGN);
}

std::string init::stage_path(int n) const { return std::string(etc) + "/" + std::to_string(n); }

void init::reopen_console() {
  int fd = ::open("/dev/console", O_WRONLY | O_NOCTTY);
  if (fd == -1) return;
  if (fd != 2) {
    ::dup2(fd, 2);
    ::close(fd);
  }
}

void init::boot() {
  ::setsid();
  int fd = ::open("/dev/console", O_WRONLY | O_NOCTTY);
  if (fd != -1) {
    for (int target : {0, 1, 2}) ::dup2(fd, target);
    if (fd > 2) ::close(fd);
  }
  // Whether this is a container is asked when it matters (/proc may not be
  // mounted yet): a stale exit code must never decide, and ctrl-alt-del
  // becomes SIGINT to us (in a PID namespace the kernel refuses: harmless).
  ::unlink(supervise::exit_code_file);
  ::reboot(RB_DISABLE_CAD);
  say(std::string(version_id) + ": booting.");
}

int init::run() {
  guarded([this] { boot(); });
  watch_.arm();
  guarded([this] { start_stage(1); });
  while (!done_) {
    // Every handler is guarded; this catches what escapes anyway (the
    // signal wait failing to re-arm) and goes on: process 1 never dies.
    guarded([this] { io_.run(); });
    if (done_) break;
    io_.restart();
    guarded([this] { watch_.arm(); });
  }
  return exit_code_;
}

void init::start_stage(int n) {
  stage_ = n;
  auto spec = child_spec(stage_path(n));
  if (n == 1) {
    // Stage 1 gets the console as its controlling terminal.
    spec.ctty = "/dev/console";
    spec.ctty_failed = "unable to open /dev/console";
  } else {
    spec.new_session = true;
  }
  pid_t pid = spawn_or_retry(spec, stage_retry_, [this, n] { start_stage(n); });
  if (pid == -1) return;
  stage_pid_ = pid;
  // A stop asked for while the fork was retried reaches stage 2 now.
  if (n == 2 && stopping_) term_stage2();
}

void init::on_signal(int sig) {
  if (done_) return;
  switch (sig) {
    case SIGCHLD: reap(); break;
    case SIGCONT: ++conts_; break;
    case SIGINT: ++ints_; break;
    case SIGTERM:
      // runit ignores TERM; a container runtime means "stop".
      if (supervise::in_container()) halt_request();
      return;
    case SIGPWR: halt_request(); return;
  }
  if (done_) return;
  reopen_console();
  if (sig == SIGCHLD || (!conts_ && !ints_)) return;
  if (stage_ > stage_wait_runsvs) {
    conts_ = ints_ = 0;
    return;
  }
  if (stage_ != 2) {
    warn("signals only work in stage 2.");
    conts_ = ints_ = 0;
    return;
  }
  stage2_requests();
}

// A reap that a failed handler may have cut short.
void init::post_reap() {
  boost::asio::post(io_, [this] { guarded([this] { reap(); }); });
}

// Every orphan of the system ends up here.
void init::reap() {
  for (;;) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid == -1 && errno == EINTR) continue;
    if (pid == -1 && errno == ECHILD && draining_) {
      drained();
      return;
    }
    if (pid <= 0) break;
    runsvs_.erase(pid);
    if (pid == cad_pid_) {
      ctrlaltdel_exited(ws);
    } else if (pid == stage_pid_) {
      stage_pid_ = 0;
      stage_exited(pid, ws);
    }
    if (done_) return;
  }
  if (stage_ == stage_wait_runsvs && runsvs_.empty()) drain_container();
}

void init::stage_exited(pid_t pid, int ws) {
  const std::string path = stage_path(stage_);
  const bool crashed = WIFSIGNALED(ws);
  const int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 0;
  if (stage_ == 2 && stopping_) {
    timer_.cancel();
    say("leave stage: " + path);
    start_stage(3);
    return;
  }
  if (crashed) warn("child crashed: " + path);
  else if (code != 0) warn("child failed: " + path);
  switch (stage_) {
    case 1:
      say("leave stage: " + path);
      if (crashed || code == 100 || halting_) {
        warn("skipping stage 2...");
        start_stage(3);
      } else {
        start_stage(2);
      }
      return;
    case 2:
      if ((crashed || code == 111) &&
          !(supervise::in_container() && !exists(std::string(etc) + "/restart2"))) {
        stage2_crashed(pid);
        return;
      }
      // In a container a stage 2 that ends on its own ends the container
      // with its exit status; its runsv processes (ours now) keep their
      // services up for stage 3.
      if (!halting_ && supervise::in_container()) exit_code_ = supervise::exit_code_of(ws);
      say("leave stage: " + path);
      start_stage(3);
      return;
    default:
      say("leave stage: " + path);
      finish();
      return;
  }
}

void init::stage2_crashed(pid_t pid) {
  warn("killing all processes in stage 2...");
  ::kill(-pid, SIGKILL);
  timer_.expires_after(pause_between_tries);
  timer_.async_wait(on_timer([this] {
    if (stopping_ || halting_) {
      // A stop or halt request came during the pause: stage 2 stays down.
      say("leave stage: " + stage_path(2));
      start_stage(3);
      return;
    }
    warn("restarting.");
    start_stage(2);
  }));
}

void init::stage2_requests() {
  // Requests wait while ctrlaltdel runs (runit waits for it).
  if (cad_running_) return;
  if (ints_) {
    ints_ = 0;
    if (executable(std::string(etc) + "/ctrlaltdel")) {
      run_ctrlaltdel();
      return;
    }
  }
  handle_conts();
}

void init::handle_conts() {
  if (!conts_) return;
  conts_ = 0;
  if (executable(stopit)) {
    ::chmod(stopit, 0);
    stop_stage2();
  }
}

void init::run_ctrlaltdel() {
  say("ctrl-alt-del request...");
  cad_running_ = true;
  start_ctrlaltdel();
}

// Spawns a stage or ctrlaltdel (spec.argv[0]); when fork fails, says so as
// runit does and calls `retry` after runit's pause. -1 then.
pid_t init::spawn_or_retry(const supervise::spawn_spec& spec, boost::asio::steady_timer& timer,
                           std::function<void()> retry) {
  pid_t pid = supervise::spawn(spec);
  if (pid != -1) return pid;
  const int err = errno;
  fatal("unable to fork for \"" + spec.argv[0] + "\" pausing", err);
  timer.expires_after(pause_between_tries);
  timer.async_wait(on_timer(std::move(retry)));
  return -1;
}

void init::start_ctrlaltdel() {
  auto spec = child_spec(std::string(etc) + "/ctrlaltdel");
  spec.new_session = true;
  if (pid_t pid = spawn_or_retry(spec, cad_retry_, [this] { start_ctrlaltdel(); }); pid != -1) cad_pid_ = pid;
}

// Then runit acts as if CONT had come too.
void init::ctrlaltdel_exited(int ws) {
  const std::string path = std::string(etc) + "/ctrlaltdel";
  cad_pid_ = 0;
  cad_running_ = false;
  if (WIFSIGNALED(ws)) warn("child crashed: " + path);
  say("leave stage: " + path);
  if (stage_ != 2) {
    conts_ = ints_ = 0;
    return;
  }
  ++conts_;
  handle_conts();
  if (ints_ && stage_ == 2) stage2_requests();
}

// runit's stop: TERM to the stage 2 process only, five seconds, then KILL.
// The runsv processes below it stay up for stage 3 (runit's stage 3 stops
// the services with sv).
void init::stop_stage2() {
  if (stopping_) return;
  stopping_ = true;
  if (stage_pid_) term_stage2();
  // Without a stage 2 process (a fork being retried, the restart pause)
  // the stop takes effect when it starts or when the pause ends.
}

void init::term_stage2() {
  ::kill(stage_pid_, SIGTERM);
  timer_.expires_after(stage2_stop_wait);
  timer_.async_wait(on_timer([this] {
    if (!stage_pid_ || stage_ != 2) return;
    warn("stage 2 not terminated, sending sigkill...");
    ::kill(stage_pid_, SIGKILL);
  }));
}

// The runsv processes below `root` (not those below a runsv: its services).
void init::collect_runsvs(pid_t root) {
  std::deque<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t p = todo.front();
    todo.pop_front();
    for (pid_t kid : supervise::children_of(p)) {
      if (comm_of(kid) == "runsv") runsvs_.insert(kid);
      else todo.push_back(kid);
    }
  }
}

void init::halt_request() {
  if (halting_) return;
  halting_ = true;
  // A requested halt ends with 0 unless stage 3 or a finish script says
  // otherwise; an essential service that goes down now must not override it.
  if (supervise::in_container() && !supervise::read_exit_code()) supervise::write_exit_code(0);
  if (stage_ == 2) stop_stage2();
  // In stage 1 the halt waits for it to end and then skips stage 2;
  // in stage 3 the system is already going down.
}

void init::finish() {
  reopen_console();
  if (supervise::in_container()) {
    finish_container();
    return;
  }
  say("sending KILL signal to all processes...");
  ::kill(-1, SIGKILL);
  stage_ = stage_halted;
  halt_machine();
}

// runit powers off in a child and waits for it forever; we go on reaping.
// Not spawn(): the child runs reboot(2), it does not exec.
void init::halt_machine() {
  const bool reboot = executable(reboot_flag);
  const bool nosync = exists(std::string(etc) + "/nosync");
  sigset_t all, saved;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &saved);
  pid_t pid = ::fork();
  if (pid == 0) {
    power_off(reboot, nosync);
    ::_exit(0);
  }
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  // Without a child runit does it itself.
  if (pid == -1) power_off(reboot, nosync);
}

// After stage 3 in a container: the runsv processes still running (now
// ours) stop their services in order, then whatever is left gets TERM,
// then KILL, and runit exits.
void init::finish_container() {
  stage_ = stage_wait_runsvs;
  collect_runsvs(::getpid());
  for (pid_t p : runsvs_) ::kill(p, SIGTERM);
  if (runsvs_.empty()) {
    drain_container();
    return;
  }
  timer_.expires_after(container_stop_budget);
  timer_.async_wait(on_timer([this] { drain_container(); }));
}

void init::drain_container() {
  if (draining_) return;
  draining_ = true;
  stage_ = stage_drain;
  timer_.cancel();
  ::kill(-1, SIGTERM);
  drain_timer_.expires_after(container_term_grace);
  drain_timer_.async_wait(on_timer([this] {
    say("sending KILL signal to all processes...");
    ::kill(-1, SIGKILL);
  }));
  // Nothing may be left to signal: reaping finds out.
  post_reap();
}

void init::drained() {
  done_ = true;
  timer_.cancel();
  drain_timer_.cancel();
  if (auto code = supervise::read_exit_code()) exit_code_ = *code;
  io_.stop();
}

int main(int, char**) {
  supervise::ensure_std_fds();
  if (::getpid() != 1) {
    supervise::write_stderr("- runit: fatal: must be run as process no 1.\n");
    return exit_not_pid1;
  }
  try {
    init i;
    return i.run();
  } catch (...) {
    auto e = std::current_exception();
    guarded([&] { supervise::write_stderr("- runit: fatal: " + supervise::describe_exception(e) + "\n"); });
  }
  // No event loop to be had: a container ends, a machine's process 1 can
  // only go on reaping.
  if (supervise::in_container()) return exit_not_pid1;
  for (;;) {
    if (::waitpid(-1, nullptr, 0) == -1 && errno == ECHILD) ::sleep(1);
  }
}

}  // namespace runit
