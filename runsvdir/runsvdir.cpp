#include "runsvdir.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <new>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "proctitle.hpp"
#include "supervise/container.hpp"
#include "supervise/fatal.hpp"

namespace runsvdir {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto log_tick_interval = 900s;
// A container runtime kills everything 10 s after its TERM.
constexpr auto halt_budget = 8s;
constexpr auto halt_term_grace = 1s;
// runsvdir's own descriptors: 0-2, the log pipe, two inotify instances, the
// original directory, DIR, a scan's DIR and one run file being looked at.
constexpr rlim_t fds_needed = 32;

}  // namespace

void ensure_fd_room() {
  struct rlimit rl;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == -1) return;
  if (rl.rlim_cur >= fds_needed || rl.rlim_cur >= rl.rlim_max) return;
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

scanner::scanner(options o)
    : opt_(std::move(o)),
      prefix_("runsvdir " + opt_.dir),
      signals_(io_, SIGCHLD, SIGTERM, SIGHUP),
      periodic_(io_),
      check_timer_(io_),
      tick_timer_(io_),
      pause_timer_(io_),
      restart_timer_(io_),
      orphan_timer_(io_),
      pending_(io_, opt_.dir, prefix_, table_, dir_fd_, [this](const service_key& key) {
        service_entry* e = table_.find(key);
        if (!e) return;
        e->pending = false;
        start_runsv(key);
      }) {}

int scanner::run() {
  signals_.add(SIGALRM);
  // The lease taken to see whether run is being written (service_check.hpp)
  // is broken with SIGIO if a writer comes in the moment it is held.
  signals_.add(SIGIO);
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
  if (exit_code_ < 0) run_loop();
  return exit_code_;
}

// Out of memory in a handler is reported once and the loop goes on: every
// handler re-arms its wait before it works, so none is lost, and the
// services already running are not touched.
void scanner::run_loop() {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::bad_alloc&) {
      if (!out_of_memory_) supervise::warn(prefix_, "out of memory");
      out_of_memory_ = true;
      if (exit_code_ >= 0) return;
      io_.restart();
    }
  }
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
                          arm_log_pipe();
                          char buf[1024];
                          ssize_t n;
                          while ((n = ::read(log_pipe_->native_handle(), buf, sizeof buf)) > 0)
                            proctitle_append({opt_.log, opt_.log_len},
                                             {buf, static_cast<std::size_t>(n)});
                        });
}

void scanner::arm_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    arm_signals();
    on_signal(sig);
  });
}

void scanner::on_signal(int sig) {
  switch (sig) {
    case SIGCHLD: reap(); return;
    case SIGALRM: scan_now(); return;  // Debian's forced rescan
    case SIGIO: return;
    case SIGTERM:
      if (supervise::in_container()) {
        halt();
        return;
      }
      exit_code_ = exit_term;  // the runsv processes keep running
      break;
    case SIGHUP:
      if (halting_ || hup_stopping_) return;
      if (read_dependencies()) {
        // Beyond runit: with dependencies.d, in order, and exit once done.
        hup_stopping_ = true;
        stop_in_order_then_exit();
        return;
      }
      term_every_runsv();
      exit_code_ = exit_hup;
      break;
  }
  io_.stop();
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
  stop_tree([this] {
    ::kill(-1, SIGTERM);
    check_timer_.expires_after(halt_term_grace);
    check_timer_.async_wait([](const boost::system::error_code& ec) {
      if (!ec) ::kill(-1, SIGKILL);
    });
  });
}

// Stops every runsv in dependencies.d order, no service started or
// restarted meanwhile; `after_budget` runs if some are still there then.
void scanner::stop_tree(std::function<void()> after_budget) {
  periodic_.cancel();
  check_timer_.cancel();
  restart_timer_.cancel();
  begin_ordered_stop();
  check_timer_.expires_after(halt_budget);
  check_timer_.async_wait([after_budget = std::move(after_budget)](const boost::system::error_code& ec) {
    if (!ec) after_budget();
  });
  reap();
}

void scanner::term_every_runsv() {
  table_.for_each([](const service_key&, service_entry& e) {
    if (e.pid) ::kill(e.pid, SIGTERM);
  });
}

// HUP with dependencies.d: runit's runsvdir TERMs every runsv and exits 111
// at once; this one TERMs them in order and exits 111 once every runsv has
// exited, or after the budget, when the rest get their TERM together.
void scanner::stop_in_order_then_exit() {
  stop_tree([this] {
    term_every_runsv();
    exit_code_ = exit_hup;
    io_.stop();
  });
}

int main(int argc, char** argv) {
  auto opt = parse_options(argc, argv);
  if (!opt) return supervise::usage(argv[0] ? argv[0] : "runsvdir", "[-P] dir", exit_usage);
  std::string prefix = "runsvdir " + opt->dir;
  return supervise::run_main(prefix, [&] {
    // Before the scanner: its io_context, signal set and timers take
    // descriptors as they are made.
    ensure_fd_room();
    scanner s(std::move(*opt));
    return s.run();
  }, exit_fatal);
}

}  // namespace runsvdir
