#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

// A process 1 under test in its own PID namespace (a "container"):
// `unshare --pid --fork --mount-proc --kill-child`, whose first process binds,
// in the namespace's own mount namespace,
//   ROOT/etc     over /etc/runit   (stages 1, 2, 3, ctrlaltdel, stopit, ...)
//   ROOT/run     over /run         (/run/runit.exitcode, /var/run/utmp)
//   ROOT/console over /dev/console (a FIFO this object reads: runit's messages)
// plus any extra binds, then execs the program to test as PID 1. PATH starts
// with ROOT/bin, which links runsvdir, runsv, sv, svlogd, chpst, runit-init and
// utmpset to the built binaries. The destructor SIGKILLs the namespace's
// PID 1 (which kills everything in it) and reaps unshare.

namespace test::pid1 {

// Generous for a sanitized build on a busy two-core machine.
inline constexpr std::chrono::milliseconds long_timeout = 20s;

// A process seen from outside the namespace.
struct ns_proc {
  pid_t pid = 0;   // host pid
  pid_t ppid = 0;  // host pid
  char state = 0;  // 'S', 'R', 'Z', ...
  std::string comm;
};

class container {
 public:
  explicit container(std::string_view tag = "pid1-test");
  ~container();
  container(const container&) = delete;
  container& operator=(const container&) = delete;

  const std::string& root() const noexcept { return dir_.path(); }
  std::string etc() const { return dir_ / "etc"; }
  std::string run() const { return dir_ / "run"; }
  std::string bin() const { return dir_ / "bin"; }
  std::string service() const { return dir_ / "service"; }
  // A directory for marker files written by scripts (same path inside).
  std::string marks() const { return dir_ / "marks"; }
  std::string mark(std::string_view name) const { return marks() + "/" + std::string(name); }
  // ROOT/run/runit.exitcode: /run/runit.exitcode inside.
  std::string exit_code_file() const { return run() + "/runit.exitcode"; }

  // Writes etc/NAME (e.g. "1", "2", "3", "ctrlaltdel") as an sh script.
  void script(std::string_view name, std::string_view body) const;
  // Builds service()/name with a run script (and finish, if not empty).
  std::string add_service(std::string_view name, std::string_view run, std::string_view finish = "") const;
  // Stage scripts that mark their start and end in marks(): stage 1 and 3
  // append "1"/"3" to marks/stages, stage 2 appends "2" and execs
  // `runsvdir -P SERVICE`. `stage3_extra` runs in stage 3 before its mark.
  void standard_stages(std::string_view stage3_extra = "") const;
  // An extra bind mount (source over target) made before PID 1 starts.
  void bind(std::string source, std::string target) { binds_.emplace_back(std::move(source), std::move(target)); }
  // PID 1 starts with no /proc at all, as on a real boot before stage 1
  // mounts it (a sanitized binary then ignores $ASAN_OPTIONS: it reads them
  // from /proc).
  void without_proc() { no_proc_ = true; }

  // Starts argv (default: our runit) as PID 1 of the namespace and waits
  // until PID 1 has exec'd it (or failed).
  void start(std::vector<std::string> argv = {RUNIT_BIN}, std::vector<std::string> env = {});
  // The host pid of the namespace's PID 1.
  pid_t pid1() const noexcept { return pid1_; }
  // Sends sig to PID 1 from outside.
  void signal(int sig) const noexcept;
  // Waits for PID 1 to end; its wait status as unshare reports it.
  std::optional<wait_status> wait_exit(std::chrono::milliseconds timeout = long_timeout);
  bool exited();

  // Everything read from the console FIFO so far (reads what is pending).
  const std::string& console();
  // Waits until the console shows `text`.
  void wait_console(std::string_view text, std::chrono::milliseconds timeout = long_timeout);
  // What PID 1 and the programs that kept unshare's stdout/stderr wrote there.
  std::string output();

  // PID 1 and every process below it (zombies included).
  std::vector<ns_proc> processes() const;
  // Runs argv inside the namespace (nsenter --pid --mount), to completion.
  run_result inside(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 10s);

  // Kills the namespace now (SIGKILL to PID 1) and reaps unshare.
  void kill() noexcept;

 private:
  void drain_console();

  temp_dir dir_;
  std::vector<std::pair<std::string, std::string>> binds_;
  bool no_proc_ = false;
  int console_fd_ = -1;
  std::string console_;
  std::optional<process> unshare_;
  pid_t pid1_ = 0;
};

// Runs argv to completion in a new mount namespace (unshare --mount) after
// binding each source over its target (e.g. a temporary directory over /run).
run_result run_with_binds(const std::vector<std::pair<std::string, std::string>>& binds,
                          const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 10s);

// glibc's struct utmp as bytes, built from its fields (the rest zero).
struct utmp_fields {
  short type = 0;
  pid_t pid = 0;
  std::string line, id, user, host;
  std::int64_t seconds = 0;
};
std::string utmp_record(const utmp_fields& f);
// The records of a utmp/wtmp file's bytes, decoded.
std::vector<utmp_fields> utmp_records(std::string_view bytes);
// The bytes with the time (ut_tv) of every record zeroed, to compare runs.
std::string mask_utmp_times(std::string_view bytes);
// sizeof(struct utmp) and sizeof(ut_line).
std::size_t utmp_size();
std::size_t utmp_line_size();

// A service's run script that records "run", its TERM and its finish in
// c.mark(name), and writes "hello" to its log at start and "bye" when it stops.
std::string polite_run(const container& c, std::string_view name);
std::string polite_finish(const container& c, std::string_view name);
// service()/name with those scripts, and a log/run appending to mark(name.log).
void add_polite(const container& c, std::string_view name, bool with_log = false);

// The file's content, "" if it cannot be read.
std::string text(const std::string& path);
// Waits until the file holds exactly `expected`.
void wait_text(const std::string& path, std::string_view expected, std::chrono::milliseconds timeout = long_timeout);
// Waits until the file contains `part` (reading the console meanwhile).
void wait_contains(container& c, const std::string& path, std::string_view part,
                   std::chrono::milliseconds timeout = long_timeout);
// True if `want` appears in `lines` in this order (other lines may come between).
bool in_order(const std::vector<std::string>& lines, const std::vector<std::string>& want);
// The lines, each with its "\n".
std::string joined(const std::vector<std::string>& lines);
// Waits for PID 1 to exit (failing the test if it does not, or is killed)
// and returns its exit code.
int exit_code_of(container& c, std::chrono::milliseconds timeout = long_timeout);

// Lines of text, without their "\n".
std::vector<std::string> lines_of(std::string_view text);
// The console lines starting with "- runit: ", masking the version hash.
std::vector<std::string> runit_lines(std::string_view console);
// Replaces every "$Id: <anything> $" by "$Id: HASH $".
std::string mask_id(std::string_view text);

}  // namespace test::pid1
