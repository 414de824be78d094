#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

// A minimal container image booted with our static runit as its PID 1.
//
// The image is a root directory holding nothing but busybox-static
// (/bin/busybox, /bin/sh and the applets as symlinks to it), our static
// binaries (STATIC_BINDIR: /sbin/runit, /sbin/runit-init, /usr/bin/runsv,
// runsvdir, sv, svlogd, chpst and its personalities, /usr/sbin/runsvchdir,
// utmpset), /etc/passwd and /etc/group, and /etc/runit and /etc/service
// copied from examples/image/. It boots as a container runtime would start
// it: `setpriv --pdeathsig KILL unshare --pid --fork --mount-proc
// --kill-child` (so that nothing outlives the test), whose first process
// (PID 1 of the new namespace, in its own mount namespace) mounts proc on
// ROOT/proc, binds /dev/null, /dev/zero and /dev/urandom into ROOT/dev, and
// execs `chroot ROOT /sbin/runit` (or another PID 1) with PATH and
// SVDIR=/etc/service only.
// ROOT/dev/console is a FIFO this object reads: runit's console.
//
// Hardened: ROOT is bound read-only over itself first, /run and /tmp are
// tmpfs, /var/log is a writable host directory bound in (a volume: logs()),
// and every service's supervise (and log/supervise) is a symlink to
// /run/sv/NAME (/run/sv/NAME.log).
//
// The destructor SIGKILLs the namespace's PID 1 (which ends every process
// in it and, with unshare, its mounts) and reaps unshare.

namespace test::minimal {

// Generous for a busy two-core machine.
inline constexpr std::chrono::milliseconds long_timeout = 20s;

// What an ELF file's program headers say; nullopt if not an ELF file.
struct elf_facts {
  bool elf64 = false;
  bool interp = false;   // PT_INTERP: needs a dynamic loader
  bool dynamic = false;  // PT_DYNAMIC: links shared libraries
};
std::optional<elf_facts> elf_of(const std::string& path);

// Everything under root that a fully static image must not have: shared
// libraries or dynamic loaders by name (ld-linux*, ld-musl*, *.so, *.so.N,
// libc.so...), and ELF files with PT_INTERP or PT_DYNAMIC (or not 64-bit).
// Symlinks are not followed. One line per finding.
std::vector<std::string> dynamic_leftovers(const std::string& root);

// Makes root (which must not exist) a minimal image: busybox-static and its
// applets in /bin, our static multi-call binary under runit's names,
// /etc/passwd, /etc/group, /etc/runit and /etc/service from examples/image/,
// and empty /dev, /proc, /run, /tmp and /var/log. What both this image and
// the Docker tests' image hold.
void populate_root(const std::string& root);
// Makes each ROOT/etc/service/NAME/supervise (and log/supervise) a symlink to
// /run/sv/NAME (/run/sv/NAME.log), as examples/Dockerfile.alpine does.
void link_supervise_into_run(const std::string& root);

// A process of the namespace, seen from outside.
struct ns_proc {
  pid_t pid = 0;   // host pid
  pid_t ppid = 0;  // host pid
  char state = 0;
  std::string comm;
};

class image {
 public:
  explicit image(bool hardened);
  ~image();
  image(const image&) = delete;
  image& operator=(const image&) = delete;

  bool hardened() const noexcept { return hardened_; }
  // The image's root directory on the host.
  std::string root() const { return dir_ / "root"; }
  // Where /var/log's contents are on the host.
  std::string logs() const;

  // Boots the image with argv (a command line inside the image) as PID 1
  // and waits until PID 1 runs it.
  void start(std::vector<std::string> argv = {"/sbin/runit"});
  pid_t pid1() const noexcept { return pid1_; }
  void signal(int sig) const noexcept;
  // Waits for PID 1 to end: unshare's wait status (PID 1's exit code).
  std::optional<wait_status> wait_exit(std::chrono::milliseconds timeout = long_timeout);

  // runit's console so far.
  const std::string& console();
  void wait_console(std::string_view text, std::chrono::milliseconds timeout = long_timeout);
  // What unshare and the setup wrote to their stdout/stderr.
  std::string output();

  // Runs `sh -c script` inside the image: in its PID and mount namespaces,
  // chrooted to its root, environment PATH and SVDIR=/etc/service only.
  run_result probe(const std::string& script, std::chrono::milliseconds timeout = 20s);

  // PID 1 and every process below it.
  std::vector<ns_proc> processes() const;

  // Ends the namespace now (SIGKILL to PID 1) and reaps unshare.
  void kill() noexcept;

 private:
  void build_root();
  void drain_console();

  bool hardened_;
  temp_dir dir_;
  int console_fd_ = -1;
  std::string console_;
  std::optional<process> unshare_;
  pid_t pid1_ = 0;
};

// Lines of text without their "\n" (a last unterminated line included).
std::vector<std::string> lines_of(std::string_view text);

}  // namespace test::minimal
