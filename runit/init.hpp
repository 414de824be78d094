#pragma once

#include <set>
#include <string>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

// runit as process 1 (spec/runit.md §2): stages 1, 2 and 3, the CONT/INT
// protocol of stage 2, reaping every orphan, halt or reboot at the end.
// Beyond runit, in a container (PID 1 of a PID namespace) TERM is a halt
// request: every runsv stops its service (finish scripts run, loggers drain),
// stage 3 runs, and runit exits with the container's exit code.

namespace runit {

inline constexpr int exit_not_pid1 = 111;

class init {
 public:
  init();
  // Boots and runs the stages. Returns only in a container (its exit code).
  int run();

 private:
  void boot();
  void start_stage(int n);
  void arm_signals();
  void on_signal(int sig);
  void reap();
  void stage_exited(pid_t pid, int wait_status);
  void next_stage(int n);
  void stage2_requests();
  void run_ctrlaltdel();
  void stop_stage2();
  void collect_runsvs(pid_t root);
  void halt_request();
  void finish();
  void finish_container();
  void drain_container();
  void power_off();
  void reopen_console();
  std::string stage_path(int n) const;

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer timer_;
  bool container_ = false;
  int stage_ = 0;
  pid_t stage_pid_ = 0;
  int conts_ = 0;
  int ints_ = 0;
  bool stopping_ = false;  // stage 2 was told to stop (stopit or halt request)
  bool halting_ = false;   // a container halt was requested
  int exit_code_ = 0;      // a container's exit code unless the exit code file says otherwise
  std::set<pid_t> runsvs_; // runsv processes told to stop, until reaped
  bool done_ = false;
};

// runit's main: refuses unless it is process 1.
int main(int argc, char** argv);

}  // namespace runit
