#include "init.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <vector>

#include "supervise/container.hpp"
#include "supervise/errstr.hpp"
#include "supervise/fatal.hpp"

extern char** environ;

namespace runit {

using namespace std::chrono_literals;

namespace {

constexpr const char* etc = RUNIT_ETC;
constexpr const char* stopit = RUNIT_STOPIT_FILE;
constexpr const char* reboot_flag = RUNIT_REBOOT_FILE;
constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $";
constexpr auto pause_between_tries = 5s;
// A container runtime kills everything 10 s after its TERM: the services get
// most of that, then whatever is left gets TERM, then KILL.
constexpr auto container_stop_budget = 8s;
constexpr auto container_term_grace = 1s;

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

void reset_signals() {
  for (int sig : {SIGCHLD, SIGCONT, SIGINT, SIGTERM, SIGPWR, SIGHUP, SIGALRM, SIGPIPE}) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// The child side of a stage (or ctrlaltdel): clean signals, announce, exec.
// runit's child exits 0 when the exec fails.
[[noreturn]] void exec_child(const std::string& path) {
  reset_signals();
  say("enter stage: " + path);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  ::execve(path.c_str(), argv, environ);
  fatal("unable to start child: " + path, errno);
  ::_exit(0);
}

std::string comm_of(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/comm";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return {};
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n - (buf[n - 1] == '\n' ? 1 : 0)));
}

}  // namespace

init::init() : signals_(io_, SIGCHLD, SIGCONT, SIGINT), timer_(io_) {
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
  container_ = supervise::in_container();
  if (container_) {
    ::unlink(supervise::exit_code_file);
  } else {
    ::reboot(RB_DISABLE_CAD);  // ctrl-alt-del becomes SIGINT to us
  }
  say(std::string(version_id) + ": booting.");
}

int init::run() {
  boot();
  arm_signals();
  start_stage(1);
  io_.run();
  return exit_code_;
}

void init::start_stage(int n) {
  stage_ = n;
  const std::string path = stage_path(n);
  for (;;) {
    pid_t pid = ::fork();
    if (pid > 0) {
      stage_pid_ = pid;
      return;
    }
    if (pid == 0) break;
    fatal("unable to fork for \"" + path + "\" pausing", errno);
    ::sleep(5);
  }
  if (n == 1) {
    // Stage 1 gets the console as its controlling terminal.
    int tty = ::open("/dev/console", O_RDWR);
    if (tty == -1) {
      warn(std::string("unable to open /dev/console: ") + supervise::errstr(errno));
    } else {
      ::ioctl(tty, TIOCSCTTY, 0);
      ::dup2(tty, 0);
      if (tty > 2) ::close(tty);
    }
  } else {
    ::setsid();
  }
  exec_child(path);
}

void init::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec || done_) return;
    on_signal(sig);
    if (!done_) arm_signals();
  });
}

void init::on_signal(int sig) {
  switch (sig) {
    case SIGCHLD: reap(); break;
    case SIGCONT: ++conts_; break;
    case SIGINT: ++ints_; break;
    case SIGTERM:
      // runit ignores TERM; a container runtime means "stop".
      if (container_) halt_request();
      return;
    case SIGPWR: halt_request(); return;
  }
  reopen_console();
  if (sig == SIGCHLD || (!conts_ && !ints_)) return;
  if (stage_ != 2) {
    warn("signals only work in stage 2.");
    conts_ = ints_ = 0;
    return;
  }
  stage2_requests();
}

// Every orphan of the system ends up here.
void init::reap() {
  for (;;) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid == -1 && errno == EINTR) continue;
    if (pid <= 0) break;
    runsvs_.erase(pid);
    if (pid == stage_pid_) {
      stage_pid_ = 0;
      stage_exited(pid, ws);
      if (done_) return;
    }
  }
  if (stage_ == 4 && runsvs_.empty()) drain_container();
}

void init::stage_exited(pid_t pid, int ws) {
  const std::string path = stage_path(stage_);
  const bool crashed = WIFSIGNALED(ws);
  const int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 0;
  if (stage_ == 2 && stopping_) {
    timer_.cancel();
    say("leave stage: " + path);
    next_stage(3);
    return;
  }
  if (crashed) warn("child crashed: " + path);
  else if (code != 0) warn("child failed: " + path);
  switch (stage_) {
    case 1:
      say("leave stage: " + path);
      if (crashed || code == 100 || halting_) {
        warn("skipping stage 2...");
        next_stage(3);
      } else {
        next_stage(2);
      }
      return;
    case 2:
      if ((crashed || code == 111) && !(container_ && !exists(std::string(etc) + "/restart2"))) {
        warn("killing all processes in stage 2...");
        ::kill(-pid, SIGKILL);
        timer_.expires_after(pause_between_tries);
        timer_.async_wait([this](const boost::system::error_code& ec) {
          if (ec) return;
          if (halting_) {
            // A halt request came during the pause: stage 2 stays down.
            say("leave stage: " + stage_path(2));
            next_stage(3);
            return;
          }
          warn("restarting.");
          start_stage(2);
        });
        return;
      }
      // In a container a stage 2 that ends on its own ends the container
      // with its exit status.
      if (container_ && !halting_) {
        exit_code_ = supervise::exit_code_of(ws);
        // Its runsv processes are ours now: they stop their services in
        // order while stage 3 runs.
        collect_runsvs(::getpid());
        for (pid_t p : runsvs_) ::kill(p, SIGTERM);
      }
      say("leave stage: " + path);
      next_stage(3);
      return;
    default:
      say("leave stage: " + path);
      finish();
      return;
  }
}

