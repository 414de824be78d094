#include "chpst.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

#include "envdir.hpp"
#include "supervise/pathexec.hpp"
#include "supervise/getopt.hpp"
#include "supervise/scan.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"
#include "uidgid.hpp"
#include "version.hpp"

namespace chpst {

namespace {

[[noreturn]] void die(const std::string& msg, int err = 0) {
  throw supervise::fatal_error{exit_fatal, msg, err};
}

// -n's value: an optional '-' or '+', then digits only.
bool parse_nice(const char* text, long& out) {
  bool negative = *text == '-';
  if (*text == '-' || *text == '+') ++text;
  unsigned long n = 0;
  if (!supervise::scan_ulong_all(text, n)) return false;
  out = static_cast<long>(n);
  if (negative) out = -out;
  return true;
}

// Applies one option to o; false means a usage error.
bool apply_option(options& o, int c, const char* arg) {
  unsigned long n = 0;
  auto number = [&](resource r) {
    if (!supervise::scan_ulong_all(arg, n)) return false;
    o.soft[r] = static_cast<long>(n);
    return true;
  };
  switch (c) {
    case 'u': o.set_user = arg; return true;
    case 'U': o.env_user = arg; return true;
    case 'b': o.argv0 = arg; return true;
    case 'e': o.env_dir = arg; return true;
    case '/': o.root = arg; return true;
    case 'C': o.pwd = arg; return true;
    case 'n': return parse_nice(arg, o.nice);
    case 'm':
      if (!supervise::scan_ulong_all(arg, n)) return false;
      o.soft.set_memory(static_cast<long>(n));
      return true;
    case 'd': return number(resource::data);
    case 'o': return number(resource::nofile);
    case 'p': return number(resource::nproc);
    case 'f': return number(resource::fsize);
    case 'c': return number(resource::core);
    case 'r': return number(resource::rss);
    case 't': return number(resource::cpu);
    case 'l':
    case 'L':
      if (o.lock) return false;  // one lock only, in any combination
      o.lock = arg;
      o.lock_wait = c == 'l';
      return true;
    case 'v': o.verbose = true; return true;
    case 'P': o.new_session = true; return true;
    case '0': o.close_stdin = true; return true;
    case '1': o.close_stdout = true; return true;
    case '2': o.close_stderr = true; return true;
    case 'V': supervise::write_stderr(std::string(version_id) + "\n"); return false;
    default: return false;
  }
}

// A standard descriptor chpst was started without holds /dev/null while
// chpst runs (run_main); it is closed again here, so the program gets what
// chpst was given, and -0/-1/-2 on it fail as runit's do.
void close_fd(bool wanted, int fd, const char* name) {
  if (!wanted) return;
  if (supervise::std_fds_filled() & (1 << fd)) die(std::string("unable to close ") + name, EBADF);
  if (::close(fd) == -1) die(std::string("unable to close ") + name, errno);
}

void change_root(const options& o) {
  if (o.root) {
    if (::chdir(o.root->c_str()) == -1) die("unable to change directory: " + *o.root, errno);
    if (::chroot(".") == -1) die("unable to change root directory", errno);
  }
  if (o.pwd && ::chdir(o.pwd->c_str()) == -1) die("unable to change directory: " + *o.pwd, errno);
}

void change_nice(long inc) {
  if (inc == 0) return;
  errno = 0;
  // nice() may legitimately return -1: only errno tells a failure.
  if (::nice(static_cast<int>(inc)) == -1 && errno != 0) die("unable to set nice level", errno);
}

}  // namespace

std::string_view personality_name(std::string_view argv0) noexcept {
  std::string_view name = supervise::basename_of(argv0);
  if (!name.empty() && name.front() == 'd') name.remove_prefix(1);
  return name;
}

std::optional<options> parse_options(int argc, char* const* argv, std::string_view prog) {
  std::string base(supervise::basename_of(argc > 0 && argv[0] ? argv[0] : ""));
  supervise::getopt g(argc, argv, "u:U:b:e:m:d:o:p:f:c:r:t:/:C:n:l:L:vP012V", base);
  options o;
  bool ok = true;
  for (int c; ok && (c = g.next()) != supervise::getopt::done;) ok = c != '?' && apply_option(o, c, g.arg());
  if (ok)
    for (int i = g.index(); i < argc; ++i) o.program.emplace_back(argv[i]);
  if (!ok || o.program.empty()) {
    supervise::usage(prog, usage_main, exit_usage);
    return std::nullopt;
  }
  return o;
}

void take_lock(const std::string& file, bool wait) {
  // Not close-on-exec: the program inherits the descriptor, and the lock.
  supervise::fd f = supervise::open_fd(file.c_str(), O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT, 0600);
  if (!f) die("unable to open lock: " + file, errno);
  int r;
  do r = ::flock(f.get(), wait ? LOCK_EX : LOCK_EX | LOCK_NB);
  while (r == -1 && errno == EINTR);
  if (r == -1) die("unable to lock: " + file, errno);
  f.release();
}

void exec_or_die(const std::vector<std::string>& argv, const std::vector<std::string>& changes,
                 const std::optional<std::string>& as_argv0, const limits& soft) {
  std::vector<std::string> args = argv;
  if (as_argv0) args[0] = *as_argv0;
  std::string name = args[0];
  // The program is looked up in chpst's own PATH, not the new environment's.
  supervise::prepared_exec program(argv[0], std::move(args),
                                   supervise::apply_env(supervise::current_environment(), changes),
                                   std::getenv("PATH"));
  apply_limits(soft);
  const int filled = supervise::std_fds_filled();
  for (int fd = 0; fd <= 2; ++fd)
    if (filled & (1 << fd)) ::close(fd);
  int err = program.run();
  die("unable to run: " + name, err);
}

void run(const options& o, accounts& db) {
  // A failure of setsid (already a group leader) is ignored, as in runit.
  if (o.new_session) (void)::setsid();
  std::vector<std::string> changes;
  if (o.env_dir)
    changes = read_envdir(*o.env_dir, o.verbose ? subdir_policy::skip_with_warning : subdir_policy::skip);
  change_root(o);
  change_nice(o.nice);
  // Names are looked up now, inside the new root.
  if (o.env_user) {
    uidgid ids = resolve_extended(*o.env_user, db);
    changes.push_back("GID=" + std::to_string(ids.gids.front()));
    changes.push_back("UID=" + std::to_string(ids.uid));
  }
  if (o.set_user) drop_privileges(resolve_extended(*o.set_user, db));
  if (o.lock) take_lock(*o.lock, o.lock_wait);
  close_fd(o.close_stdin, 0, "stdin");
  close_fd(o.close_stdout, 1, "stdout");
  close_fd(o.close_stderr, 2, "stderr");
  exec_or_die(o.program, changes, o.argv0, o.soft);
}

int main(int argc, char** argv) {
  std::string_view name = personality_name(argc > 0 && argv[0] ? argv[0] : "");
  return supervise::run_main(prefix, [&] {
    auto db = default_accounts();
    if (auto code = run_personality(name, argc, argv, *db)) return *code;
    auto o = parse_options(argc, argv, name);
    if (!o) return exit_usage;
    run(*o, *db);
  }, exit_fatal);
}

}  // namespace chpst
