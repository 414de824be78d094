#pragma once

#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

// Beyond runit: with a `health-check` file ("INTERVAL FAILURES", seconds
// and a count) runsv runs ./check every INTERVAL seconds while the service
// runs; after FAILURES failed checks in a row it stops ./run (down-signal
// or TERM, then CONT) so that it is restarted, within the restart policy.
// A check still running at the next interval counts as failed and is killed.

namespace runsv {

class health_check {
 public:
  // `running_pid` gives the pid of the main ./run while it runs, else 0;
  // `stdout_fd` is the log pipe's write end or -1.
  health_check(boost::asio::io_context& io, std::string prefix, std::function<pid_t()> running_pid,
               std::function<int()> stdout_fd)
      : io_(io), prefix_(std::move(prefix)), running_pid_(std::move(running_pid)), stdout_fd_(std::move(stdout_fd)) {}
  // ./run started: the count starts again and the first check is scheduled.
  void started();
  // The child `pid` was reaped; true if it was the check.
  bool reaped(pid_t pid, int wait_status);

 private:
  void arm();
  void failed();

  boost::asio::io_context& io_;
  std::string prefix_;
  std::function<pid_t()> running_pid_;
  std::function<int()> stdout_fd_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  pid_t pid_ = 0;
  long failures_ = 0;
};

}  // namespace runsv
