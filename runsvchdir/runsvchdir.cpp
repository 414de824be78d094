#include "runsvchdir.hpp"

#include <cerrno>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/errstr.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"

namespace runsvchdir {

namespace {

[[noreturn]] void die(const std::string& msg, int err = 0) {
  throw supervise::fatal_error{exit_fatal, msg, err};
}

void unlink_if_there(const char* name) {
  if (::unlink(name) == -1 && errno != ENOENT)
    die(std::string("unable to unlink: ") + name, errno);
}

}  // namespace

int switch_to(const std::string& prog, const std::string& base, const std::string& name) {
  if (::chdir(base.c_str()) == -1) die("unable to chdir: " + base, errno);
  struct stat want;
  if (::stat(name.c_str(), &want) == -1) {
    if (errno == ENOENT) die(name + ": file does not exist");
    die("unable to stat: " + name, errno);
  }
  // runit prints this one without a separator.
  if (!S_ISDIR(want.st_mode)) die(name + "not a directory.");
  struct stat current;
  if (::stat("current", &current) == -1) die("unable to stat: current", errno);
  if (current.st_dev == want.st_dev && current.st_ino == want.st_ino) {
    supervise::write_all(1, "runsvchdir: " + name + ": current.\n");
    return exit_ok;
  }
  unlink_if_there("current.new");
  if (::symlink(name.c_str(), "current.new") == -1)
    die("unable to create: current.new -> " + name, errno);
  unlink_if_there("previous");
  if (::rename("current", "previous") == -1) die("unable to copy: current to previous", errno);
  if (::rename("current.new", "current") == -1) {
    // runit labels this "fatal" but goes on to put the old set back.
    supervise::write_stderr(
        supervise::diagnostic(prog, "fatal", "unable to move: current.new to current", errno));
    if (::rename("previous", "current") == -1)
      die("unable to move previous back to current", errno);
    return exit_fatal;
  }
  supervise::write_all(1, "runsvchdir: " + name + ": now current.\n");
  return exit_ok;
}

int main(int argc, char** argv) {
  const char* argv0 = argc > 0 && argv[0] ? argv[0] : "runsvchdir";
  return supervise::run_main(argv0, [&] {
    if (argc < 2) return supervise::usage(argv0, "dir", exit_usage);
    std::string name = argv[1];
    if (!name.empty() && name[0] == '.') die(name + ": must not start with a dot.");
    const char* env = std::getenv("RUNSVDIR");
    std::string base = env ? env : default_base;
    return switch_to(argv0, base, name);
  }, exit_fatal);
}

}  // namespace runsvchdir
