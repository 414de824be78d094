// The daemontools-compatible personalities chpst takes on when run under
// another name (spec/chpst.md §10). Their messages are chpst's.

#include <cstdlib>
#include <unistd.h>

#include "chpst.hpp"
#include "envdir.hpp"
#include "supervise/pathexec.hpp"
#include "supervise/getopt.hpp"
#include "supervise/scan.hpp"
#include "supervise/fatal.hpp"
#include "uidgid.hpp"

namespace chpst {

namespace {

constexpr std::string_view usage_setuidgid = "account child";
constexpr std::string_view usage_envuidgid = "account child";
constexpr std::string_view usage_envdir = "dir child";
constexpr std::string_view usage_pgrphack = "child";
constexpr std::string_view usage_setlock = "[ -nNxX ] file program [ arg ... ]";
constexpr std::string_view usage_softlimit =
    "[-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] "
    "[-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child";

std::vector<std::string> args_from(int first, int argc, char* const* argv) {
  std::vector<std::string> out;
  for (int i = first; i < argc; ++i) out.emplace_back(argv[i]);
  return out;
}

std::string basename_arg0(int argc, char* const* argv) {
  return std::string(supervise::basename_of(argc > 0 && argv[0] ? argv[0] : ""));
}

// ACCOUNT PROG...: no option parsing, the first argument is the account.
int setuidgid(std::string_view prog, int argc, char* const* argv, accounts& db) {
  if (argc < 3) return supervise::usage(prog, usage_setuidgid, exit_usage);
  drop_privileges(resolve_plain(argv[1], db));
  exec_or_die(args_from(2, argc, argv), {});
}

int envuidgid(std::string_view prog, int argc, char* const* argv, accounts& db) {
  if (argc < 3) return supervise::usage(prog, usage_envuidgid, exit_usage);
  uidgid ids = resolve_plain(argv[1], db);
  exec_or_die(args_from(2, argc, argv),
              {"GID=" + std::to_string(ids.gids.front()), "UID=" + std::to_string(ids.uid)});
}

int envdir(std::string_view prog, int argc, char* const* argv) {
  if (argc < 3) return supervise::usage(prog, usage_envdir, exit_usage);
  exec_or_die(args_from(2, argc, argv), read_envdir(argv[1], subdir_policy::fatal));
}

int pgrphack(std::string_view prog, int argc, char* const* argv) {
  if (argc < 2) return supervise::usage(prog, usage_pgrphack, exit_usage);
  (void)::setsid();
  exec_or_die(args_from(1, argc, argv), {});
}

// runit's setlock does NOT wait by default (-n waits), the opposite of
// daemontools'. -x turns every failure into a silent exit 0.
int setlock(std::string_view prog, int argc, char* const* argv) {
  supervise::getopt g(argc, argv, "nNxX", basename_arg0(argc, argv));
  bool wait = false;
  bool quiet = false;
  for (int c; (c = g.next()) != supervise::getopt::done;) {
    switch (c) {
      case 'n': wait = true; break;
      case 'N': wait = false; break;
      case 'x': quiet = true; break;
      case 'X': quiet = false; break;
      default: return supervise::usage(prog, usage_setlock, exit_usage);
    }
  }
  if (argc - g.index() < 2) return supervise::usage(prog, usage_setlock, exit_usage);
  try {
    take_lock(argv[g.index()], wait);
  } catch (const supervise::fatal_error&) {
    if (quiet) return 0;
    throw;
  }
  std::vector<std::string> program = args_from(g.index() + 1, argc, argv);
  if (!quiet) exec_or_die(program, {});
  supervise::exec_program(program[0], program, supervise::current_environment(), std::getenv("PATH"));
  return 0;
}

// A value: digits only, or "=" for the hard limit. A bad value prints
// chpst's main usage line, as runit does.
bool soft_value(const char* text, long& out) {
  if (std::string_view(text) == "=") {
    out = -1;
    return true;
  }
  unsigned long n = 0;
  if (!supervise::scan_ulong_all(text, n)) return false;
  out = static_cast<long>(n);
  return true;
}

int softlimit(std::string_view prog, int argc, char* const* argv) {
  supervise::getopt g(argc, argv, "a:c:d:f:l:m:o:p:r:s:t:", basename_arg0(argc, argv));
  limits soft;
  for (int c; (c = g.next()) != supervise::getopt::done;) {
    if (c == '?') return supervise::usage(prog, usage_softlimit, exit_usage);
    long v = 0;
    if (!soft_value(g.arg(), v)) return supervise::usage(prog, usage_main, exit_usage);
    switch (c) {
      case 'a': soft[resource::as] = v; break;
      case 'c': soft[resource::core] = v; break;
      case 'd': soft[resource::data] = v; break;
      case 'f': soft[resource::fsize] = v; break;
      case 'l': soft[resource::memlock] = v; break;
      case 'm': soft.set_memory(v); break;
      case 'o': soft[resource::nofile] = v; break;
      case 'p': soft[resource::nproc] = v; break;
      case 'r': soft[resource::rss] = v; break;
      case 's': soft[resource::stack] = v; break;
      case 't': soft[resource::cpu] = v; break;
    }
  }
  if (g.index() >= argc) return supervise::usage(prog, usage_softlimit, exit_usage);
  exec_or_die(args_from(g.index(), argc, argv), {}, std::nullopt, soft);
}

}  // namespace

std::optional<int> run_personality(std::string_view name, int argc, char* const* argv, accounts& db) {
  if (name == "setuidgid") return setuidgid(name, argc, argv, db);
  if (name == "envuidgid") return envuidgid(name, argc, argv, db);
  if (name == "envdir") return envdir(name, argc, argv);
  if (name == "pgrphack") return pgrphack(name, argc, argv);
  if (name == "setlock") return setlock(name, argc, argv);
  if (name == "softlimit") return softlimit(name, argc, argv);
  return std::nullopt;
}

}  // namespace chpst
