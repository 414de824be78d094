// Every program started with descriptor 0, 1 or 2 closed (closed in the child
// before exec, as `prog <&-` does): it behaves as usual, as Debian's program
// does where that is meaningful, and no file it opens itself (the lock, the
// control FIFO) ends up as a service's standard descriptor.

#include <catch2/catch.hpp>

#include <csignal>
#include <climits>
#include <string>
#include <unistd.h>
#include <vector>

#include "process.hpp"
#include "service.hpp"
#include "sv_support.hpp"
#include "temp_dir.hpp"
#include "wait.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

const std::vector<int> std_fds{0, 1, 2};

spawn_options closing(int fd, spawn_options o = {}) {
  o.closed_fds = {fd};
  return o;
}

std::string debian_sbin(const std::string& name) { return "/usr/sbin/" + name; }

std::string link_target(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "<unreadable>" : std::string(buf, static_cast<std::size_t>(n));
}

// A run script that records what its shell got as descriptors 0, 1 and 2
// ("0=TARGET 1=TARGET 2=TARGET", empty for a closed one), then sleeps.
const char* const fd_recorder =
    "a=$(readlink /proc/$$/fd/0); b=$(readlink /proc/$$/fd/1); c=$(readlink /proc/$$/fd/2)\n"
    "echo \"0=$a 1=$b 2=$c\" > fds.new\n"
    "mv fds.new fds\n"
    "exec sleep 1000\n";

// Checks the line fd_recorder wrote: the descriptor that was closed when the
// supervisor started is /dev/null, the others are what the test gave
// (/dev/null as stdin, pipes as stdout and stderr), and none is a file the
// supervisor opened itself (supervise/lock, supervise/control, ...).
void check_recorded_fds(std::string line, int closed) {
  if (!line.empty() && line.back() == '\n') line.pop_back();
  INFO("the run script's descriptors: " << line);
  std::vector<std::string> targets;
  std::size_t pos = 0;
  for (int fd = 0; fd < 3; ++fd) {
    std::string key = std::to_string(fd) + "=";
    std::size_t at = line.find(key, pos);
    REQUIRE(at != std::string::npos);
    std::size_t end = line.find(' ', at);
    targets.push_back(line.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size()));
    pos = at + key.size();
  }
  for (int fd = 0; fd < 3; ++fd) {
    INFO("descriptor " << fd);
    CHECK(targets[fd].find("supervise") == std::string::npos);
    if (fd == closed || fd == 0)
      CHECK(targets[fd] == "/dev/null");
    else
      CHECK(targets[fd].rfind("pipe:", 0) == 0);
  }
}

// A supervisor (runsv or runsvdir) started in its own session; at the end
// its service and everything in its process group are SIGKILLed.
struct supervisor {
  std::string svc;
  process p;
  supervisor(const std::vector<std::string>& argv, const std::string& svc_dir, const spawn_options& o)
      : svc(svc_dir), p(argv, o) {}
  ~supervisor() {
    if (auto pid = status_pid(svc); pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
    if (!p.poll_exit()) ::kill(-p.pid(), SIGKILL);
  }
};

spawn_options supervisor_options(int closed, const std::string& cwd) {
  spawn_options o = closing(closed, in_dir(cwd));
  o.new_session = true;
  return o;
}

}  // namespace

TEST_CASE("std fds: svlogd with 0, 1 or 2 closed exits 0 at end of input, as Debian's", "[e2e][std-fds][svlogd]") {
  for (int fd : std_fds) {
    for (const std::string& bin : {std::string(SVLOGD_BIN), reference_bin("svlogd")}) {
      INFO(bin << " with descriptor " << fd << " closed");
      temp_dir dir("std-fds");
      make_dir(dir / "log");
      // With stdin closed there is nothing to read: svlogd must not wait.
      auto r = run({bin, dir / "log"}, closing(fd), 10s);
      CHECK(r.status.describe() == "exit 0");
      CHECK(exists(dir / "log/current"));
      // Debian's reads its log directory, opened as fd 0, and warns; ours is quiet.
      if (fd != 2 && bin == SVLOGD_BIN) CHECK(r.err.empty());
      if (fd == 0) continue;
      // With stdout or stderr closed, the lines on stdin are logged.
      temp_dir dir2("std-fds");
      make_dir(dir2 / "log");
      auto piped = run({"/bin/sh", "-c", "printf 'one\\ntwo\\n' | \"$0\" \"$1\"", bin, dir2 / "log"}, closing(fd), 10s);
      CHECK(piped.status.describe() == "exit 0");
      CHECK(read_file(dir2 / "log/current") == "one\ntwo\n");
    }
  }
}

