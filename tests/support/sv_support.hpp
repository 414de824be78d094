#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "process.hpp"
#include "wait.hpp"

// Helpers for the sv tests: running an sv (ours or Debian's) with a clean
// environment and its resource usage, masking what changes between runs
// (pids, seconds, the version hash, temporary paths), init-script links, and
// waiting until a service has been in its state for more than a second.

namespace test {

// The sv being tested: $SV_UNDER_TEST if set, else the one we built.
std::string sv_under_test();

struct sv_spawn {
  std::string cwd;               // chdir before exec; empty: stay
  std::vector<std::string> env;  // "NAME=value" added (the last of a name wins); SVDIR and SVWAIT are never inherited
  uid_t uid = 0;                 // non-zero: drop to this uid and gid (and no groups) before exec, and
                                 // exec a runnable_by_all copy of argv[0]'s file (argv[0] itself unchanged)
};

struct sv_result {
  std::string out;
  std::string err;
  wait_status status;
  int code = -1;             // exit code, -1 if killed by a signal
  double cpu_seconds = 0;    // user + system time of the process (wait4), children excluded
  double wall_seconds = 0;   // from fork to reaping
};

// A started sv (or any program): stdout and stderr captured, reaped with
// wait4 so its CPU time is known. The destructor SIGKILLs and reaps it if it
// is still running.
class sv_process {
 public:
  sv_process(const std::vector<std::string>& argv, const sv_spawn& opts = {});
  ~sv_process();
  sv_process(const sv_process&) = delete;
  sv_process& operator=(const sv_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Waits for the exit (reading the pipes meanwhile); fails the test at the deadline.
  sv_result finish(std::chrono::milliseconds timeout = 20s);

 private:
  void drain();
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::chrono::steady_clock::time_point started_;
};

// Runs argv to completion (at most timeout).
sv_result run_sv(const std::vector<std::string>& argv, const sv_spawn& opts = {},
                 std::chrono::milliseconds timeout = 20s);

// Masks what differs between runs: "(pid 123)" -> "(pid X)", " 17s" -> " Xs",
// "$Id: <hash> $" -> "$Id: HASH $", and every occurrence of `root` (a
// temporary directory) -> "ROOT".
std::string mask_sv(std::string_view text, std::string_view root = "");

// One line per result: "stdout: ...", "stderr: ..." (masked, "\n" shown as
// "|"), "exit N".
std::string describe_sv(const sv_result& r, std::string_view root = "");

// Creates dir/init.d/name as a symlink to `target` (an sv) and returns its path.
std::string lsb_link(const std::string& dir, const std::string& name, const std::string& target);

// mkfifo with mode 0600.
void make_fifo(const std::string& path);

// Waits until svdir's status record is more than 1.1 s old (its timestamp,
// whole seconds, is then below the start second of any sv started later, and
// runsv's one-second restart throttle no longer applies).
void wait_aged(const std::string& svdir, std::chrono::milliseconds timeout = 10s);

// The last status record's pid, 0 if unreadable.
std::uint32_t status_pid(const std::string& svdir);

}  // namespace test
