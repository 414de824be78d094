#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "process.hpp"
#include "wait.hpp"

// Service directories as runsv sees them: the binaries under test, the
// supervise/ files, the control FIFO, and a guard around a started runsv.

namespace test {

// The runsv being tested: $RUNSV_UNDER_TEST if set, else the one we built.
std::string runsv_under_test();
// A program of Debian's runit, e.g. reference_bin("sv") == "/usr/bin/sv".
std::string reference_bin(std::string_view name);

// supervise/status decoded independently of libsupervise, so a decoding bug
// there cannot hide an encoding bug in runsv.
struct status_record {
  std::array<unsigned char, 20> raw{};
  std::uint64_t tai_seconds = 0;  // the TAI64 label, 2^62 + 10 + unix seconds
  std::uint32_t nano = 0;
  std::uint32_t pid = 0;
  unsigned char paused = 0, want = 0, term = 0, state = 0;

  std::int64_t unix_seconds() const noexcept;
  // Bytes 0..11 (the TAI64N time) as they are on disk.
  std::string time_bytes() const;
  // Bytes 16..19 as hex, e.g. "00 75 00 01".
  std::string flags_hex() const;
};

// Formats expected bytes 16..19 the way flags_hex() does.
std::string flags_hex(unsigned char paused, char want, unsigned char term, unsigned char state);

// Paths inside a service directory.
std::string supervise_path(const std::string& svdir, std::string_view file);

// svdir/supervise/status if it holds exactly 20 bytes.
std::optional<status_record> read_status(const std::string& svdir);
// svdir/supervise/stat ("" if missing).
std::string read_stat(const std::string& svdir);
// svdir/supervise/pid, nullopt if missing.
std::optional<std::string> read_pid_file(const std::string& svdir);
// A one-line summary of stat, pid and status flags for failure messages.
std::string describe_state(const std::string& svdir);

// True if a runsv holds svdir/supervise/ok open (sv's liveness probe).
bool runsv_listening(const std::string& svdir);
// Writes bytes to svdir/supervise/control (O_WRONLY|O_NONBLOCK, one write);
// fails the test if that is not possible.
void send_control(const std::string& svdir, std::string_view bytes);

// Waits until supervise/stat reads exactly `stat` (e.g. "run\n").
void wait_stat(const std::string& svdir, std::string_view stat,
               std::chrono::milliseconds timeout = default_timeout);
// Waits until status flags (bytes 16..19) equal `flags` and stat equals
// `stat`; returns that status.
status_record wait_state(const std::string& svdir, std::string_view stat, std::string_view flags,
                         std::chrono::milliseconds timeout = default_timeout);
// Waits until the service runs a child whose pid is not `old_pid`; returns
// the status (pid > 0, state run).
status_record wait_running_other_than(const std::string& svdir, std::uint32_t old_pid,
                                      std::chrono::milliseconds timeout = default_timeout);

// Process state letter from /proc/PID/stat ('R', 'S', 'T', 'Z'...), or 0.
char proc_state(pid_t pid);

// A started runsv. Runs in its own session (so its process group holds
// everything it starts); the destructor stops it and everything it left,
// by pid and process group, never by name.
class runsv_instance {
 public:
  struct options {
    std::string binary;  // default: runsv_under_test()
    std::string cwd;     // default: the parent of svdir
    std::string arg;     // default: the basename of svdir
    bool close_std_fds = false;  // start it with descriptors 0, 1 and 2 closed
  };
  explicit runsv_instance(std::string svdir);
  runsv_instance(std::string svdir, options opts);
  ~runsv_instance();
  runsv_instance(const runsv_instance&) = delete;
  runsv_instance& operator=(const runsv_instance&) = delete;

  pid_t pid() const noexcept { return proc_.pid(); }
  process& proc() noexcept { return proc_; }
  const std::string& svdir() const noexcept { return svdir_; }
  // Waits until supervise/ok has a reader; fails if runsv exits first.
  void wait_ready(std::chrono::milliseconds timeout = default_timeout);
  std::optional<wait_status> wait_exit(std::chrono::milliseconds timeout = default_timeout) {
    return proc_.wait_exit(timeout);
  }
  bool exited() { return proc_.poll_exit(); }
  // SIGTERM; after `grace` (cleanup only: a test that checks how runsv
  // exits waits for that itself), SIGKILL to runsv and to the pids in
  // supervise/pid and log/supervise/pid; finally SIGKILL to the process
  // group. Never throws.
  void stop(std::chrono::milliseconds grace = 1s) noexcept;

 private:
  std::string svdir_;
  process proc_;
};

// Shell snippets for run scripts.
namespace sh {

// A run script body that appends the name of every signal it receives
// (HUP ALRM INT QUIT USR1 USR2 CONT TERM) to `signals` (in its cwd) and its
// pid to `starts` once its traps are set. It survives TERM; with
// exit_on_cont_after_term it exits 0 at the first CONT after a TERM, which is
// what runsv's stop sequence (TERM, then CONT) delivers: dash runs pending
// traps in signal-number order, so TERM is always recorded before CONT.
// `prefix` is inserted before the traps (e.g. a line writing a marker).
std::string signal_recorder(bool exit_on_cont_after_term, std::string_view prefix = "");

}  // namespace sh

}  // namespace test