TEST_CASE("std fds: sv status with 0, 1 or 2 closed exits as Debian's sv does", "[e2e][std-fds][sv]") {
  temp_dir root("std-fds");
  make_dir(root / "svc");
  write_script(root / "svc/run", "exec sleep 1000\n");
  make_dir(root / "missing-runsv");
  runsv_instance rs(root / "svc");
  rs.wait_ready();
  wait_state(root / "svc", "run\n", flags_hex(0, 'u', 0, 1), 10s);
  for (const std::string& svc : {root / "svc", root / "missing-runsv", root / "nonexistent"}) {
    for (int fd : std_fds) {
      INFO("sv status " << svc << " with descriptor " << fd << " closed");
      auto ours = run({sv_under_test(), "status", svc}, closing(fd));
      auto debian = run({reference_bin("sv"), "status", svc}, closing(fd));
      CHECK(ours.status.describe() == debian.status.describe());
      if (fd != 1) CHECK(mask_sv(ours.out, root.path()) == mask_sv(debian.out, root.path()));
      if (fd != 2) CHECK(ours.err == debian.err);
      // Not an empty comparison: what sv says reaches the open descriptors.
      if (fd == 0) CHECK_FALSE((ours.out + ours.err).empty());
    }
  }
}

TEST_CASE("std fds: chpst -0 or -1 on an already closed descriptor fails as Debian's chpst", "[e2e][std-fds][chpst]") {
  for (const std::string& bin : {std::string(CHPST_BIN), reference_bin("chpst")}) {
    INFO(bin);
    auto in = run({bin, "-0", "true"}, closing(0));
    CHECK(in.status.describe() == "exit 111");
    CHECK(in.err == "chpst: fatal: unable to close stdin: file descriptor not open\n");
    auto out = run({bin, "-1", "true"}, closing(1));
    CHECK(out.status.describe() == "exit 111");
    CHECK(out.err == "chpst: fatal: unable to close stdout: file descriptor not open\n");
  }
}

TEST_CASE("std fds: chpst gives its program a closed descriptor closed, as Debian's chpst", "[e2e][std-fds][chpst]") {
  // The probe is built next to this tree's chpst.
  const std::string built = RUNIT_BUILT_CHPST;
  const std::string probe = runnable_by_all(built.substr(0, built.rfind('/')) + "/chpst_probe");
  const std::vector<std::string> expected{"fd0=closed fd1=open fd2=open\n", "fd0=open fd1=closed fd2=open\n",
                                          "fd0=open fd1=open fd2=closed\n"};
  for (int fd : std_fds) {
    for (const std::string& bin : {std::string(CHPST_BIN), reference_bin("chpst")}) {
      INFO(bin << " with descriptor " << fd << " closed");
      temp_dir dir("std-fds");
      // Written to a file: stdout may be the closed one.
      auto r = run({bin, probe, "fds", "out:" + (dir / "fds")}, closing(fd));
      CHECK(r.status.describe() == "exit 0");
      CHECK(read_file(dir / "fds") == expected[fd]);
      // The same seen in /proc by a shell that chpst runs: the open ones of 0, 1, 2.
      auto sh = run({bin, "/bin/sh", "-c",
                     "s=; for f in 0 1 2; do [ -e /proc/$$/fd/$f ] && s=$s$f; done; echo $s > \"$0\"", dir / "sh"},
                    closing(fd));
      CHECK(sh.status.describe() == "exit 0");
      std::string open_ones = "012";
      open_ones.erase(static_cast<std::size_t>(fd), 1);
      CHECK(read_file(dir / "sh") == open_ones + "\n");
    }
  }
}