void init::next_stage(int n) { start_stage(n); }

void init::stage2_requests() {
  if (ints_) {
    ints_ = 0;
    if (executable(std::string(etc) + "/ctrlaltdel")) {
      run_ctrlaltdel();
      ++conts_;
    }
  }
  if (conts_) {
    conts_ = 0;
    if (executable(stopit)) {
      ::chmod(stopit, 0);
      stop_stage2();
    }
  }
}

void init::run_ctrlaltdel() {
  const std::string path = std::string(etc) + "/ctrlaltdel";
  say("ctrl-alt-del request...");
  pid_t pid;
  while ((pid = ::fork()) == -1) {
    fatal("unable to fork for \"" + path + "\" pausing", errno);
    ::sleep(5);
  }
  if (pid == 0) exec_child(path);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) == -1 && errno == EINTR) {
  }
  if (WIFSIGNALED(ws)) warn("child crashed: " + path);
  say("leave stage: " + path);
}

// runit's stop: TERM to the stage 2 process only, five seconds, then KILL.
// In a container every runsv below stage 2 is told to stop as well, so the
// services stop in order (TERM, finish, the logger drains) while stage 2 goes.
void init::stop_stage2() {
  if (stopping_ || !stage_pid_) return;
  stopping_ = true;
  if (container_) collect_runsvs(stage_pid_);
  ::kill(stage_pid_, SIGTERM);
  for (pid_t p : runsvs_) ::kill(p, SIGTERM);
  timer_.expires_after(5s);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || !stage_pid_ || stage_ != 2) return;
    warn("stage 2 not terminated, sending sigkill...");
    ::kill(stage_pid_, SIGKILL);
  });
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
  if (container_ && !supervise::read_exit_code()) supervise::write_exit_code(0);
  if (stage_ == 2) stop_stage2();
  // In stage 1 the halt waits for it to end and then skips stage 2;
  // in stage 3 the system is already going down.
}

void init::finish() {
  reopen_console();
  if (container_) {
    finish_container();
    return;
  }
  say("sending KILL signal to all processes...");
  ::kill(-1, SIGKILL);
  pid_t pid = ::fork();
  if (pid <= 0) {
    power_off();
    if (pid == 0) ::_exit(0);
  }
  while (pid > 0 && ::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
  for (;;) ::pause();
}

void init::power_off() {
  const bool nosync = exists(std::string(etc) + "/nosync");
  if (executable(reboot_flag)) {
    say("system reboot.");
    if (!nosync) ::sync();
    ::reboot(RB_AUTOBOOT);
    return;
  }
  say("power off...");
  if (!nosync) ::sync();
  ::reboot(RB_POWER_OFF);
  ::sleep(2);
  say("system halt.");
  if (!nosync) ::sync();
  ::reboot(RB_HALT_SYSTEM);
}

// After stage 3 in a container: let the runsv processes finish their
// services, then TERM what is left, then KILL, reap it all and exit.
void init::finish_container() {
  stage_ = 4;
  if (runsvs_.empty()) {
    drain_container();
    return;
  }
  timer_.expires_after(container_stop_budget);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) drain_container();
  });
}

void init::drain_container() {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  ::kill(-1, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + container_term_grace;
  for (;;) {
    pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
    if (pid == -1 && errno == ECHILD) break;
    if (pid > 0) continue;
    if (std::chrono::steady_clock::now() >= deadline) {
      say("sending KILL signal to all processes...");
      ::kill(-1, SIGKILL);
      while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
      }
      break;
    }
    ::usleep(5000);
  }
  if (auto code = supervise::read_exit_code()) exit_code_ = *code;
  io_.stop();
}

int main(int argc, char** argv) {
  if (::getpid() != 1) {
    supervise::write_stderr("- runit: fatal: must be run as process no 1.\n");
    return exit_not_pid1;
  }
  init i;
  return i.run();
}

}  // namespace runit
