#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "service.hpp"
#include "supervise/spawn.hpp"

// runsv: supervises S/run and the optional S/log/run
// (spec/runsv.md, spec/supervise-protocol.md).

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
  struct slot {
    service svc;
    std::unique_ptr<boost::asio::posix::stream_descriptor> control;
    std::unique_ptr<boost::asio::steady_timer> throttle;
    std::unique_ptr<boost::asio::posix::stream_descriptor> ready;  // notification-fd's read end
    std::unique_ptr<boost::asio::steady_timer> finish_timer;       // timeout-finish
  };

  void setup();
  void setup_log_dir();
  void open_fifos(slot& s);
  void arm_control(slot& s);
  void arm_signals();
  void on_term();

  void on_control(slot& s);
  void on_child_exit();
  void apply(slot& s, char command);
  void settle();
  bool exit_check();
  void start_needed();

  void start(slot& s);
  void spawn_child(slot& s);
  void start_or_throttle(slot& s);
  bool may_start(const slot& s) const;
  void stop(slot& s, bool term, std::function<void()> then = {});
  void signal_child(slot& s, char command, int sig, std::function<void()> then = {});
  // Runs the main service's control/COMMAND if it is there and executable,
  // then `then(replaced)`: replaced is true when the script exited 0, so the
  // default action is skipped. Without a script `then` runs at once; with
  // one it runs once the script is reaped (script_ended).
  void custom_control(char command, std::function<void(bool)> then);
  void script_ended(int wait_status);
  void child_exited(slot& s, int wait_status);
  void throttle(slot& s, std::chrono::milliseconds delay);
  std::chrono::milliseconds restart_policy(slot& s);
  void write_policy(const std::string& text);
  void essential_ended(int run_wait);
  void watch_readiness(slot& s, supervise::spawn_spec& spec);
  void arm_readiness(slot& s);
  void not_ready(slot& s);
  void limit_finish(slot& s, pid_t pid);
  void arm_health();
  void health_result(int wait_status);
  void health_failed();
  void update(service& svc);

  std::string dir_;
  std::string prefix_;  // "runsv S"
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  slot main_;
  slot log_;
  bool has_log_ = false;
  bool log_told_to_exit_ = false;
  supervise::fd logpipe_read_;
  supervise::fd logpipe_write_;
  bool done_ = false;
  // A running control/X of the main service and what follows it. Meanwhile
  // the main service's control bytes stay in its FIFO (control_parked_),
  // a TERM waits (term_pending_) and the main service is not started.
  struct control_script {
    pid_t pid = 0;
    std::function<void(bool)> then;
  };
  control_script script_;
  bool control_parked_ = false;
  bool term_pending_ = false;
  std::unique_ptr<boost::asio::steady_timer> health_timer_;  // health-check
  pid_t health_pid_ = 0;
  long health_failures_ = 0;
};

// Parses argv and runs; returns the exit code.
int main(int argc, char** argv);

}  // namespace runsv
