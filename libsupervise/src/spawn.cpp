#include "supervise/spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "supervise/errstr.hpp"

extern char** environ;

namespace supervise {

namespace {

// Everything the child needs, built in the parent: after fork only
// async-signal-safe calls are allowed, so no allocation, no fmt, no locale.
struct child_plan {
  std::vector<char*> argv;
  std::string exec_head;   // "PREFIX: fatal: EXEC_FAILED: "
  std::string chdir_head;
  std::string fd_head;
  std::vector<char> line;  // scratch for head + errstr + "\n"
};

constexpr std::size_t errstr_room = 64;

child_plan make_plan(const spawn_spec& spec) {
  child_plan plan;
  for (const auto& arg : spec.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  const std::string lead = spec.prefix + ": fatal: ";
  plan.exec_head = lead + spec.exec_failed + ": ";
  plan.chdir_head = lead + spec.chdir_failed + ": ";
  plan.fd_head = lead + spec.fd_failed + ": ";
  std::size_t longest = std::max({plan.exec_head.size(), plan.chdir_head.size(),
                                  plan.fd_head.size()});
  plan.line.resize(longest + errstr_room + 1);
  return plan;
}

[[noreturn]] void child_die(child_plan& plan, const std::string& head, int err) noexcept {
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
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(STDERR_FILENO, out + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::_exit(111);
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

[[noreturn]] void run_child(const spawn_spec& spec, child_plan& plan) noexcept {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig : spec.reset_signals) ::sigaction(sig, &dfl, nullptr);
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);

  // runsv sets up the descriptors before changing to ./log.
  if (spec.stdin_fd >= 0 && move_fd(spec.stdin_fd, STDIN_FILENO) == -1)
    child_die(plan, plan.fd_head, errno);
  if (spec.stdout_fd >= 0 && move_fd(spec.stdout_fd, STDOUT_FILENO) == -1)
    child_die(plan, plan.fd_head, errno);
  if (spec.chdir_to && ::chdir(spec.chdir_to) == -1)
    child_die(plan, plan.chdir_head, errno);

  ::execve(plan.argv[0], plan.argv.data(), environ);
  child_die(plan, plan.exec_head, errno);
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
  pid_t pid = ::fork();
  if (pid == 0) run_child(spec, plan);
  int fork_errno = errno;
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  if (pid == -1) errno = fork_errno;
  return pid;
}

}  // namespace supervise
