#pragma once

#include <fcntl.h>
#include <string>
#include <sys/types.h>
#include <vector>

// Starting a child: every fork of the suite goes through spawn(). It builds
// everything the child needs before fork and blocks every signal across it;
// the child resets the signal mask and the dispositions of the signals the
// parent catches, sets up its descriptors and directory, and execs. All work
// in the child is async-signal-safe. Order in the child: signals, announce,
// stdin / stdout / extra fd, chdir or fchdir, opens, closes, controlling
// terminal, new session, exec. A child given a cgroup is born in it.

namespace supervise {

// A file the child opens (relative to its new directory) onto `target`.
struct spawn_open {
  std::string path;
  int flags = O_RDONLY;
  mode_t mode = 0644;
  int target = -1;
  // When the open fails with ENOENT, create an empty file (O_WRONLY |
  // O_CREAT, `mode`) and open it again; `create_failed` names that step.
  bool create_if_missing = false;
  std::string failed;         // e.g. "unable to open input for processor: NAME"
  std::string create_failed;
};

struct spawn_spec {
  std::vector<std::string> argv;  // argv[0] is the path executed unless `path` is set
  std::string path;               // the file executed, when not argv[0]
  const char* chdir_to = nullptr; // chdir before exec (nullptr: stay)
  int chdir_fd = -1;              // fchdir to it before exec when >= 0
  int stdin_fd = -1;              // dup2'd onto 0 when >= 0
  int stdout_fd = -1;             // dup2'd onto 1 when >= 0
  // Another descriptor for the child: `extra_fd` dup2'd onto `extra_target`
  // (s6's notification-fd) when both are >= 0.
  int extra_fd = -1;
  int extra_target = -1;
  std::vector<spawn_open> opens;  // in order, after the directory change
  std::vector<int> close_fds;     // closed in the child after the opens
  // Opened O_RDWR, made the controlling terminal (TIOCSCTTY) and put on fd 0;
  // on failure "PREFIX: warning: CTTY_FAILED: ERRSTR" and the child goes on.
  const char* ctty = nullptr;
  std::string ctty_failed;
  // Signals reset to SIG_DFL in the child (the mask is always emptied).
  std::vector<int> reset_signals;
  // Written to stderr by the child first, before any step that may fail.
  std::string announce;
  // Printed by the child as "PREFIX: KIND: WHAT: ERRSTR" before
  // _exit(exit_code) when exec fails (an empty prefix leaves out "PREFIX: ");
  // the chdir, dup2 and open failures use their own texts.
  std::string prefix;             // e.g. "runsv svc"
  std::string kind = "fatal";     // "warning" for sv's ./check
  std::string exec_failed;        // e.g. "unable to start ./run"
  std::string chdir_failed;       // e.g. "unable to change directory to ./log"
  std::string fd_failed;          // e.g. "unable to setup filedescriptor for ./run"
  // Look the file up in PATH (default "/bin:/usr/bin") when it has no '/',
  // with runit's rules (supervise/pathexec.hpp).
  bool search_path = false;
  bool new_session = false;       // setsid() before exec (runsvdir -P)
  // A cgroup v2 directory (an O_DIRECTORY descriptor) the child is created
  // in when >= 0, by clone3 with CLONE_INTO_CGROUP (Linux 5.7), so that
  // nothing it starts is ever outside. Where the kernel cannot or will not
  // (no clone3, the move refused), a plain fork: the child runs in the
  // parent's cgroup, and the caller tells from /proc/PID/cgroup.
  int cgroup_fd = -1;
  int exit_code = 111;            // of the child when it fails
};

// Forks and execs. Returns the child's pid, or -1 with errno when fork fails.
// The caller is responsible for boost::asio's notify_fork if it uses one.
pid_t spawn(const spawn_spec& spec);

}  // namespace supervise
