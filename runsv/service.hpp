#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <sys/types.h>

#include "supervise/fd.hpp"
#include "supervise/status.hpp"

// One supervised service as runsv sees it: the main service in S, or the
// log service in S/log. The state machine that drives it is the supervisor.

namespace runsv {

struct service {
  bool is_log = false;
  std::string dir;          // "supervise" or "log/supervise"
  supervise::status status; // what supervise/status says
  bool pid_changed = false; // supervise/pid must be rewritten
  int last_wait = 0;        // wait status of the child that went down, for ./finish
  int run_wait = 0;         // wait status of the last ./run
  bool throttled = false;   // a restart waits for the throttle timer
  bool once_pending = false;// an 'o' arrived while throttled
  bool replacing = false;   // a start replaces the child 'k' left (runsv forgets it)
  std::chrono::steady_clock::time_point run_started;  // of the current ./run
  std::deque<std::chrono::steady_clock::time_point> exits;  // for restart-limit
  int backoff_step = 0;     // consecutive quick exits, for restart-backoff
  supervise::fd lock;
  supervise::fd control_writer;
  supervise::fd ok;

  bool running() const noexcept { return status.state == supervise::state::run; }
};

// The two arguments of ./finish for a wait status of ./run: "N" "0" after
// exit(N); "-1" "SIG" (plus 128 when a core was dumped) after a signal.
struct finish_args {
  std::string exit_code;
  std::string signal;
};
finish_args finish_args_of(int wait_status);

}  // namespace runsv
