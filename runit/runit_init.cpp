#include "runit_init.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"

extern char** environ;

namespace runit {

namespace {

constexpr const char* stopit = RUNIT_STOPIT_FILE;
constexpr const char* reboot_flag = RUNIT_REBOOT_FILE;
constexpr const char* runit_binary = RUNIT_BINARY;
// As runit-init's -V: the version line, then an empty line.
constexpr const char* version_id = "$Id: " RUNIT_CPP_ID " $\n\n";

[[noreturn]] void die(const std::string& msg, int err) {
  throw supervise::fatal_error{init_exit_fail, msg, err};
}

// Creates the flag empty and sets it to mode 0100: "exists and executable".
void raise_flag(const char* path) {
  supervise::fd f = supervise::open_fd(path, O_WRONLY | O_NONBLOCK | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (!f) die(std::string("unable to create ") + path, errno);
  if (::fchmod(f.get(), 0100) == -1) die(std::string("unable to chmod ") + path, errno);
}

}  // namespace

int init_main(int argc, char** argv) {
  const char* argv0 = argc > 0 && argv[0] ? argv[0] : "runit-init";
  if (::getpid() == 1) {
    char name[] = "runit";
    char* args[] = {name, nullptr};
    ::execve(runit_binary, args, environ);
    supervise::write_stderr(supervise::diagnostic("init", "fatal", "unable to start runit", errno));
    return init_exit_fail;
  }
  auto usage = [&] { return supervise::usage(argv0, "0|6", init_exit_usage); };
  if (argc < 2 || !argv[1][0]) return usage();
  if (argv[1][0] == '-' && argv[1][1] == 'V') {
    supervise::write_stderr(version_id);
    return usage();
  }
  char what = argv[1][0];
  if (what != '0' && what != '6') return usage();
  return supervise::run_main("init", [&] {
    raise_flag(stopit);
    if (what == '6') {
      raise_flag(reboot_flag);
    } else if (::chmod(reboot_flag, 0) == -1 && errno != ENOENT) {
      die(std::string("unable to chmod ") + reboot_flag, errno);
    }
    ::kill(1, SIGCONT);
    return init_exit_ok;
  });
}

}  // namespace runit
