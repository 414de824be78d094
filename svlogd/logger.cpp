#include "logger.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <new>
#include <stdexcept>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include "pattern.hpp"
#include "stamp.hpp"
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
    out_on_ = true;
    if (!opt_.out_name->empty()) out_prefix_ = *opt_.out_name + ": ";
    // A reader that goes away gives EPIPE instead of killing svlogd. Blocked,
    // not ignored: a processor child starts with an empty mask and SIG_DFL.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    ::sigprocmask(SIG_BLOCK, &pipe, nullptr);
  }
  if (opt_.replace) {
    for (int c = 0; c < 256; ++c) replace_table_[c] = c < 32 || c > 126;
    for (unsigned char c : opt_.replace_set) replace_table_[c] = true;
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
  if (!any && !out_on_) no_dirs();
}

bool logger::any_dir_open() const {
  for (const auto& d : dirs_)
    if (d->is_open()) return true;
  return false;
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
  feed({input_.data(), static_cast<std::size_t>(n)}, tv);
  flush_all();
}

void logger::feed(std::string_view data, const timeval& tv) {
  std::string stamp;
  if (opt_.stamp != stamp_kind::none) stamp = format_stamp(opt_.stamp, tv) + " ";
  const std::size_t len = opt_.linelen;
  while (!data.empty()) {
    if (!line_.active) {
      line_.active = true;
      line_.stamp = stamp;
      line_.head.clear();
      line_.head_done = false;
    }
    const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
    std::size_t seg = nl ? static_cast<std::size_t>(nl - data.data()) : data.size();
    std::string_view part = data.substr(0, seg);
    if (!line_.head_done) {
      std::size_t take = std::min(part.size(), len - line_.head.size());
      std::size_t at = line_.head.size();
      line_.head.append(part.substr(0, take));
      if (opt_.replace)
        for (std::size_t i = at; i < line_.head.size(); ++i)
          if (replace_table_[static_cast<unsigned char>(line_.head[i])]) line_.head[i] = opt_.replacement;
      part.remove_prefix(take);
      if (line_.head.size() == len) finish_head();
    }
    // The rest of a long line goes to the log as it is, without replacement.
    if (!part.empty()) emit_selected(part);
    if (!nl) return;
    if (!line_.head_done) finish_head();
    emit_selected("\n");
    line_.active = false;
    data.remove_prefix(seg + 1);
  }
}

// The head is complete: select the line per directory, copy it to stderr and
// UDP, and queue it for the directories that log it.
void logger::finish_head() {
  line_.head_done = true;
  const bool cut = line_.head.size() == opt_.linelen;
  if (out_on_) {
    out_copy_ += line_.stamp;
    out_copy_ += out_prefix_;
    out_copy_ += line_.head;
  }
  for (auto& dp : dirs_) {
    logdir& d = *dp;
    if (!d.is_open()) continue;
    const config& c = d.cfg();
    if (!c.rules.empty()) {
      d.log_selected = true;
      d.err_selected = false;
      for (const auto& r : c.rules) {
        if (!pattern_match(r.pattern, line_.head)) continue;
        if (r.op == '+') d.log_selected = true;
        else if (r.op == '-') d.log_selected = false;
        else if (r.op == 'e') d.err_selected = true;
        else d.err_selected = false;
      }
    }
    if (d.err_selected) {
      err_copy_ += line_.stamp;
      err_copy_ += c.prefix;
      err_copy_ += line_.head;
      if (cut) err_copy_ += "...";
      err_copy_ += '\n';
    }
    if (!d.log_selected) continue;
    if (c.udp.sin_port != 0) send_udp(d, line_.stamp + c.prefix + line_.head + (cut ? "..." : "") + "\n");
    if (c.udp_only) continue;
    d.emit(line_.stamp);
    d.emit(c.prefix);
    d.emit(line_.head);
  }
}

void logger::emit_selected(std::string_view data) {
  if (out_on_) out_copy_ += data;
  for (auto& d : dirs_)
    if (d->is_open() && d->log_selected && !d->cfg().udp_only) d->emit(data);
}

void logger::send_udp(logdir& d, const std::string& payload) {
  const config& c = d.cfg();
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s == -1) {
    d.emit("warning: no udp socket available: " + line_.stamp + c.prefix + line_.head + "\n");
    return;
  }
  ssize_t n = ::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&c.udp),
                       sizeof c.udp);
  ::close(s);
  if (n != static_cast<ssize_t>(payload.size()))
    d.emit("warning: failure sending through udp: " + payload);
}

void logger::flush_all() {
  for (auto& d : dirs_) d->flush();
  if (!err_copy_.empty()) {
    supervise::write_all(2, err_copy_);
    err_copy_.clear();
  }
  write_stdout(false);
}

// -o: one write of this read's complete lines to standard output (a line
// still open stays queued, so that lines of services sharing the container's
// stdout do not mix, unless it is longer than a read). Nothing is dropped:
// EAGAIN waits for room, other errors pause 3 s and retry, as for current;
// only EPIPE/EBADF (no reader, no stdout) end the copy, with one warning.
void logger::write_stdout(bool all) {
  if (!out_on_ || out_copy_.empty()) return;
  std::size_t n = out_copy_.size();
  if (!all && out_copy_.back() != '\n') {
    std::size_t nl = out_copy_.rfind('\n');
    std::size_t complete = nl == std::string::npos ? 0 : nl + 1;
    if (n - complete <= read_size) n = complete;
  }
  std::string_view data(out_copy_.data(), n);
  while (!data.empty()) {
    ssize_t w = ::write(1, data.data(), data.size());
    if (w >= 0) {
      data.remove_prefix(static_cast<std::size_t>(w));
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      pollfd p{1, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (err == EPIPE || err == EBADF) {
      supervise::warn(prog, "unable to write to standard output, stopping the copy", err);
      out_on_ = false;
      out_copy_.clear();
      if (!any_dir_open()) no_dirs();
      return;
    }
    supervise::write_stderr(supervise::diagnostic(prog, "pausing", "unable to write to standard output", err));
    ::sleep(3);
  }
  out_copy_.erase(0, n);
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
  flush_all();
  if (got_alrm_) {
    got_alrm_ = false;
    for (auto& d : dirs_) d->rotate();
  }
  if (got_term_ && !draining_) {
    if (!line_.active) {
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
  deadline_timer_.expires_after(std::chrono::milliseconds(wait_ms));
  deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !done_) housekeeping();
  });
}

void logger::finish() {
  if (done_) return;
  done_ = true;
  flush_all();
  // A long line cut by EOF went out in part, as to the directories: end it,
  // so that the next writer on a shared stdout starts a line of its own.
  if (out_on_ && !out_copy_.empty() && out_copy_.back() != '\n') out_copy_ += '\n';
  write_stdout(true);
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
