#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cgroup.hpp"
#include "supervise/spawn.hpp"

// Beyond runit: with an empty file `kill-tree` in the service directory,
// every end of ./run reaches the processes it started: once ./run has
// exited (after its down-signal, or on its own), whatever is left of its
// tree gets TERM and CONT, then KILL after timeout-kill (2 s without that
// file), and runsv reports the end (./finish, the restart, down) only once
// the tree is empty. timeout-kill's KILL for ./run itself and sv kill's
// reach the whole tree. runsv is then the subreaper of what its services
// leave behind, so the orphans are reaped whatever process 1 does.
//
// The tree is a cgroup v2 of its own where runsv can make one (Linux 5.7,
// a writable cgroup2 mount showing runsv's cgroup): runsv.NAME.PID below
// runsv's cgroup, made at the first ./run, reused by every ./run, removed
// when runsv exits. ./run is born in it (clone3), so nothing it starts
// escapes, not even a daemon that calls setsid. Elsewhere (a read-only or
// cgroup v1 only /sys/fs/cgroup, as in most containers) the tree is ./run's
// process group, silently: ./run gets a session of its own in both modes,
// and a process that leaves the group (setsid, setpgid) escapes it.

namespace runsv {

class process_tree {
 public:
  process_tree(boost::asio::io_context& io, std::string prefix);
  // At runsv's exit: removes the cgroup once empty (waiting up to half a
  // second for one that is emptying); one still in use stays.
  ~process_tree();
  process_tree(const process_tree&) = delete;
  process_tree& operator=(const process_tree&) = delete;
  // Before ./run is spawned: reads kill-tree; with it, a session of its own
  // and, at the first call, the service's cgroup for good (or not at all).
  void prepare(supervise::spawn_spec& spec);
  // ./run started as `pid` (spawned after prepare). A ./run the kernel did
  // not start in the cgroup leaves cgroup mode for good, with a warning.
  void started(pid_t pid);
  // `sig` to the whole tree of ./run `pid`, ./run included. False, nothing
  // sent, without kill-tree or for another pid.
  bool kill_all(pid_t pid, int sig);
  // The down-signal went to ./run `pid`: with kill-tree, timeout-kill's
  // KILL (if the file is there) goes to the whole tree as long as `pid` is
  // the ./run watched, alongside the caller's own for `pid`.
  void stop_signalled(pid_t pid);
  // ./run `pid` was reaped. True when processes of its tree are left: they
  // get TERM, CONT and later KILL, and `done` runs once the tree is empty.
  // False (nothing to wait for, `done` dropped) without kill-tree, for
  // another pid, or when the tree is empty already.
  bool ended(pid_t pid, std::function<void()> done);
  // The cgroup's path while ./run is started in one, else "".
  std::string cgroup_path() const { return cgroup_ ? cgroup_->path() : std::string{}; }

 private:
  void make_cgroup();
  void watch();
  void arm_kill(std::chrono::milliseconds after);
  void signal_all(int sig);
  bool empty() const;
  void finish();

  boost::asio::io_context& io_;
  std::string prefix_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer kill_timer_;
  bool enabled_ = false;
  bool subreaper_ = false;
  bool cgroup_tried_ = false;
  std::unique_ptr<service_cgroup> cgroup_;  // null in process-group mode
  bool in_cgroup_ = false;       // ./run `group_` was born in cgroup_
  bool kill_armed_ = false;      // kill_timer_ holds a KILL for the tree
  pid_t group_ = 0;              // ./run's pid and process group, 0 when none is watched
  std::function<void()> done_;   // the end of ./run, reported once the tree is empty
};

}  // namespace runsv
