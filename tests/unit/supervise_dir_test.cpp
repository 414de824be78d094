#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/client.hpp"
#include "supervise/errstr.hpp"
#include "supervise/supervise_dir.hpp"
#include "unit_support.hpp"

namespace {

bool cloexec(const supervise::fd& f) { return (::fcntl(f.get(), F_GETFD) & FD_CLOEXEC) != 0; }
bool nonblock(const supervise::fd& f) { return (::fcntl(f.get(), F_GETFL) & O_NONBLOCK) != 0; }

// A service directory in a temporary directory, with the cwd inside it as
// runsv has it.
struct service_dir {
  unit::temp_dir tmp;
  unit::umask_guard mask{022};
  std::string svc = tmp / "svc";
  int made = ::mkdir(svc.c_str(), 0755);
  unit::cwd_guard cwd{svc};
};

supervise::status running_status() {
  supervise::status s;
  s.time = supervise::tai64n::from_unix(1795734171, 22586500);
  s.pid = 11630;
  s.wants = supervise::want::up;
  s.state = supervise::state::run;
  return s;
}

}  // namespace

TEST_CASE("make_supervise_dir: creates the directory with mode 0700", "[supervise-dir]") {
  service_dir sd;
  const auto e = supervise::make_supervise_dir("supervise");
  CHECK_FALSE(e);
  const mode_t m = unit::mode_of("supervise");
  CHECK(S_ISDIR(m));
  CHECK((m & 07777) == 0700);
}

TEST_CASE("make_supervise_dir: an existing directory is fine and keeps its mode", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0755) == 0);
  CHECK_FALSE(supervise::make_supervise_dir("supervise"));
  CHECK((unit::mode_of("supervise") & 07777) == 0755);
}

TEST_CASE("make_supervise_dir: a symlink to a missing relative target creates the target",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::symlink("../sup7", "supervise") == 0);
  CHECK_FALSE(supervise::make_supervise_dir("supervise"));
  const mode_t m = unit::mode_of(sd.tmp / "sup7");
  CHECK(S_ISDIR(m));
  CHECK((m & 07777) == 0700);
  CHECK(S_ISLNK(unit::mode_of("supervise")));
}

TEST_CASE("make_supervise_dir: a symlink to an existing directory is fine", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir((sd.tmp / "sup8").c_str(), 0750) == 0);
  REQUIRE(::symlink("../sup8", "supervise") == 0);
  CHECK_FALSE(supervise::make_supervise_dir("supervise"));
  CHECK((unit::mode_of(sd.tmp / "sup8") & 07777) == 0750);
}

TEST_CASE("make_supervise_dir: only one level is created, the error is left to the lock",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::symlink("../a/b", "supervise") == 0);
  CHECK_FALSE(supervise::make_supervise_dir("supervise"));
  CHECK_FALSE(unit::exists(sd.tmp / "a"));
  const char* failed = nullptr;
  CHECK_FALSE(supervise::take_lock("supervise", false, &failed));
  CHECK(std::string(failed) == "open");
  CHECK(errno == ENOENT);
}

TEST_CASE("make_supervise_dir: a readlink error is reported with its errno", "[supervise-dir]") {
  service_dir sd;
  unit::write_file("file", "");
  const auto e = supervise::make_supervise_dir("file/supervise");
  REQUIRE(e);
  CHECK(std::string(e.what) == "unable to readlink ./file/supervise");
  CHECK(e.err == ENOTDIR);
}

TEST_CASE("make_supervise_dir: a link target of 256 bytes or more is name too long",
          "[supervise-dir]") {
  service_dir sd;
  const std::size_t length = GENERATE(256, 300);
  REQUIRE(::symlink(std::string(length, 'a').c_str(), "supervise") == 0);
  const auto e = supervise::make_supervise_dir("supervise");
  REQUIRE(e);
  CHECK(std::string(e.what) == "unable to readlink ./supervise");
  CHECK(e.err == -1);
}

TEST_CASE("make_supervise_dir: a link target of 255 bytes is created", "[supervise-dir]") {
  service_dir sd;
  const std::string target(255, 'b');
  REQUIRE(::symlink(target.c_str(), "supervise") == 0);
  CHECK_FALSE(supervise::make_supervise_dir("supervise"));
  CHECK(S_ISDIR(unit::mode_of(target)));
}

TEST_CASE("take_lock: creates an empty lock file 0600, close-on-exec, locked", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const char* failed = nullptr;
  auto lock = supervise::take_lock("supervise", false, &failed);
  REQUIRE(lock);
  CHECK(cloexec(lock));
  const mode_t m = unit::mode_of("supervise/lock");
  CHECK(S_ISREG(m));
  CHECK((m & 07777) == 0600);
  CHECK(unit::read_file("supervise/lock").empty());
  // flock locks belong to the open file description: a second open conflicts.
  int other = ::open("supervise/lock", O_RDONLY | O_CLOEXEC);
  CHECK(::flock(other, LOCK_EX | LOCK_NB) == -1);
  ::close(other);
}

