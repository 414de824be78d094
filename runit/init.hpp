#pragma once

#include <functional>
#include <set>
#include <string>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "guard.hpp"
#include "supervise/spawn.hpp"

// runit as process 1 (spec/runit.md §2): stages 1, 2 and 3, the CONT/INT
// protocol of stage 2, reaping every orphan, halt or reboot at the end.
// Beyond runit, in a container (supervise::in_container(), asked when it
// matters) TERM is a halt request: stage 2 stops, stage 3 runs while the
// runsv processes still supervise their services, then every runsv left
// stops its service (finish scripts run, loggers drain), and runit exits
// with the container's exit code. Nothing blocks: every wait is a child's
// exit seen on SIGCHLD or an asio timer; no handler's exception ends it.

namespace runit {

inline constexpr int exit_not_pid1 = 111;

class init {
 public:
  init();
  // Boots and runs the stages. Returns only in a container (its exit code).
  int run();

 private:
  // After stage 3: the phases that are no stage of runit's.
  static constexpr int stage_wait_runsvs = 4;  // container: the runsv processes stop
  static constexpr int stage_drain = 5;        // container: TERM/KILL to all, reap all
  static constexpr int stage_halted = 6;       // machine: power off asked for

  void boot();
  void start_stage(int n);
  void on_signal(int sig);
  void reap();
  void post_reap();
  void stage_exited(pid_t pid, int wait_status);
  void stage2_crashed(pid_t pid);
  void stage2_requests();
  void handle_conts();
  void run_ctrlaltdel();
  void start_ctrlaltdel();
  pid_t spawn_or_retry(const supervise::spawn_spec& spec, boost::asio::steady_timer& timer,
                       std::function<void()> retry);
  void ctrlaltdel_exited(int wait_status);
  void stop_stage2();
  void term_stage2();
  void collect_runsvs(pid_t root);
  void halt_request();
  void finish();
  void halt_machine();
  void finish_container();
  void drain_container();
  void drained();
  void reopen_console();
  std::string stage_path(int n) const;

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  signal_watch watch_;
  boost::asio::steady_timer timer_;        // stage 2's stop, its restart pause, the stop budget
  boost::asio::steady_timer stage_retry_;  // a failed fork for a stage
  boost::asio::steady_timer cad_retry_;    // a failed fork for ctrlaltdel
  boost::asio::steady_timer drain_timer_;  // TERM to all, then KILL
  int stage_ = 0;
  pid_t stage_pid_ = 0;
  pid_t cad_pid_ = 0;
  bool cad_running_ = false;  // ctrlaltdel asked for and not yet ended
  int conts_ = 0;
  int ints_ = 0;
  bool stopping_ = false;  // stage 2 was told to stop (stopit or halt request)
  bool halting_ = false;   // a container halt was requested
  int exit_code_ = 0;      // a container's exit code unless the exit code file says otherwise
  std::set<pid_t> runsvs_; // runsv processes told to stop after stage 3, until reaped
  bool draining_ = false;
  bool done_ = false;
};

// runit's main: refuses unless it is process 1.
int main(int argc, char** argv);

}  // namespace runit
