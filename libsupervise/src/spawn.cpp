#include "supervise/spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervise/errstr.hpp"
#include "supervise/pathexec.hpp"

extern char** environ;

namespace supervise {

namespace {

// Everything the child needs, built in the parent: after fork only
// async-signal-safe calls are allowed, so no allocation, no fmt, no locale.
struct child_plan {
  std::vector<char*> argv;
  std::vector<std::string> candidates;  // paths to try, in PATH order
  std::string exec_head;   // "PREFIX: KIND: EXEC_FAILED: "
  std::string chdir_head;
  std::string fd_head;
  std::string ctty_head;   // "PREFIX: warning: CTTY_FAILED: "
  std::vector<std::string> open_heads, create_heads;
  std::vector<char> line;  // scratch for head + errstr + "\n"
};

constexpr std::size_t errstr_room = 64;

std::string head_of(const spawn_spec& spec, std::string_view kind, const std::string& what) {
  std::string head = spec.prefix.empty() ? std::string{} : spec.prefix + ": ";
  head.append(kind);
  head += ": ";
  head += what;
  head += ": ";
  return head;
}

child_plan make_plan(const spawn_spec& spec) {
  child_plan plan;
  for (const auto& arg : spec.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  const std::string& file = spec.path.empty() ? spec.argv[0] : spec.path;
  if (spec.search_path) plan.candidates = exec_candidates(file, std::getenv("PATH"));
  else plan.candidates.push_back(file);
  plan.exec_head = head_of(spec, spec.kind, spec.exec_failed);
  plan.chdir_head = head_of(spec, spec.kind, spec.chdir_failed);
  plan.fd_head = head_of(spec, spec.kind, spec.fd_failed);
  plan.ctty_head = head_of(spec, "warning", spec.ctty_failed);
  std::size_t longest = std::max({plan.exec_head.size(), plan.chdir_head.size(),
                                  plan.fd_head.size(), plan.ctty_head.size(), spec.announce.size()});
  for (const auto& o : spec.opens) {
    plan.open_heads.push_back(head_of(spec, spec.kind, o.failed));
    plan.create_heads.push_back(head_of(spec, spec.kind, o.create_failed));
    longest = std::max({longest, plan.open_heads.back().size(), plan.create_heads.back().size()});
  }
  plan.line.resize(longest + errstr_room + 1);
  return plan;
}

void write_line(const char* out, std::size_t len) noexcept {
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(STDERR_FILENO, out + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
}

void child_say(child_plan& plan, const std::string& head, int err) noexcept {
  char* out = plan.line.data();
  std::size_t len = 0;
  std::memcpy(out, head.data(), head.size());
  len += head.size();
  const char* text = errstr(err);
  std::size_t text_len = std::strlen(text);
  if (text_len > errstr_room) text_len = errstr_room;
  std::memcpy(out + len, text, text_len);
  len += text_len;
  out[len++] = '\n';
  write_line(out, len);
}

[[noreturn]] void child_die(child_plan& plan, const std::string& head, int err, int code) noexcept {
  child_say(plan, head, err);
  ::_exit(code);
}

// dup2 onto `target`; when the fd already is the target, dup2 is a no-op
// that would leave close-on-exec set, so the flag is cleared instead.
int move_fd(int from, int target) noexcept {
  if (from == target) {
    int flags = ::fcntl(from, F_GETFD);
    if (flags == -1) return -1;
    return ::fcntl(from, F_SETFD, flags & ~FD_CLOEXEC);
  }
  int rc;
  do rc = ::dup2(from, target);
  while (rc == -1 && errno == EINTR);
  return rc;
}

int open_retry(const char* path, int flags, mode_t mode) noexcept {
  int fd;
  do fd = ::open(path, flags, mode);
  while (fd == -1 && errno == EINTR);
  return fd;
}

// Opens one spawn_open onto its target (or just creates it when target < 0).
void open_onto(const spawn_open& o, const std::string& head, const std::string& create_head,
               child_plan& plan, int code) noexcept {
  int fd = open_retry(o.path.c_str(), o.flags, o.mode);
  if (fd == -1 && errno == ENOENT && o.create_if_missing) {
    int made = open_retry(o.path.c_str(), O_WRONLY | O_NONBLOCK | O_TRUNC | O_CREAT, o.mode);
    if (made == -1) child_die(plan, create_head, errno, code);
    ::close(made);
    fd = open_retry(o.path.c_str(), o.flags, o.mode);
  }
  if (fd == -1) child_die(plan, head, errno, code);
  if (o.target < 0) {
    ::close(fd);
    return;
  }
  if (fd != o.target) {
    if (move_fd(fd, o.target) == -1) child_die(plan, plan.fd_head, errno, code);
    ::close(fd);
  }
}

[[noreturn]] void run_child(const spawn_spec& spec, child_plan& plan) noexcept {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : spec.reset_signals) ::sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  // First, as svlogd's "processing" line comes before any failure of its opens.
  if (!spec.announce.empty()) write_line(spec.announce.data(), spec.announce.size());

  // runsv sets up the descriptors before changing to ./log.
  if (spec.stdin_fd >= 0 && move_fd(spec.stdin_fd, STDIN_FILENO) == -1)
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.stdout_fd >= 0 && move_fd(spec.stdout_fd, STDOUT_FILENO) == -1)
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.extra_fd >= 0 && spec.extra_target >= 0 && move_fd(spec.extra_fd, spec.extra_target) == -1)
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.chdir_to && ::chdir(spec.chdir_to) == -1)
    child_die(plan, plan.chdir_head, errno, spec.exit_code);
  if (spec.chdir_fd >= 0 && ::fchdir(spec.chdir_fd) == -1)
    child_die(plan, plan.chdir_head, errno, spec.exit_code);
  for (std::size_t i = 0; i < spec.opens.size(); ++i)
    open_onto(spec.opens[i], plan.open_heads[i], plan.create_heads[i], plan, spec.exit_code);
  for (int fd : spec.close_fds) ::close(fd);

