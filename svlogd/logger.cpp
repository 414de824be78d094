#include "logger.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <new>
#include <stdexcept>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include "supervise/fatal.hpp"

namespace svlogd {

namespace asio = boost::asio;

namespace {

constexpr const char* prog = "svlogd";
// Large reads are where the speed is; -b only bounds what runit would read.
constexpr std::size_t read_size = 128 * 1024;
constexpr double max_wait = 2744;  // runit never waits longer

[[noreturn]] void no_dirs() { throw supervise::fatal_error{exit_fatal, "no functional log directories.", 0}; }

}  // namespace

logger::logger(options o)
    : opt_(std::move(o)), deadline_timer_(io_) {
  // A signalfd instead of handlers: pending signals are looked at before
  // every read, in runit's order, and never kill svlogd during start-up.
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGALRM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd == -1) throw supervise::fatal_error{exit_fatal, "unable to create signalfd", errno};
  signals_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  if (opt_.out_name) {
    // A reader that goes away gives EPIPE instead of killing svlogd. Blocked,
    // not ignored: a processor child starts with an empty mask and SIG_DFL.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe, nullptr);
  }
  // -b is only checked against -l: reads are read_size whatever it says, so
  // a huge -b costs nothing (runit's alloc() takes it modulo 2^32).
  input_.resize(read_size);
}

void logger::info(const char* msg) const {
  if (opt_.verbose) supervise::write_stderr(std::string("svlogd: info: ") + msg + "\n");
}

void logger::open_all(bool startup) {
  if (startup) {
    dir_settings set{opt_.verbose, opt_.linelen};
    for (const auto& name : opt_.dirs) dirs_.push_back(std::make_unique<logdir>(name, set));
  }
  bool any = false;
  for (auto& d : dirs_) {
    if (!startup) d->close();
    any |= d->open(original_dir_.get());
  }
  // With -o, standard output is enough (no directory at all is valid).
  if (!any && !router_.stdout_on()) no_dirs();
}

int logger::run() {
  original_dir_ = supervise::open_fd(".", O_RDONLY | O_CLOEXEC);
  if (!original_dir_)
    throw supervise::fatal_error{exit_fatal, "unable to open current working directory", errno};
  open_all(true);
  struct stat st;
  pollable_ = ::fstat(0, &st) == -1 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
  // A close-on-exec copy: a processor must not hold the log pipe open.
  int in = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  if (in == -1) throw supervise::fatal_error{exit_fatal, "unable to duplicate standard input", errno};
  stdin_ = std::make_unique<asio::posix::stream_descriptor>(io_, in);
  if (pollable_) stdin_->non_blocking(true);
  int flags = ::fcntl(0, F_GETFL);
  if (flags != -1) ::fcntl(0, F_SETFL, flags | O_NONBLOCK);  // as runit does, shared with the writer
  arm_signals();
  housekeeping();
  if (!done_) io_.run();
  return exit_ok;
}

void logger::arm_input() {
  if (input_armed_) return;
  input_armed_ = true;
  if (!pollable_) {
    // Regular files and directories cannot be polled; they are always readable.
    asio::post(io_, [this] {
      input_armed_ = false;
      if (done_) return;
      on_input();
      if (!done_) housekeeping();
    });
    return;
  }
  stdin_->async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    input_armed_ = false;
    if (ec == asio::error::operation_not_supported && !done_) {
      // epoll refuses some descriptors (/dev/null): like regular files,
      // reading them never blocks.
      pollable_ = false;
      arm_input();
      return;
    }
    if (ec || done_) return;
    on_input();
    if (!done_) housekeeping();
  });
}

void logger::on_input() {
  // After TERM in the middle of a line runit reads one byte at a time until
  // the line ends, drops it, and leaves whatever follows in the pipe.
  // Signals first, as runit handles them before each read.
  if (take_signals()) return;
  std::size_t want = draining_ ? 1 : input_.size();
  ssize_t n = ::read(stdin_->native_handle(), input_.data(), want);
  if (n == -1) {
    if (errno == EAGAIN || errno == EINTR) return;
    supervise::warn(prog, "unable to read standard input", errno);
    finish();
    return;
  }
  if (n == 0) {
    finish();
    return;
  }
  if (draining_) {
    if (input_[0] == '\n') finish();
    return;
  }
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  router_.feed({input_.data(), static_cast<std::size_t>(n)}, tv);
  router_.flush();
}

void logger::arm_signals() {
  signals_->async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || done_) return;
    take_signals();
    housekeeping();
    if (!done_) arm_signals();
  });
}

// Reads the pending signals; true if one of them needs housekeeping.
bool logger::take_signals() {
  signalfd_siginfo si;
  while (::read(signals_->native_handle(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    switch (si.ssi_signo) {
      case SIGTERM: info("sigterm received."); got_term_ = true; break;
      case SIGALRM: info("sigalarm received."); got_alrm_ = true; break;
      case SIGHUP: info("sighangup received."); got_hup_ = true; break;
      case SIGCHLD: info("sigchild received."); reap(); break;
    }
  }
  return got_alrm_ || (got_term_ && !draining_) || got_hup_;
}

void logger::reap() {
  int ws;
  pid_t pid;
  while ((pid = ::waitpid(-1, &ws, WNOHANG)) > 0 || (pid == -1 && errno == EINTR)) {
    if (pid <= 0) continue;
    for (auto& d : dirs_)
      if (d->processor_pid() == pid) d->processor_exited(ws);
  }
}

// runit's order before each read (§11.2): flush, ALRM, TERM, HUP, timers.
void logger::housekeeping() {
  take_signals();
  router_.flush();
  if (got_alrm_) {
    got_alrm_ = false;
    for (auto& d : dirs_) d->rotate();
  }
  if (got_term_ && !draining_) {
    if (!router_.line_open()) {
      finish();
      return;
    }
    draining_ = true;
  }
  if (got_hup_) {
    got_hup_ = false;
    open_all(false);
  }
  arm_deadline();
  arm_input();
}

void logger::arm_deadline() {
  double now = wall_now();
  double next = now + max_wait;
  for (auto& d : dirs_) {
    double due = d->rotate_if_due(now);
    if (due) next = std::min(next, due);
  }
  auto wait_ms = static_cast<long>(std::max(next - now, 0.0) * 1000) + 1;
  auto at = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  // Re-arming costs a system call per read: a wake-up that is due no later
  // does as well (it only runs this housekeeping, which arms the next).
  if (deadline_armed_ && deadline_timer_.expiry() <= at) return;
  deadline_armed_ = true;
  deadline_timer_.expires_at(at);
  deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // replaced by a nearer wake-up, which is armed
    deadline_armed_ = false;
    if (!done_) housekeeping();
  });
}

void logger::finish() {
  if (done_) return;
  done_ = true;
  router_.finish();
  for (auto& d : dirs_) {
    d->wait_processor();
    d->close();
  }
  io_.stop();
}

int main(int argc, char** argv) {
  // run_main first gives closed descriptors 0, 1 and 2 /dev/null, before
  // anything is opened that could take their numbers.
  return supervise::run_main(
      prog,
      [&] {
        auto opt = parse_options(argc, argv);
        if (!opt) return exit_fatal;
        try {
          logger l(std::move(*opt));
          return l.run();
        } catch (const std::bad_alloc&) {
          throw supervise::fatal_error{exit_fatal, "out of memory.", 0};  // runit's words
        } catch (const std::length_error&) {
          throw supervise::fatal_error{exit_fatal, "out of memory.", 0};
        }
      },
      exit_fatal);
}

}  // namespace svlogd
