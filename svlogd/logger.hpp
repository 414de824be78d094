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
#include "supervise/fd.hpp"

// svlogd's main loop (spec/svlogd.md §6, §11): reads standard input in large
// chunks, splits lines, and hands each to every log directory.
// Unlike runit (1024-byte reads, one write per line) it reads up to 128 KiB
// at once, stamps once per read, and writes each directory once per read;
// every line still reaches `current` before the next read.

namespace svlogd {

class logger {
 public:
  explicit logger(options o);
  // Runs until EOF or TERM (0). Throws supervise::fatal_error (111).
  int run();

  // Feeds bytes as if read from standard input at `tv` (tests use it too).
  void feed(std::string_view data, const timeval& tv);
  // Writes what the directories and the stderr copy have queued.
  void flush_all();

 private:
  struct line_state {
    bool active = false;     // a line has begun and not ended
    std::string stamp;       // "STAMP " of its first byte, or empty
    std::string head;        // its first `len` bytes, replaced
    bool head_done = false;  // head complete and handed out
  };

  void open_all(bool startup);
  void finish_head();
  void emit_selected(std::string_view data);
  void send_udp(logdir& d, const std::string& payload);
  void write_stdout(bool all);
  bool any_dir_open() const;

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
  line_state line_;
  std::string err_copy_;  // the stderr copies of this read
  // -o: the standard-output copies not written yet, and "name: ".
  bool out_on_ = false;
  std::string out_prefix_;
  std::string out_copy_;
  std::vector<char> input_;
  bool replace_table_[256] = {};

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> signals_;  // a signalfd
  boost::asio::steady_timer deadline_timer_;
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
