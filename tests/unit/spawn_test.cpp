#include <catch2/catch.hpp>

#include <csignal>
#include <initializer_list>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "supervise/fd.hpp"
#include "supervise/spawn.hpp"
#include "unit_support.hpp"

namespace {

struct child_result {
  int status = 0;
  std::string out;
  std::string err;
};

supervise::fd pipe_end(int raw) { return supervise::fd{raw}; }

// Spawns `spec` with stdout on a pipe (unless the spec sets its own) and
// stderr captured, waits for the child and returns what it wrote.
child_result run(supervise::spawn_spec spec) {
  int out[2];
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  auto out_read = pipe_end(out[0]);
  auto out_write = pipe_end(out[1]);
  if (spec.stdout_fd < 0) spec.stdout_fd = out_write.get();
  unit::stderr_capture cap;
  const pid_t pid = supervise::spawn(spec);
  cap.restore();
  REQUIRE(pid > 0);
  out_write.close();
  child_result r;
  REQUIRE(::waitpid(pid, &r.status, 0) == pid);
  r.out = unit::read_all(out_read.get());
  r.err = cap.stop();
  return r;
}

supervise::spawn_spec spec_for(std::vector<std::string> argv) {
  supervise::spawn_spec spec;
  spec.argv = std::move(argv);
  spec.prefix = "runsv svc";
  spec.exec_failed = "unable to start ./run";
  spec.chdir_failed = "unable to change directory to ./log";
  spec.fd_failed = "unable to setup filedescriptor for ./run";
  return spec;
}

bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

// The hex mask of a "SigXxx:" line of /proc/self/status in `text`.
unsigned long long proc_mask(const std::string& text, const std::string& key) {
  const auto at = text.find(key + ":\t");
  REQUIRE(at != std::string::npos);
  return std::strtoull(text.c_str() + at + key.size() + 2, nullptr, 16);
}

// Sets the signal mask to exactly `sigs` for the scope, restoring the
// previous mask after (so no test depends on what an earlier one left).
struct mask_guard {
  sigset_t saved;
  explicit mask_guard(std::initializer_list<int> sigs) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : sigs) sigaddset(&set, sig);
    ::sigprocmask(SIG_SETMASK, &set, &saved);
  }
  ~mask_guard() { ::sigprocmask(SIG_SETMASK, &saved, nullptr); }
};

// Sets the disposition of `sig` for the scope.
struct signal_disposition {
  int sig;
  struct sigaction saved {};
  signal_disposition(int s, void (*handler)(int)) : sig(s) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, &saved);
  }
  ~signal_disposition() { ::sigaction(sig, &saved, nullptr); }
};

}  // namespace

TEST_CASE("spawn: argv and the environment reach the program", "[spawn]") {
  ::setenv("LIBSUPERVISE_SPAWN_TEST", "from parent", 1);
  const auto r = run(spec_for({"/bin/sh", "-c", "printf '%s|%s' \"$1\" \"$LIBSUPERVISE_SPAWN_TEST\"",
                               "sh", "a b"}));
  ::unsetenv("LIBSUPERVISE_SPAWN_TEST");
  CHECK(exited_with(r.status, 0));
  CHECK(r.out == "a b|from parent");
  CHECK(r.err.empty());
}

TEST_CASE("spawn: the child gets stdin and stdout fds", "[spawn]") {
  int in[2];
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  auto in_read = pipe_end(in[0]);
  auto in_write = pipe_end(in[1]);
  REQUIRE(supervise::write_all(in_write.get(), std::string_view("hello from stdin\n")));
  in_write.close();
  auto spec = spec_for({"/bin/cat"});
  spec.stdin_fd = in_read.get();
  const auto r = run(spec);
  CHECK(exited_with(r.status, 0));
  CHECK(r.out == "hello from stdin\n");
}

TEST_CASE("spawn: a failed exec prints runit's fatal line and exits 111", "[spawn]") {
  unit::temp_dir tmp;
  const auto r = run(spec_for({tmp / "run"}));
  CHECK(exited_with(r.status, 111));
  CHECK(r.err == "runsv svc: fatal: unable to start ./run: file does not exist\n");
  CHECK(r.out.empty());
}

TEST_CASE("spawn: exec of a non-executable file reports access denied", "[spawn]") {
  // Without any x bit even root gets EACCES from execve.
  unit::temp_dir tmp;
  unit::write_file(tmp / "finish", "#!/bin/sh\n", 0644);
  auto spec = spec_for({tmp / "finish"});
  spec.exec_failed = "unable to start ./finish";
  const auto r = run(spec);
  CHECK(exited_with(r.status, 111));
  CHECK(r.err == "runsv svc: fatal: unable to start ./finish: access denied\n");
}

