#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

// What /proc tells about a process beyond its state letter (proc_state in
// service.hpp) and its command line (proc_cmdline in runsvdir_support.hpp):
// the system call it is blocked in, its children (zombies included), its
// pending signals. For tests that wait until a supervisor and everything it
// started have nothing left to do.

namespace test {

struct proc_syscall {
  enum kind_t {
    gone,        // no such process (or a zombie)
    unreadable,  // /proc/PID/syscall not readable (no ptrace access)
    running,     // on a CPU or runnable: in no blocking call
    blocked,     // sleeping; nr is the system call (-1: sleeping outside one, e.g. stopped)
  } kind = gone;
  long nr = -1;
};

// The first field of /proc/PID/syscall.
proc_syscall read_proc_syscall(pid_t pid);
// The children of every thread of pid, zombies included
// (/proc/PID/task/*/children; without CONFIG_PROC_CHILDREN, a scan of /proc).
std::vector<pid_t> proc_children(pid_t pid);
// True if a signal is pending for the thread or the process (SigPnd, ShdPnd).
bool proc_signal_pending(pid_t pid);
// Bytes waiting to be read in the pipe or FIFO fd refers to (FIONREAD), -1 on error.
int unread_bytes(int fd);

}  // namespace test
