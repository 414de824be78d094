#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

// Starting a child the way runsv does: fork, reset the signal mask and the
// dispositions of the signals the parent catches, set up fds 0/1, chdir,
// execve. All work in the child is async-signal-safe.

namespace supervise {

struct spawn_spec {
  std::vector<std::string> argv;  // argv[0] is the path executed
  const char* chdir_to = nullptr; // chdir before exec (nullptr: stay)
  int stdin_fd = -1;              // dup2'd onto 0 when >= 0
  int stdout_fd = -1;             // dup2'd onto 1 when >= 0
  // Another descriptor for the child: `extra_fd` dup2'd onto `extra_target`
  // (s6's notification-fd) when both are >= 0.
  int extra_fd = -1;
  int extra_target = -1;
  // Signals reset to SIG_DFL in the child (the mask is always emptied).
  std::vector<int> reset_signals;
  // Printed by the child as "PREFIX: fatal: WHAT: ERRSTR" before _exit(111)
  // when exec fails; the chdir and dup2 failures use their own texts below.
  std::string prefix;             // e.g. "runsv svc"
  std::string exec_failed;        // e.g. "unable to start ./run"
  std::string chdir_failed;       // e.g. "unable to change directory to ./log"
  std::string fd_failed;          // e.g. "unable to setup filedescriptor for ./run"
  // Look argv[0] up in PATH (default "/bin:/usr/bin") when it has no '/'.
  bool search_path = false;
  bool new_session = false;       // setsid() before exec (runsvdir -P)
  int exit_code = 111;            // of the child when it fails
};

// Forks and execs. Returns the child's pid, or -1 with errno when fork fails.
// The caller is responsible for boost::asio's notify_fork if it uses one.
pid_t spawn(const spawn_spec& spec);

}  // namespace supervise
