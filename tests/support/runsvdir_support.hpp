#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

// runsvdir under test: a temporary tree with a PATH directory whose `runsv`
// is the one chosen, a service directory, a staging directory to build
// services in, and a guard that stops runsvdir and everything below it by pid.

namespace test {

// The runsvdir being tested: $RUNSVDIR_UNDER_TEST if set (e.g. Debian's, to
// check a test against runit), else ours. Our runsvchdir. Debian's are
// reference_bin("runsvdir") and /usr/sbin/runsvchdir.
std::string runsvdir_under_test();
std::string runsvchdir_under_test();
inline constexpr const char* reference_runsvchdir = "/usr/sbin/runsvchdir";

// Fields of /proc/PID/stat (after the command), nullopt if the process is gone.
struct proc_stat {
  char state = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
};
std::optional<proc_stat> read_proc_stat(pid_t pid);
// /proc/PID/cmdline split at NULs (empty if the process is gone).
std::vector<std::string> proc_cmdline(pid_t pid);
// voluntary + nonvoluntary context switches of PID, nullopt if gone.
std::optional<std::uint64_t> context_switches(pid_t pid);
// Live (non-zombie) processes whose parent is `parent`, by scanning /proc.
std::vector<pid_t> children_of(pid_t parent);
// User + system CPU time of PID in clock ticks, nullopt if gone.
std::optional<std::uint64_t> cpu_ticks(pid_t pid);
// True while pid exists and is not a zombie.
bool alive(pid_t pid);
// The target of a symlink (e.g. /proc/PID/cwd), "" if unreadable.
std::string read_link(const std::string& path);

// True if one of pid's inotify descriptors watches the inode of `path`
// (its /proc/PID/fdinfo lists each watch with the inode in hex).
bool inotify_watches(pid_t pid, const std::string& path);
// Non-overlapping occurrences of `needle` in `text`.
std::size_t count_of(std::string_view text, std::string_view needle);

// Every process below `root` is stopped (SIGSTOP, top-down, until the tree
// no longer grows), then all of them and root are SIGKILLed. Never by name.
void kill_tree(pid_t root) noexcept;

// The temporary tree: ROOT/bin/runsv -> the runsv given, ROOT/service (the
// directory runsvdir watches), ROOT/stage (where services are built).
class runsvdir_tree {
 public:
  explicit runsvdir_tree(const std::string& runsv_binary);
  const std::string& root() const noexcept { return dir_.path(); }
  std::string bin() const { return dir_ / "bin"; }
  std::string service() const { return dir_ / "service"; }
  std::string stage() const { return dir_ / "stage"; }
  // service()/name
  std::string svc(std::string_view name) const { return service() + "/" + std::string(name); }
  // PATH=bin:/usr/bin:/bin, for the runsvdir process.
  std::string path_env() const { return "PATH=" + bin() + ":/usr/bin:/bin"; }
  // Builds stage()/name with a run script (default `exec sleep 1000`) and
  // returns its path.
  std::string stage_service(std::string_view name, std::string_view run_body = "exec sleep 1000\n") const;
  // Builds the service in stage() and renames it into service().
  std::string add_service(std::string_view name, std::string_view run_body = "exec sleep 1000\n") const;

 private:
  temp_dir dir_;
};

// How a runsvdir is started, beyond its arguments.
struct runsvdir_launch {
  std::string binary = runsvdir_under_test();
  std::string cwd;                   // default: tree.root()
  std::vector<std::string> wrapper;  // put before the binary, e.g. {"/usr/bin/setpriv", ...}
  bool close_std_fds = false;        // started with descriptors 0, 1 and 2 closed
};

// A started runsvdir (in its own session, stderr captured). The destructor
// kills it and everything below it (kill_tree).
class runsvdir_instance {
 public:
  // argv after the program name, e.g. {"-P", tree.service()}.
  runsvdir_instance(const runsvdir_tree& tree, std::vector<std::string> args,
                    std::string binary = runsvdir_under_test());
  runsvdir_instance(const runsvdir_tree& tree, std::vector<std::string> args, runsvdir_launch how);
  ~runsvdir_instance();
  runsvdir_instance(const runsvdir_instance&) = delete;
  runsvdir_instance& operator=(const runsvdir_instance&) = delete;

  pid_t pid() const noexcept { return proc_.pid(); }
  process& proc() noexcept { return proc_; }
  // Children of runsvdir whose argv is {"runsv", name}.
  std::vector<pid_t> runsv_for(std::string_view name);
  // Every runsv child, by name (a name may appear twice: that is a bug).
  std::vector<std::pair<std::string, pid_t>> runsv_children();
  // Waits until exactly one runsv runs for `name` and returns its pid.
  pid_t wait_runsv(std::string_view name, std::chrono::milliseconds timeout = 10s);
  // Waits until no runsv child runs for `name`.
  void wait_no_runsv(std::string_view name, std::chrono::milliseconds timeout = 10s);
  // Waits until `pid` is gone or a zombie.
  void wait_gone(pid_t pid, std::chrono::milliseconds timeout = 10s);
  // Adds a fresh service named `name` and waits for its runsv: every change
  // made before this call has been seen by the scan that started it.
  pid_t barrier(const runsvdir_tree& tree, std::string_view name);
  // runsvdir's title argument (argv[2] or argv[3]) as in /proc/PID/cmdline.
  std::string title();

 private:
  process proc_;
};

}  // namespace test
