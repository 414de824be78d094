#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts.hpp"
#include "limits.hpp"

// chpst: change the process state, then exec a program (spec/chpst.md).

namespace chpst {

// Exit codes (every personality): the program's own status once exec'd.
inline constexpr int exit_usage = 100;
inline constexpr int exit_fatal = 111;

// The prefix of every fatal and warning line, whatever the program's name.
inline constexpr std::string_view prefix = "chpst";

inline constexpr std::string_view usage_main =
    "[-vVP012] [-u user[:group]] [-U user[:group]] [-b argv0] [-e dir] [-/ root] [-C pwd] "
    "[-n nice] [-l|-L lock] [-m n] [-d n] [-o n] [-p n] [-f n] [-c n] [-t n] prog";

// chpst mode's command line.
struct options {
  std::optional<std::string> set_user;  // -u
  std::optional<std::string> env_user;  // -U
  std::optional<std::string> argv0;     // -b
  std::optional<std::string> env_dir;   // -e
  std::optional<std::string> root;      // -/
  std::optional<std::string> pwd;       // -C
  std::optional<std::string> lock;      // -l / -L
  bool lock_wait = false;               // -l
  bool verbose = false;                 // -v
  bool new_session = false;             // -P
  bool close_stdin = false, close_stdout = false, close_stderr = false;  // -0 -1 -2
  long nice = 0;                        // -n; 0 leaves the nice value alone
  limits soft;                          // -m -d -o -p -f -c -r -t
  std::vector<std::string> program;     // never empty after parsing
};

// The personality name: argv[0]'s basename without one leading 'd'.
std::string_view personality_name(std::string_view argv0) noexcept;

// Parses chpst mode's argv. On a usage error (bad option or value, -V, a
// second lock, no program) prints what runit prints and returns nullopt:
// the exit code is then exit_usage. `prog` names the usage line.
std::optional<options> parse_options(int argc, char* const* argv, std::string_view prog);

// Applies the options in runit's order (setsid, envdir, chroot, chdir,
// nice, -U, -u, lock, close fds, limits) and execs the program. Returns
// only by throwing fatal_error.
[[noreturn]] void run(const options& o, accounts& db);

// Execs argv (argv0 replaced by `as_argv0` if given) with the environment
// changes applied, setting the soft limits `soft` just before execve; on
// failure throws "unable to run: ARGV0: ERR".
[[noreturn]] void exec_or_die(const std::vector<std::string>& argv, const std::vector<std::string>& changes,
                              const std::optional<std::string>& as_argv0 = std::nullopt,
                              const limits& soft = {});

// Runs the personality `name` (setuidgid, envuidgid, envdir, pgrphack,
// setlock, softlimit); nullopt if `name` is none of them.
std::optional<int> run_personality(std::string_view name, int argc, char* const* argv, accounts& db);

// Takes the lock of -l/-L/setlock: opens file for appending (0600, kept open
// across exec) and flock()s it, waiting or not. Returns 0, or throws
// "unable to open lock: FILE" / "unable to lock: FILE".
void take_lock(const std::string& file, bool wait);

// The whole program: chooses the personality and returns the exit code.
int main(int argc, char** argv);

}  // namespace chpst
