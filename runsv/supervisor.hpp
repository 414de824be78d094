#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core.hpp"
#include "dependencies.hpp"
#include "extensions.hpp"
#include "health.hpp"
#include "kill_tree.hpp"
#include "readiness.hpp"
#include "supervise/fd.hpp"

// runsv: supervises S/run and the optional S/log/run
// (spec/runsv.md, spec/supervise-protocol.md). The supervisor owns the
// files, the FIFOs, the children and the timers; it feeds what happens to
// the state machine (core.hpp) and performs the actions it returns.

namespace runsv {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_fatal = 111;

class supervisor {
 public:
  // `dir` is the service directory exactly as given on the command line.
  explicit supervisor(std::string dir);
  // Sets up S/supervise (and S/log/supervise) and supervises until the main
  // service is down with want exit. Throws supervise::fatal_error.
  int run();

 private:
  // The files and descriptors of one service.
  struct slot {
    std::string dir;  // "supervise" or "log/supervise"
    supervise::fd lock;
    supervise::fd control_writer;
    supervise::fd ok;
    std::unique_ptr<boost::asio::posix::stream_descriptor> control;
    std::unique_ptr<boost::asio::steady_timer> throttle;
  };

  // setup.cpp
  void setup();
  void locate();
  bool find_log_dir();
  void make_dirs();
  void open_fifos(slot& s);

  slot& slot_of(which w) noexcept { return w == which::main ? main_ : log_; }
  void arm_control(which w);
  void arm_signals();
  void on_control(which w);
  void settle();
  void update_hold();
  // Reaps every child that ended and tells the core.
  void reap();
  // Performs `list` in order; what an action gives back (a pid, a script
  // that is not there) goes to the core at once, and the actions that
  // answer come before the rest of the list.
  void dispatch(actions list);
  actions perform(const action& a);
  actions spawn(which w, bool finish, int last_wait);
  actions run_control(char command);
  exit_facts facts_for(pid_t pid, int wait_status);
  int child_stdout() const noexcept;

  std::string dir_;
  std::string prefix_;  // "runsv S"
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::optional<core> core_;
  slot main_;
  slot log_;
  supervise::fd logpipe_read_;
  supervise::fd logpipe_write_;
  pid_t script_pid_ = 0;      // a running control/X
  bool control_parked_ = false;  // the main FIFO waits for its end
  readiness readiness_;
  health_check health_;
  kill_timer finish_limit_;    // timeout-finish
  kill_timer kill_limit_;      // timeout-kill
  kill_timer log_kill_limit_;  // log/timeout-kill
  process_tree tree_;          // kill-tree
  std::string scan_dir_;       // where the service's siblings are (dependencies.d)
  std::string self_;           // the service's name there
  std::unique_ptr<dependencies> deps_;  // made once dependencies.d is seen
};

// Parses argv and runs; returns the exit code.
int main(int argc, char** argv);

}  // namespace runsv
