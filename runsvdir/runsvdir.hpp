#pragma once

#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "options.hpp"
#include "supervise/fd.hpp"

// runsvdir: one runsv per service directory in DIR (spec/runsvdir.md).
// Beyond runit: DIR is watched with inotify, so a new service is picked up
// at once; the periodic rescan stays for what watching cannot see.

namespace runsvdir {

inline constexpr std::size_t max_services = 1000;

struct service_entry {
  dev_t dev = 0;
  ino_t ino = 0;
  pid_t pid = 0;     // its runsv, 0 if none
  bool gone = false; // not seen in the current scan
};

class scanner {
 public:
  explicit scanner(options o);
  // Supervises until TERM (returns 0) or HUP (returns 111).
  // Throws supervise::fatal_error.
  int run();

 private:
  void setup_log();
  void arm_signals();
  void on_signal(int sig);
  void reap();
  void halt();
  void request_scan();
  void scan_if_changed();
  void scan_now();
  void scan_entries();
  void return_to_original_dir();
  void confirm_gone();
  void start_runsv(service_entry& e, const std::string& name);
  void schedule_check(int seconds);
  void arm_periodic();

  bool watch_dir();
  void arm_inotify();
  void arm_log_pipe();
  void log_tick();

  options opt_;
  std::string prefix_;  // "runsvdir DIR"
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer periodic_;
  boost::asio::steady_timer check_timer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer pause_timer_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::vector<int> watches_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> log_pipe_;
  supervise::fd original_dir_;
  std::vector<service_entry> services_;
  bool halting_ = false;    // a container's TERM: stopping the tree
  bool watching_ = false;   // DIR is watched by inotify
  bool check_ = true;        // rescan even if DIR looks unchanged
  bool scan_posted_ = false;
  bool check_armed_ = false;
  bool pausing_ = false;    // back to the original directory failed: no scan until it works
  struct timespec last_mtime_ {};
  dev_t last_dev_ = 0;
  ino_t last_ino_ = 0;
  int exit_code_ = -1;
};

// Parses argv and runs; returns the exit code.
int main(int argc, char** argv);

}  // namespace runsvdir
