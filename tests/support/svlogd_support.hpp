#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

// Running svlogd (ours or Debian's) with a pipe on its standard input and its
// standard error in a file, and looking at log directories.

namespace test::svlogd {

// A temporary directory with an empty log directory "log" in it.
struct log_fixture {
  temp_dir root{"svlogd-test"};
  std::string log = root / "log";
  log_fixture() { make_dir(log); }
  std::string at(std::string_view rel) const { return log + "/" + std::string(rel); }
  std::string text(std::string_view rel) const { return read_file(at(rel)).value_or(""); }
};

// Our svlogd, and Debian's (/usr/bin/svlogd).
std::string ours();
std::string debian();

// A started svlogd. stdin is a pipe the test writes to, stdout is /dev/null,
// stderr goes to `err_file` (appended; the processor child writes there too);
// no other descriptor is open.
// The destructor SIGKILLs and reaps it if it is still running.
// `closed_fd` (0, 1 or 2) is closed in the child just before the exec.
class svlogd_process {
 public:
  svlogd_process(const std::string& binary, const std::vector<std::string>& args, const std::string& cwd,
                 std::string err_file, const std::vector<std::string>& env = {}, int closed_fd = -1);
  ~svlogd_process();
  svlogd_process(const svlogd_process&) = delete;
  svlogd_process& operator=(const svlogd_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Writes all of data, waiting for room in the pipe up to `timeout`;
  // fails the test if it cannot. Returns quietly if svlogd closed the pipe.
  void write(std::string_view data, std::chrono::milliseconds timeout = default_timeout);
  // Closes our end of the pipe (EOF for svlogd).
  void close_input();
  void signal(int sig) noexcept;
  // Waits for the exit (reaping it); nullopt at the deadline.
  std::optional<wait_status> wait_exit(std::chrono::milliseconds timeout = default_timeout);
  bool running();
  // Bytes written to the pipe that svlogd has not read yet.
  std::size_t unread() const;
  // True when svlogd has read everything and sleeps (waiting for input).
  bool idle() const;
  // What it wrote to stderr so far.
  std::string err() const;

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  std::string err_file_;
  std::optional<wait_status> status_;
};

struct result {
  std::string err;
  int code = -1;  // exit code; -1 if it did not exit normally
};

// Runs svlogd in `cwd` with `input` on stdin (then EOF) to completion;
// `closed_fd` as for svlogd_process (a closed stdin gets no input).
result run(const std::string& binary, const std::vector<std::string>& args, const std::string& cwd,
           std::string_view input, std::chrono::milliseconds timeout = default_timeout, int closed_fd = -1);

// Replaces every TAI64N label "@" + 24 hex by "@TAI", and every -tt/-ttt
// stamp by "STAMP"; rotated file names become "@TAI.s" etc.
std::string mask(std::string_view text);

struct file_info {
  mode_t mode = 0;
  std::string content;
};
// Every regular file in dir (not recursive), by name.
std::map<std::string, file_info> snapshot(const std::string& dir);
// The snapshot with names and contents masked; rotated files of the same
// suffix are numbered in name order ("@TAI.s#1", "@TAI.s#2") so two runs
// compare equal whatever their clocks said.
std::map<std::string, file_info> masked_snapshot(const std::string& dir);
// A readable listing (name, octal mode, content) for failure messages.
std::string describe(const std::map<std::string, file_info>& files);

// The rotated files (@ + 24 hex + .X) in name order, then `current`:
// their concatenated contents, i.e. everything the directory logged.
std::string concatenated_log(const std::string& dir);
// Names of the rotated files in dir, in order.
std::vector<std::string> rotated(const std::string& dir);

// "1\n2\n...count\n" prefixed lines: prefix + number, each ending in "\n".
std::string numbered_lines(std::size_t first, std::size_t count, std::string_view prefix = "line ");
// Checks that `log` holds exactly the lines prefix+first .. prefix+last, in
// order, once each; the message names the first difference.
std::string check_numbered(std::string_view log, std::size_t first, std::size_t last,
                           std::string_view prefix = "line ");

// Counts non-overlapping occurrences of needle in text.
std::size_t count(std::string_view text, std::string_view needle);

}  // namespace test::svlogd