  if (spec.ctty) {
    int tty = open_retry(spec.ctty, O_RDWR, 0);
    if (tty == -1) {
      child_say(plan, plan.ctty_head, errno);
    } else {
      ::ioctl(tty, TIOCSCTTY, 0);
      ::dup2(tty, STDIN_FILENO);
      if (tty > 2) ::close(tty);
    }
  }
  if (spec.new_session) ::setsid();

  int err = exec_search(plan.candidates, plan.argv.data(), environ);
  child_die(plan, plan.exec_head, err, spec.exit_code);
}

// The kernel's struct clone_args up to `cgroup` (CLONE_ARGS_SIZE_VER2),
// spelt out rather than taken from <linux/sched.h>, whose CLONE_* macros
// clash with glibc's.
struct clone_args_v2 {
  std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};
constexpr std::uint64_t clone_into_cgroup = 0x200000000ULL;

// fork(), with the child born in the cgroup `dir`. glibc has no clone3
// wrapper: the raw call, without CLONE_VM and with no stack of its own,
// returns twice like fork; the child only makes async-signal-safe calls
// (no atfork handlers, no locks to reset). -1 with errno on failure.
pid_t fork_into_cgroup(int dir) noexcept {
#ifdef SYS_clone3
  clone_args_v2 args{};
  args.flags = clone_into_cgroup;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<std::uint64_t>(dir);
  return static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
#else
  (void)dir;
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace

pid_t spawn(const spawn_spec& spec) {
  if (spec.argv.empty()) {
    errno = EINVAL;
    return -1;
  }
  child_plan plan = make_plan(spec);

  // With every signal blocked across fork, no inherited handler can run in
  // the child before its dispositions are reset (an asio handler there would
  // write into the parent's signal pipe).
  sigset_t all, saved;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &saved);
  pid_t pid = spec.cgroup_fd >= 0 ? fork_into_cgroup(spec.cgroup_fd) : -1;
  if (pid == -1) pid = ::fork();
  if (pid == 0) run_child(spec, plan);
  int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  if (pid == -1) errno = fork_errno;
  return pid;
}

}  // namespace supervise