TEST_CASE("spawn: chdir happens before exec", "[spawn]") {
  unit::temp_dir tmp;
  auto spec = spec_for({"/bin/pwd"});
  spec.chdir_to = tmp.path().c_str();
  const auto r = run(spec);
  CHECK(exited_with(r.status, 0));
  char* real = ::realpath(tmp.path().c_str(), nullptr);
  REQUIRE(real);
  CHECK(r.out == std::string(real) + "\n");
  std::free(real);
}

TEST_CASE("spawn: a failed chdir prints its fatal line and exits 111", "[spawn]") {
  unit::temp_dir tmp;
  const std::string missing = tmp / "log";
  auto spec = spec_for({"/bin/true"});
  spec.chdir_to = missing.c_str();
  const auto r = run(spec);
  CHECK(exited_with(r.status, 111));
  CHECK(r.err == "runsv svc: fatal: unable to change directory to ./log: file does not exist\n");
}

TEST_CASE("spawn: a bad stdout fd prints the fd_failed line and exits 111", "[spawn]") {
  // A high number nothing in this test opens (a just-closed one would be reused).
  const int closed_fd = 987;
  REQUIRE(::fcntl(closed_fd, F_GETFD) == -1);
  auto spec = spec_for({"/bin/true"});
  spec.stdout_fd = closed_fd;
  const auto r = run(spec);
  CHECK(exited_with(r.status, 111));
  CHECK(r.err == "runsv svc: fatal: unable to setup filedescriptor for ./run: "
                 "file descriptor not open\n");
}

TEST_CASE("spawn: the signal mask is empty in the child", "[spawn]") {
  mask_guard mask{SIGUSR1, SIGTERM, SIGCHLD};
  const auto r = run(spec_for({"/bin/grep", "SigBlk", "/proc/self/status"}));
  CHECK(exited_with(r.status, 0));
  CHECK(r.out == "SigBlk:\t0000000000000000\n");
}

TEST_CASE("spawn: the parent's signal mask is restored", "[spawn]") {
  mask_guard mask{SIGUSR1};
  const auto r = run(spec_for({"/bin/true"}));
  sigset_t after;
  ::sigprocmask(SIG_BLOCK, nullptr, &after);
  CHECK(exited_with(r.status, 0));
  for (int sig = 1; sig < NSIG; ++sig) {
    INFO(sig);
    CHECK(sigismember(&after, sig) == (sig == SIGUSR1 ? 1 : 0));
  }
}

TEST_CASE("spawn: listed signals are reset to SIG_DFL in the child", "[spawn]") {
  // An ignored signal stays ignored across exec, so SigIgn shows the reset.
  signal_disposition ignored(SIGUSR1, SIG_IGN);
  const unsigned long long usr1_bit = 1ULL << (SIGUSR1 - 1);
  const auto kept = run(spec_for({"/bin/grep", "SigIgn", "/proc/self/status"}));
  CHECK((proc_mask(kept.out, "SigIgn") & usr1_bit) != 0);
  auto spec = spec_for({"/bin/grep", "SigIgn", "/proc/self/status"});
  spec.reset_signals = {SIGUSR1, SIGCHLD};
  const auto reset = run(spec);
  CHECK(exited_with(reset.status, 0));
  CHECK((proc_mask(reset.out, "SigIgn") & usr1_bit) == 0);
}

TEST_CASE("spawn: an empty argv is refused with EINVAL", "[spawn]") {
  supervise::spawn_spec spec;
  errno = 0;
  CHECK(supervise::spawn(spec) == -1);
  CHECK(errno == EINVAL);
}

TEST_CASE("spawn: a cgroup_fd that is no cgroup falls back to fork: the child runs in the parent's cgroup",
          "[spawn]") {
  unit::temp_dir tmp;
  auto dir = supervise::open_fd(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dir);
  auto spec = spec_for({"/bin/cat", "/proc/self/cgroup"});
  spec.cgroup_fd = dir.get();
  const auto r = run(spec);
  CHECK(exited_with(r.status, 0));
  CHECK(r.out == unit::read_all(supervise::open_fd("/proc/self/cgroup", O_RDONLY | O_CLOEXEC).get()));
  CHECK(r.err.empty());
}