TEST_CASE("std fds: runsv with 0, 1 or 2 closed supervises, and ./run gets none of its files", "[e2e][std-fds][runsv]") {
  for (int fd : std_fds) {
    INFO("runsv started with descriptor " << fd << " closed");
    temp_dir root("std-fds");
    make_dir(root / "svc");
    write_script(root / "svc/run", fd_recorder);
    supervisor rs({runsv_under_test(), "svc"}, root / "svc", supervisor_options(fd, root.path()));
    auto first = wait_running_other_than(root / "svc", 0, 10s);
    wait_until([&] { return exists(root / "svc/fds"); }, "./run to record its descriptors", 10s,
               [&] { return describe_state(root / "svc") + "; runsv stderr: " + rs.p.err(); });
    check_recorded_fds(read_file(root / "svc/fds").value_or(""), fd);
    // Supervised as usual: down, then up again with a new child.
    send_control(root / "svc", "d");
    wait_state(root / "svc", "down\n", flags_hex(0, 'd', 0, 0), 10s);
    ::unlink((root / "svc/fds").c_str());
    send_control(root / "svc", "u");
    wait_running_other_than(root / "svc", first.pid, 10s);
    wait_until([&] { return exists(root / "svc/fds"); }, "the restarted ./run to record its descriptors", 10s);
    check_recorded_fds(read_file(root / "svc/fds").value_or(""), fd);
    // Down, then exit: runsv exits 0 once the service is down.
    send_control(root / "svc", "d");
    wait_state(root / "svc", "down\n", flags_hex(0, 'd', 0, 0), 10s);
    send_control(root / "svc", "x");
    auto st = rs.p.wait_exit(10s);
    REQUIRE(st);
    CHECK(st->describe() == "exit 0");
  }
}

TEST_CASE("std fds: runsvdir with 0, 1 or 2 closed starts a service whose ./run gets none of runsv's files",
          "[e2e][std-fds][runsvdir]") {
  for (int fd : std_fds) {
    INFO("runsvdir started with descriptor " << fd << " closed");
    temp_dir root("std-fds");
    make_dir(root / "svc");
    write_script(root / "svc/run", fd_recorder);
    // runsvdir runs the runsv it finds in PATH: the one under test.
    temp_dir bin("std-fds-bin");
    REQUIRE(::symlink(runsv_under_test().c_str(), (bin / "runsv").c_str()) == 0);
    spawn_options o = supervisor_options(fd, root.path());
    o.env = {"PATH=" + bin.path() + ":/usr/bin:/bin"};
    supervisor rsd({RUNSVDIR_BIN, root.path()}, root / "svc", o);
    wait_running_other_than(root / "svc", 0, 10s);
    wait_until([&] { return exists(root / "svc/fds"); }, "./run to record its descriptors", 10s,
               [&] { return describe_state(root / "svc") + "; runsvdir stderr: " + rsd.p.err(); });
    check_recorded_fds(read_file(root / "svc/fds").value_or(""), fd);
    // HUP: runsvdir stops its runsvs (which stop the service) and exits.
    rsd.p.signal(SIGHUP);
    auto st = rsd.p.wait_exit(10s);
    REQUIRE(st);
    CHECK(st->describe() == "exit 111");
    wait_stat(root / "svc", "down\n", 10s);
  }
}

TEST_CASE("std fds: utmpset and runsvchdir with 0, 1 or 2 closed exit with their usual codes", "[e2e][std-fds]") {
  for (int fd : std_fds) {
    INFO("descriptor " << fd << " closed");
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{{}, {"-x", "tty1"}}) {
      auto ours = run([&] {
        std::vector<std::string> a{UTMPSET_BIN};
        a.insert(a.end(), args.begin(), args.end());
        return a;
      }(), closing(fd));
      auto debian = run([&] {
        std::vector<std::string> a{debian_sbin("utmpset")};
        a.insert(a.end(), args.begin(), args.end());
        return a;
      }(), closing(fd));
      CHECK(ours.status.describe() == "exit 1");
      CHECK(debian.status.describe() == "exit 1");
      if (fd != 2) CHECK(ours.err.find("usage: ") != std::string::npos);
    }
    auto ours = run({RUNSVCHDIR_BIN}, closing(fd));
    auto debian = run({debian_sbin("runsvchdir")}, closing(fd));
    CHECK(ours.status.describe() == "exit 1");
    CHECK(debian.status.describe() == "exit 1");
    if (fd != 2) CHECK(ours.err == "usage: " + std::string(RUNSVCHDIR_BIN) + " dir\n\n");
    // A real switch (ours only: Debian's runsvchdir ignores $RUNSVDIR).
    temp_dir base("std-fds");
    make_dir(base / "default");
    make_dir(base / "single");
    REQUIRE(::symlink("default", (base / "current").c_str()) == 0);
    spawn_options o = closing(fd);
    o.env = {"RUNSVDIR=" + base.path()};
    auto sw = run({RUNSVCHDIR_BIN, "single"}, o);
    CHECK(sw.status.describe() == "exit 0");
    if (fd != 1) CHECK(sw.out == "runsvchdir: single: now current.\n");
    CHECK(link_target(base / "current") == "single");
  }
}
