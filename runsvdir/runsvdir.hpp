#pragma once

#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "options.hpp"
#include "pending.hpp"
#include "service_table.hpp"
#include "supervise/fd.hpp"

// runsvdir: one runsv per service directory in DIR (spec/runsvdir.md).
// Beyond runit: DIR is watched with inotify and each event is handled by
// itself (the entry it names), so a new service is picked up at once and
// the cost of an event does not grow with the number of services; a new
// service is started once it is complete (pending.hpp); there is no limit
// on the number of services but memory; a full rescan once a minute
// catches what no event reports.

namespace runsvdir {

// How a new service came into DIR, which decides whether it may start at
// first sight (when it is complete then).
enum class arrival {
  whole,     // renamed in, or a symlink: complete at once
  in_place,  // a directory made in DIR (mkdir, cp -r): always waits to settle
  found,     // by a full scan: starts at once if complete and its files are quiet
};

class scanner {
 public:
  explicit scanner(options o);
  // Supervises until TERM (returns 0) or HUP (returns 111).
  // Throws supervise::fatal_error.
  int run();

 private:
  using listing = std::vector<std::pair<std::string, service_key>>;

  // runsvdir.cpp: the loop, the log, signals.
  void setup_log();
  void arm_log_pipe();
  void log_tick();
  void arm_signals();
  void on_signal(int sig);
  void halt();
  void run_loop();

  // stop_order.cpp: a whole-tree stop in dependencies.d order.
  bool read_dependencies();
  void begin_ordered_stop();
  void stop_step();
  void stop_in_order_then_exit();
  void stop_tree(std::function<void()> after_budget);
  void term_every_runsv();

  // scan.cpp: DIR, its events and its full scans.
  std::vector<std::string> link_chain() const;
  bool watch_dir();
  void arm_inotify();
  void on_dir_events();
  void look_at(const std::string& name, arrival how);
  void request_scan();
  void schedule_check(int seconds);
  void arm_periodic();
  void scan_if_changed();
  void scan_now();
  bool list_entries(listing& out);
  void confirm_gone(listing& seen);
  void apply_listing(const listing& seen, bool complete);
  void return_to_original_dir();

  // services.cpp: starting, restarting and stopping runsv.
  service_entry* add_service(const service_key& key, const std::string& name);
  void first_sight(const service_key& key, arrival how);
  bool start_runsv(const service_key& key);
  void schedule_restart(const service_key& key);
  void restart_due();
  void reap();
  void orphaned(const service_key& key);
  void remove_orphans();
  void remove_service(const service_key& key);

  options opt_;
  std::string prefix_;  // "runsvdir DIR"
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer periodic_;
  boost::asio::steady_timer check_timer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer pause_timer_;
  boost::asio::steady_timer restart_timer_;
  boost::asio::steady_timer orphan_timer_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::vector<int> watches_;  // DIR's watch last, after the symlinks leading to it
  std::vector<std::string> chain_;  // those symlinks when watched (link_chain)
  std::unique_ptr<boost::asio::posix::stream_descriptor> log_pipe_;
  supervise::fd original_dir_;
  supervise::fd dir_fd_;  // DIR as last scanned: names in events, runsv's cwd
  service_table table_;
  pending_services pending_;
  std::vector<service_key> restarts_;  // no runsv now: start one at restart_timer_
  std::vector<service_key> orphans_;   // no name left: gone unless it turns up again
  bool halting_ = false;    // a container's TERM: stopping the tree
  bool hup_stopping_ = false;  // HUP with dependencies.d: stopping in order, then exit 111
  bool ordered_ = false;    // the stop follows dependencies.d
  std::unordered_map<service_key, std::vector<service_key>, service_key_hash> needs_;  // what each needs
  std::unordered_set<service_key, service_key_hash> termed_;  // runsvs told to stop
  bool watching_ = false;   // DIR is watched by inotify
  bool check_ = true;       // rescan even if DIR looks unchanged
  bool scan_posted_ = false;
  bool check_armed_ = false;
  bool restart_armed_ = false;
  bool orphan_armed_ = false;
  bool pausing_ = false;     // back to the original directory failed: no scan until it works
  bool fork_failing_ = false;  // reported once until a fork works again
  bool table_full_ = false;    // reported once until a service can be added again
  bool out_of_memory_ = false;
  struct timespec last_mtime_ {};
  dev_t last_dev_ = 0;
  ino_t last_ino_ = 0;
  int exit_code_ = -1;
};

// Raises the soft limit on open files to the hard one when it is below
// what runsvdir needs for itself (a handful: it holds no descriptor per
// service). Every runsv inherits the limit, so it is not raised otherwise.
void ensure_fd_room();

// Parses argv and runs; returns the exit code.
int main(int argc, char** argv);

}  // namespace runsvdir
