#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

// Optional files of a service directory beyond runit, with s6's names and
// meanings. Without them runsv behaves exactly as runit's.
//   notification-fd   the fd on which ./run writes a newline once it is ready
//                     (readiness.hpp)
//   down-signal       the signal that stops the service instead of TERM
//   timeout-finish    milliseconds after which a running ./finish is killed
//   timeout-kill      milliseconds after the down-signal after which ./run is killed
// and, without an s6 equivalent: restart-limit and restart-backoff
// (restart_policy.hpp), health-check (health.hpp) and essential (below).

namespace runsv {

// The first line of `path` as a non-negative integer; nullopt when the file
// is missing or does not hold one.
std::optional<long> read_number_file(const char* path);

// The first two numbers of the first line of `path` ("N T"); nullopt when
// the file is missing or malformed.
std::optional<std::pair<long, long>> read_number_pair(const char* path);

// A signal named as s6 accepts it: "SIGINT", "INT" or a number.
std::optional<int> parse_signal(std::string_view text);

// The signal in the file `path` (down-signal), or SIGTERM.
int down_signal(const char* path);

// s6's timeout-finish and timeout-kill: a child still there the file's
// number of milliseconds after start() gets SIGKILL (no file, or 0: never).
class kill_timer {
 public:
  kill_timer(boost::asio::io_context& io, const char* file) : timer_(io), file_(file) {}
  // Arms the timer for `pid` (./finish started; the down-signal sent to
  // ./run); the KILL goes to `target` (-group with kill-tree), or to pid.
  void start(pid_t pid, pid_t target = 0);
  // The child `pid` was reaped: nothing left to kill if it was this one.
  void reaped(pid_t pid) {
    if (pid != 0 && pid == pid_) {
      pid_ = 0;
      timer_.cancel();
    }
  }

 private:
  boost::asio::steady_timer timer_;
  const char* file_;
  pid_t pid_ = 0;  // the child to kill; 0 once it ended
};

// A service marked with an `essential` file that ends for good (down while
// wanted down) ends its container, with ./run's exit status.
void essential_ended(int run_wait);

}  // namespace runsv
