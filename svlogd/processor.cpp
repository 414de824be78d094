// The processor of a log directory (spec/svlogd.md §9): started on each
// rotated .u, restarted at once when it fails, its output renamed to .s.

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "logdir.hpp"
#include "options.hpp"
#include "supervise/fatal.hpp"
#include "supervise/spawn.hpp"

namespace svlogd {

namespace {

constexpr const char* prog = "svlogd";

}  // namespace

void logdir::start_processor() {
  if (processor_) {
    supervise::warn(prog, "processor already running: " + name_);
    return;
  }
  const std::string input = processing_ + ".u";
  const std::string what = ": " + name_;
  supervise::spawn_spec spec;
  spec.argv = {"sh", "-c", cfg_.processor};
  spec.path = "/bin/sh";
  spec.chdir_fd = dir_.get();
  auto open = [&](std::string path, int flags, int target, const char* failed) {
    supervise::spawn_open o;
    o.path = std::move(path);
    o.flags = flags;
    o.target = target;
    o.failed = failed + what;
    return o;
  };
  spec.opens.push_back(open(input, O_RDONLY | O_NONBLOCK, 0, "unable to open input for processor"));
  spec.opens.push_back(open(processing_ + ".t", O_WRONLY | O_NONBLOCK | O_TRUNC | O_CREAT, 1,
                            "unable to open output for processor"));
  auto state = open("state", O_RDONLY | O_NONBLOCK, 4, "unable to open state for processor");
  state.create_if_missing = true;
  state.create_failed = "unable to create empty state for processor" + what;
  spec.opens.push_back(std::move(state));
  spec.opens.push_back(open("newstate", O_WRONLY | O_NONBLOCK | O_TRUNC | O_CREAT, 5,
                            "unable to open newstate for processor"));
  spec.reset_signals = {SIGTERM, SIGALRM, SIGHUP, SIGCHLD};
  if (set_.verbose) spec.announce = "svlogd: info: processing: " + name_ + "/" + input + "\n";
  spec.prefix = prog;
  spec.exec_failed = "unable to run processor" + what;
  spec.chdir_failed = "unable to open input for processor" + what;
  spec.fd_failed = "unable to move filedescriptor for processor" + what;
  spec.exit_code = exit_fatal;
  pid_t pid;
  while ((pid = supervise::spawn(spec)) == -1) pause("unable to fork for processor", errno);
  processor_ = pid;
}

void logdir::processor_exited(int wait_status) {
  processor_ = 0;
  const std::string t = processing_ + ".t", s = processing_ + ".s", u = processing_ + ".u";
  // runit takes wait_status >> 8: a processor killed by a signal succeeded.
  if ((wait_status >> 8) != 0) {
    supervise::warn(prog, "processor failed, restart: " + name_);
    ::unlinkat(dir_.get(), t.c_str(), 0);
    start_processor();
    return;
  }
  while (::renameat(dir_.get(), t.c_str(), dir_.get(), s.c_str()) == -1)
    pause("unable to rename processed", errno);
  while (::fchmodat(dir_.get(), s.c_str(), 0744, 0) == -1) pause("unable to set mode of processed", errno);
  if (::unlinkat(dir_.get(), u.c_str(), 0) == -1)
    supervise::write_stderr("svlogd: warning: unable to unlink: " + name_ + "/" + u + "\n");
  while (::renameat(dir_.get(), "newstate", dir_.get(), "state") == -1)
    pause("unable to rename state", errno);
  info("processed: " + name_ + "/" + s);
}

void logdir::wait_processor() {
  while (processor_) {
    int ws = 0;
    pid_t r = ::waitpid(processor_, &ws, 0);
    if (r == -1) {
      if (errno == EINTR) continue;
      pause("error waiting for processor", errno);
      continue;
    }
    processor_exited(ws);
  }
}

}  // namespace svlogd
