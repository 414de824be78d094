#include "supervise/spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>
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
  std::vector<std::string> candidates;  // paths to try, in PATH order
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
  const std::string& file = spec.argv[0];
  if (spec.search_path && file.find('/') == std::string::npos) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/bin:/usr/bin";
    for (;;) {
      auto colon = dirs.find(':');
      std::string_view dir = dirs.substr(0, colon);
      plan.candidates.push_back(dir.empty() ? file : std::string(dir) + "/" + file);
      if (colon == std::string_view::npos) break;
      dirs.remove_prefix(colon + 1);
    }
  } else {
    plan.candidates.push_back(file);
  }
  const std::string lead = spec.prefix + ": fatal: ";
  plan.exec_head = lead + spec.exec_failed + ": ";
  plan.chdir_head = lead + spec.chdir_failed + ": ";
  plan.fd_head = lead + spec.fd_failed + ": ";
  std::size_t longest = std::max({plan.exec_head.size(), plan.chdir_head.size(),
                                  plan.fd_head.size()});
  plan.line.resize(longest + errstr_room + 1);
  return plan;
}

[[noreturn]] void child_die(child_plan& plan, const std::string& head, int err, int code) noexcept {
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
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.stdout_fd >= 0 && move_fd(spec.stdout_fd, STDOUT_FILENO) == -1)
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.extra_fd >= 0 && spec.extra_target >= 0 && move_fd(spec.extra_fd, spec.extra_target) == -1)
    child_die(plan, plan.fd_head, errno, spec.exit_code);
  if (spec.chdir_to && ::chdir(spec.chdir_to) == -1)
    child_die(plan, plan.chdir_head, errno, spec.exit_code);

  if (spec.new_session) ::setsid();

  // As execvp: a permission error anywhere on the path is what is reported.
  int err = ENOENT;
  bool denied = false;
  for (const auto& candidate : plan.candidates) {
    ::execve(candidate.c_str(), plan.argv.data(), environ);
    if (errno == EACCES) denied = true;
    else err = errno;
  }
  child_die(plan, plan.exec_head, denied ? EACCES : err, spec.exit_code);
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
