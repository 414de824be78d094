#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <sys/time.h>
#include <vector>

#include "logdir.hpp"
#include "options.hpp"

// svlogd's line path (spec/svlogd.md §5, §6, §10): cuts what is read into
// lines and hands each one to the log directories that select it, to the
// standard-error copy, to UDP and to the -o copy.
//
// One read is one batch: its time is every stamp of the lines that begin in
// it, and each directory gets its lines in one buffer. A line that ends in the
// read is handled whole (no per-line allocation, one copy into the buffer);
// only the line still open at the end of a read goes piece by piece, as
// runit's loop does it: its head (first `len` bytes) is held back until it is
// complete, its tail goes out as it arrives.

namespace svlogd {

class router {
 public:
  // `dirs` outlives the router; directories may be closed and reopened.
  router(const options& o, std::vector<std::unique_ptr<logdir>>& dirs);

  // The bytes of one read at `tv`: queues every line that ends in them, and
  // the head and tail of a long line that does not end yet.
  void feed(std::string_view data, const timeval& tv);
  // Writes what is queued: directories and the -o copy's complete lines.
  // Throws fatal_error when the -o copy stops and no directory is left.
  void flush();
  // At end of input: writes everything; a -o line cut short is ended.
  void finish();

  // A line has begun and not ended.
  bool line_open() const noexcept { return line_.active; }
  bool stdout_on() const noexcept { return out_on_; }

 private:
  struct line_state {
    bool active = false;     // a line has begun and not ended
    std::string stamp;       // "STAMP " of the read of its first byte, or empty
    std::string head;        // its first `len` bytes, replaced
    bool head_done = false;  // head complete and handed out
  };

  bool plain_lines() const;
  void whole_lines(std::string_view block);
  void copy_out(std::string_view block);
  void whole_line(std::string_view text);
  std::string_view continue_line(std::string_view data);
  void finish_head();
  void emit_tail(std::string_view data);
  bool select(logdir& d, std::string_view stamp, std::string_view head, bool cut);
  void send_udp(logdir& d, std::string_view stamp, std::string_view head, bool cut);
  void write_stdout(bool all);

  std::vector<std::unique_ptr<logdir>>& dirs_;
  const stamp_kind stamp_kind_;
  const std::size_t len_;
  const bool replace_;
  const char replacement_;
  bool replace_table_[256] = {};
  std::string stamp_;     // "STAMP " of this read, or empty
  std::string replaced_;  // the replaced head of a whole line
  line_state line_;
  std::string err_copy_;  // a line's stderr copy
  // -o: the standard-output copies not written yet, and "name: ".
  bool out_on_ = false;
  bool out_whole_ = false;  // stdout is a regular file: one write per read
  std::string out_prefix_;
  std::string out_copy_;
};

}  // namespace svlogd
