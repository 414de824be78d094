#pragma once

#include <functional>
#include <string>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "supervise/spawn.hpp"

// Beyond runit: with an empty file `kill-tree` in the service directory,
// ./run starts in a session (and so a process group) of its own, and every
// end of ./run reaches the processes it started: once ./run has exited
// (after its down-signal, or on its own), whatever is left in its process
// group gets TERM and CONT, then KILL after timeout-kill (2 s without that
// file), and runsv reports the end (./finish, the restart, down) only once
// the group is empty. timeout-kill's KILL for ./run itself goes to the whole
// group. runsv is then the subreaper of what its services leave behind, so
// the group's orphans are reaped whatever process 1 does.
// A process that leaves the group (setsid, setpgid) escapes it.

namespace runsv {

class process_tree {
 public:
  process_tree(boost::asio::io_context& io, std::string prefix);
  // Before ./run is spawned: reads kill-tree; with it, a session of its own.
  void prepare(supervise::spawn_spec& spec);
  // ./run started as `pid` (spawned after prepare).
  void started(pid_t pid);
  // What timeout-kill's SIGKILL for ./run `pid` goes to: -group with kill-tree.
  pid_t kill_target(pid_t pid) const noexcept { return enabled_ && pid == group_ ? -group_ : pid; }
  // ./run `pid` was reaped. True when processes of its group are left: they
  // get TERM, CONT and later KILL, and `done` runs once the group is empty.
  // False (nothing to wait for, `done` dropped) without kill-tree, for
  // another pid, or when the group is empty already.
  bool ended(pid_t pid, std::function<void()> done);

 private:
  void poll();
  bool empty() const noexcept;
  void finish();

  std::string prefix_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer kill_timer_;
  bool enabled_ = false;
  bool subreaper_ = false;
  pid_t group_ = 0;              // ./run's process group, 0 when none is watched
  std::function<void()> done_;   // the end of ./run, reported once the group is empty
};

}  // namespace runsv