TEST_CASE("take_lock: a second lock fails with EWOULDBLOCK (temporary failure)",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const char* failed = nullptr;
  auto first = supervise::take_lock("supervise", false, &failed);
  REQUIRE(first);
  errno = 0;
  auto second = supervise::take_lock("supervise", false, &failed);
  CHECK_FALSE(second);
  CHECK(std::string(failed) == "lock");
  CHECK(errno == EWOULDBLOCK);
  CHECK(std::string(supervise::errstr(errno)) == "temporary failure");
  first.close();
  auto third = supervise::take_lock("supervise", false, &failed);
  CHECK(third);
}

TEST_CASE("take_lock: a missing directory fails to open", "[supervise-dir]") {
  service_dir sd;
  const char* failed = nullptr;
  CHECK_FALSE(supervise::take_lock("log/supervise", true, &failed));
  CHECK(std::string(failed) == "open");
  CHECK(errno == ENOENT);
}

TEST_CASE("take_lock: waiting succeeds on a free lock", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const char* failed = nullptr;
  auto lock = supervise::take_lock("supervise", true, &failed);
  CHECK(lock);
}

TEST_CASE("open_control: creates the FIFO 0600 and opens both ends", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const char* failed = nullptr;
  auto fifo = supervise::open_control("supervise", &failed);
  REQUIRE(fifo.reader);
  REQUIRE(fifo.writer);
  const mode_t m = unit::mode_of("supervise/control");
  CHECK(S_ISFIFO(m));
  CHECK((m & 07777) == 0600);
  CHECK(cloexec(fifo.reader));
  CHECK(cloexec(fifo.writer));
  CHECK(nonblock(fifo.reader));
  CHECK(nonblock(fifo.writer));
  CHECK((::fcntl(fifo.reader.get(), F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK((::fcntl(fifo.writer.get(), F_GETFL) & O_ACCMODE) == O_WRONLY);
}

TEST_CASE("open_control: client bytes reach the reader, no EOF while runsv holds the writer",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const char* failed = nullptr;
  auto fifo = supervise::open_control("supervise", &failed);
  REQUIRE(fifo.reader);
  CHECK(supervise::send_control(".", "tcu") == supervise::send_result::sent);
  std::array<std::byte, 8> buf{};
  CHECK(supervise::read_some(fifo.reader.get(), buf) == 3);
  CHECK(buf[0] == std::byte{'t'});
  CHECK(buf[2] == std::byte{'u'});
  CHECK(supervise::read_some(fifo.reader.get(), buf) == -1);
  CHECK(errno == EAGAIN);
}

TEST_CASE("open_control: an existing FIFO is kept with its mode", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  REQUIRE(::mkfifo("supervise/control", 0640) == 0);
  const char* failed = nullptr;
  auto fifo = supervise::open_control("supervise", &failed);
  CHECK(fifo.reader);
  CHECK((unit::mode_of("supervise/control") & 07777) == 0640);
}

TEST_CASE("open_control: a regular file is not a fifo", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  unit::write_file("supervise/control", "");
  const char* failed = nullptr;
  auto fifo = supervise::open_control("supervise", &failed);
  CHECK_FALSE(fifo.reader);
  CHECK_FALSE(fifo.writer);
  CHECK(std::string(failed) == "fifo");
}

TEST_CASE("open_control: a missing directory fails at stat", "[supervise-dir]") {
  service_dir sd;
  const char* failed = nullptr;
  auto fifo = supervise::open_control("log/supervise", &failed);
  CHECK_FALSE(fifo.reader);
  CHECK(std::string(failed) == "stat");
  CHECK(errno == ENOENT);
}

TEST_CASE("open_ok: creates the FIFO 0600, clients see runsv running while it is open",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  auto ok = supervise::open_ok("supervise");
  REQUIRE(ok);
  CHECK(cloexec(ok));
  CHECK(nonblock(ok));
  const mode_t m = unit::mode_of("supervise/ok");
  CHECK(S_ISFIFO(m));
  CHECK((m & 07777) == 0600);
  CHECK(supervise::probe(".") == supervise::probe_result::running);
  ok.close();
  CHECK(supervise::probe(".") == supervise::probe_result::not_running);
  auto again = supervise::open_ok("supervise");
  CHECK(again);
}

TEST_CASE("open_ok: a missing directory gives an invalid fd and errno", "[supervise-dir]") {
  service_dir sd;
  errno = 0;
  CHECK_FALSE(supervise::open_ok("supervise"));
  CHECK(errno == ENOENT);
}

TEST_CASE("write_status_files: exact bytes, modes 0644, no *.new left", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  unit::stderr_capture cap;
  supervise::write_status_files("supervise", running_status(), true, "runsv svc");
  CHECK(cap.stop().empty());
  CHECK(unit::read_file("supervise/pid") == "11630\n");
  CHECK(unit::read_file("supervise/stat") == "run\n");
  const auto expected = unit::from_hex("4000 0000 6b08 baa5 0158 a484 6e2d 0000 0075 0001");
  CHECK(unit::read_file("supervise/status") ==
        std::string(reinterpret_cast<const char*>(expected.data()), expected.size()));
  for (const char* name : {"supervise/pid", "supervise/stat", "supervise/status"}) {
    INFO(name);
    const mode_t m = unit::mode_of(name);
    CHECK(S_ISREG(m));
    CHECK((m & 07777) == 0644);
  }
  for (const char* name : {"supervise/pid.new", "supervise/stat.new", "supervise/status.new"})
    CHECK_FALSE(unit::exists(name));
}

TEST_CASE("write_status_files: the pid file is empty when pid is 0", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  supervise::status s = running_status();
  s.pid = 0;
  s.state = supervise::state::down;
  s.wants = supervise::want::down;
  supervise::write_status_files("supervise", s, true, "runsv svc");
  CHECK(unit::read_file("supervise/pid").empty());
  CHECK(unit::read_file("supervise/stat") == "down\n");
  CHECK(unit::read_file("supervise/status").size() == 20);
}

TEST_CASE("write_status_files: the pid file is left alone when the pid did not change",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  unit::write_file("supervise/pid", "old\n");
  supervise::status s = running_status();
  s.paused = true;
  supervise::write_status_files("supervise", s, false, "runsv svc");
  CHECK(unit::read_file("supervise/pid") == "old\n");
  CHECK(unit::read_file("supervise/stat") == "run, paused\n");
}

TEST_CASE("write_status_files: existing files are replaced", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  unit::write_file("supervise/stat", "a much longer old stat line\n", 0600);
  supervise::write_status_files("supervise", running_status(), true, "runsv svc");
  CHECK(unit::read_file("supervise/stat") == "run\n");
  CHECK((unit::mode_of("supervise/stat") & 07777) == 0644);
}

TEST_CASE("write_status_files: a leftover *.new file is truncated first", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  const std::string junk(64, 'j');
  for (const char* name : {"supervise/pid.new", "supervise/stat.new", "supervise/status.new"})
    unit::write_file(name, junk);
  supervise::write_status_files("supervise", running_status(), true, "runsv svc");
  CHECK(unit::read_file("supervise/pid") == "11630\n");
  CHECK(unit::read_file("supervise/stat") == "run\n");
  CHECK(unit::read_file("supervise/status").size() == 20);
}

TEST_CASE("write_status_files: the log service's files and read_status agree",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("log", 0755) == 0);
  REQUIRE(::mkdir("log/supervise", 0700) == 0);
  supervise::write_status_files("log/supervise", running_status(), true, "runsv svc");
  supervise::status read_back;
  REQUIRE(supervise::read_status("log", read_back) == supervise::read_result::ok);
  CHECK(read_back == running_status());
  CHECK(unit::read_file("log/supervise/pid") == "11630\n");
}

TEST_CASE("write_status_files: open failures are runit's warnings, one per file",
          "[supervise-dir]") {
  service_dir sd;
  unit::stderr_capture cap;
  supervise::write_status_files("log/supervise", running_status(), true, "runsv svc");
  CHECK(cap.stop() ==
        "runsv svc: warning: unable to open log/supervise/pid.new: file does not exist\n"
        "runsv svc: warning: unable to open log/supervise/stat.new: file does not exist\n"
        "runsv svc: warning: unable to open log/supervise/status.new: file does not exist\n");
}

TEST_CASE("write_status_files: a failed rename is warned and leaves the *.new file",
          "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("supervise", 0700) == 0);
  // A non-empty directory cannot be replaced by rename(2).
  REQUIRE(::mkdir("supervise/status", 0700) == 0);
  unit::write_file("supervise/status/x", "");
  unit::stderr_capture cap;
  supervise::write_status_files("supervise", running_status(), true, "runsv svc");
  CHECK(cap.stop() ==
        "runsv svc: warning: unable to rename status.new to supervise/status: is a directory\n");
  CHECK(unit::exists("supervise/status.new"));
  CHECK(unit::read_file("supervise/stat") == "run\n");
  CHECK(unit::read_file("supervise/pid") == "11630\n");
}

TEST_CASE("write_status_files: the log's rename warning names log/supervise", "[supervise-dir]") {
  service_dir sd;
  REQUIRE(::mkdir("log", 0755) == 0);
  REQUIRE(::mkdir("log/supervise", 0700) == 0);
  REQUIRE(::mkdir("log/supervise/pid", 0700) == 0);
  unit::write_file("log/supervise/pid/x", "");
  unit::stderr_capture cap;
  supervise::write_status_files("log/supervise", running_status(), true, "runsv svc");
  CHECK(cap.stop() ==
        "runsv svc: warning: unable to rename pid.new to log/supervise/pid: is a directory\n");
  CHECK(unit::read_file("log/supervise/stat") == "run\n");
  CHECK(unit::read_file("log/supervise/status").size() == 20);
}
