#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <utility>

// Beyond runit, without an s6 equivalent (pure logic; the supervisor reads
// the files and writes supervise/restart-policy):
//   restart-limit     "N T": after N exits within T seconds the service is
//                     left down (want down), as if `sv down` had been given
//   restart-backoff   "FIRST MAX": milliseconds before a restart, doubling
//                     with each exit up to MAX, back to FIRST once a run
//                     lasted MAX or longer

namespace runsv {

struct restart_config {
  std::optional<std::pair<long, long>> limit;    // restart-limit
  std::optional<std::pair<long, long>> backoff;  // restart-backoff
};

struct restart_history {
  std::deque<std::chrono::steady_clock::time_point> exits;  // within the limit's window
  int backoff_step = 0;  // consecutive quick exits
  std::chrono::steady_clock::time_point run_started;        // of the current ./run
};

struct restart_decision {
  bool give_up = false;             // leave the service down, want down
  std::chrono::milliseconds delay{0};  // before the restart
  std::string policy;               // for supervise/restart-policy ("" : leave it)
};

// Called when ./run ended while the service is wanted up.
restart_decision decide_restart(restart_history& h, const restart_config& cfg,
                                std::chrono::steady_clock::time_point now);

}  // namespace runsv
