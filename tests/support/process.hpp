#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "programs.hpp"

// Spawning a program with its stdout and stderr captured through pipes, and
// collecting its exit status. A process object never leaves its child behind:
// if it is destroyed before the child was reaped, the child is SIGKILLed.

namespace test {

using namespace std::chrono_literals;

struct spawn_options {
  std::string cwd;               // chdir before exec; empty: stay
  std::vector<std::string> env;  // "NAME=value" entries added to (or replacing in) the environment
  bool new_session = false;      // setsid(): the child leads its own process group
  mode_t umask = 022;
  std::vector<int> closed_fds;   // of 0, 1, 2: left closed in the child (that output is then not captured)
};

// Options that only set the working directory.
inline spawn_options in_dir(std::string cwd) {
  spawn_options o;
  o.cwd = std::move(cwd);
  return o;
}

// A raw wait status with readable accessors.
struct wait_status {
  int raw = 0;
  bool exited() const noexcept;
  int exit_code() const noexcept;  // -1 unless exited()
  bool signaled() const noexcept;
  int term_signal() const noexcept;  // 0 unless signaled()
  std::string describe() const;      // "exit 1", "signal 9"
};

// argv/envp for execve: pointers into `v`, then a null pointer.
std::vector<char*> c_strings(std::vector<std::string>& v);
// Appends what can be read from the non-blocking `fd` without waiting;
// false at EOF (or an error other than EAGAIN): the caller closes the fd.
bool read_available(int fd, std::string& into);

class process {
 public:
  // Forks and execs argv[0] (a path; no PATH search), stdin from /dev/null.
  explicit process(const std::vector<std::string>& argv, const spawn_options& opts = {});
  ~process();
  process(process&& other) noexcept;
  process& operator=(process&&) = delete;
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Reads whatever the child (and its descendants) wrote so far; never blocks.
  void drain();
  // Everything captured so far (drains first).
  const std::string& out();
  const std::string& err();
  // Reaps the child if it has exited (never blocks). True once reaped.
  bool poll_exit();
  // The wait status once reaped.
  std::optional<wait_status> status() const noexcept { return status_; }
  // Waits up to timeout for the child to exit, draining the pipes meanwhile.
  std::optional<wait_status> wait_exit(std::chrono::milliseconds timeout);
  // kill(pid, sig) unless already reaped.
  void signal(int sig) noexcept;

 private:
  void close_pipes() noexcept;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::optional<wait_status> status_;
};

struct run_result {
  std::string out;
  std::string err;
  wait_status status;
};

// What a test prints on stdout when this machine cannot run it. ctest reports
// every e2e, interop and unit test whose output holds it as skipped
// (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt), never as passed.
inline constexpr const char* skip_marker = "RUNIT_TEST_SKIPPED";

// Ends the test as one that cannot run here: prints "RUNIT_TEST_SKIPPED: WHY"
// and fails it with the same words (so that run outside ctest it fails rather
// than passes). Never returns.
[[noreturn]] void skip_test(std::string_view why);
// Unless the test runs as root: skip_test("needs root: WHY"). Use it first
// in a test that needs root.
void require_root(std::string_view why);

// Runs argv to completion; fails the test if it takes longer than timeout.
run_result run(const std::vector<std::string>& argv, const spawn_options& opts = {},
               std::chrono::milliseconds timeout = 10s);

}  // namespace test
