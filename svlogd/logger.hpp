#pragma once

#include <memory>
#include <string>
#include <sys/time.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "logdir.hpp"
#include "options.hpp"
#include "router.hpp"
#include "supervise/fd.hpp"

// svlogd's main loop (spec/svlogd.md §6, §11): reads standard input in large
// chunks and hands them to the router; acts on signals and timers between
// reads, as runit does before each read.
// Unlike runit (1024-byte reads, one write per line) it reads up to 128 KiB
// at once, stamps once per read, and writes each directory once per read;
// every line still reaches `current` before the next read.

namespace svlogd {

class logger {
 public:
  explicit logger(options o);
  // Runs until EOF or TERM (0). Throws supervise::fatal_error (111).
  int run();

 private:
  void open_all(bool startup);

  void arm_input();
  void on_input();
  void arm_signals();
  bool take_signals();
  void housekeeping();
  void arm_deadline();
  void reap();
  void finish();
  void info(const char* msg) const;

  options opt_;
  std::vector<std::unique_ptr<logdir>> dirs_;
  supervise::fd original_dir_;
  router router_{opt_, dirs_};
  std::vector<char> input_;

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> signals_;  // a signalfd
  boost::asio::steady_timer deadline_timer_;
  bool deadline_armed_ = false;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stdin_;
  bool got_term_ = false, got_alrm_ = false, got_hup_ = false;
  bool input_armed_ = false;
  bool pollable_ = true;   // false for a regular file on stdin
  bool draining_ = false;  // TERM mid-line: read the rest byte by byte, then drop it
  bool done_ = false;
};

// Parses argv, runs, returns the exit code.
int main(int argc, char** argv);

}  // namespace svlogd
