#include <catch2/catch.hpp>

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise/client.hpp"
#include "supervise/fd.hpp"
#include "unit_support.hpp"

namespace {

// DIR/supervise/ with the two FIFOs, as a stopped runsv leaves it.
struct supervised_dir {
  unit::temp_dir tmp;
  std::string dir = tmp / "svc";
  supervised_dir() {
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    REQUIRE(::mkdir((dir + "/supervise").c_str(), 0700) == 0);
    REQUIRE(::mkfifo((dir + "/supervise/ok").c_str(), 0600) == 0);
    REQUIRE(::mkfifo((dir + "/supervise/control").c_str(), 0600) == 0);
  }
  supervise::fd open_reader(const char* name) const {
    return supervise::open_fd((dir + "/supervise/" + name).c_str(),
                              O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
};

void write_status_bytes(const std::string& dir, std::string_view bytes) {
  unit::write_file(dir + "/supervise/status", bytes);
}

}  // namespace

TEST_CASE("probe: no supervise/ is an error with ENOENT", "[client]") {
  unit::temp_dir tmp;
  int err = 0;
  CHECK(supervise::probe(tmp.path(), &err) == supervise::probe_result::error);
  CHECK(err == ENOENT);
}

TEST_CASE("probe: the ok FIFO without a reader is not running", "[client]") {
  supervised_dir sd;
  CHECK(supervise::probe(sd.dir) == supervise::probe_result::not_running);
}

TEST_CASE("probe: the ok FIFO with a reader open is running", "[client]") {
  supervised_dir sd;
  auto reader = sd.open_reader("ok");
  REQUIRE(reader);
  CHECK(supervise::probe(sd.dir) == supervise::probe_result::running);
}

TEST_CASE("probe: ok as a regular file opens, like runit's sv sees it", "[client]") {
  unit::temp_dir tmp;
  REQUIRE(::mkdir((tmp / "supervise").c_str(), 0700) == 0);
  unit::write_file(tmp / "supervise/ok", "");
  CHECK(supervise::probe(tmp.path()) == supervise::probe_result::running);
}

TEST_CASE("probe: a file in the path is an error with ENOTDIR", "[client]") {
  unit::temp_dir tmp;
  unit::write_file(tmp / "notadir", "");
  int err = 0;
  CHECK(supervise::probe(tmp / "notadir", &err) == supervise::probe_result::error);
  CHECK(err == ENOTDIR);
}

TEST_CASE("send_control: the bytes are readable from the reader", "[client]") {
  supervised_dir sd;
  auto reader = sd.open_reader("control");
  REQUIRE(reader);
  CHECK(supervise::send_control(sd.dir, "d") == supervise::send_result::sent);
  CHECK(supervise::send_control(sd.dir, "tcu") == supervise::send_result::sent);
  std::array<std::byte, 16> buf{};
  REQUIRE(supervise::read_some(reader.get(), buf) == 4);
  CHECK(std::string(reinterpret_cast<const char*>(buf.data()), 4) == "dtcu");
}

TEST_CASE("send_control: without a reader runsv is not running (never blocks)", "[client]") {
  supervised_dir sd;
  CHECK(supervise::send_control(sd.dir, "u") == supervise::send_result::not_running);
}

TEST_CASE("send_control: no supervise/ is an open failure with ENOENT", "[client]") {
  unit::temp_dir tmp;
  int err = 0;
  CHECK(supervise::send_control(tmp.path(), "u", &err) == supervise::send_result::open_failed);
  CHECK(err == ENOENT);
}

TEST_CASE("send_control: one write, a short one is a write failure without errno", "[client]") {
  supervised_dir sd;
  auto reader = sd.open_reader("control");
  REQUIRE(reader);
  int err = -1;
  const std::string big(1 << 20, 'x');
  CHECK(supervise::send_control(sd.dir, big, &err) == supervise::send_result::write_failed);
  CHECK(err == 0);
}

TEST_CASE("send_control: a full FIFO is a write failure with EAGAIN, not a hang", "[client]") {
  supervised_dir sd;
  auto reader = sd.open_reader("control");
  REQUIRE(reader);
  const std::string big(1 << 20, 'x');
  REQUIRE(supervise::send_control(sd.dir, big) == supervise::send_result::write_failed);
  int err = 0;
  CHECK(supervise::send_control(sd.dir, "u", &err) == supervise::send_result::write_failed);
  CHECK(err == EAGAIN);
}

TEST_CASE("read_status: 20 bytes decode", "[client]") {
  supervised_dir sd;
  const auto bytes = unit::from_hex("4000 0000 6b08 baa9 36bf 7ecc 9731 0000 0175 0001");
  write_status_bytes(sd.dir, std::string_view(reinterpret_cast<const char*>(bytes.data()), 20));
  supervise::status s;
  REQUIRE(supervise::read_status(sd.dir, s) == supervise::read_result::ok);
  CHECK(s.pid == 12695);
  CHECK(s.paused);
  CHECK(s.wants == supervise::want::up);
  CHECK(s.state == supervise::state::run);
  CHECK(s.time.unix_seconds() == 1795734175);
}

TEST_CASE("read_status: fewer than 20 bytes are bad format", "[client]") {
  supervised_dir sd;
  const std::size_t size = GENERATE(0, 1, 18, 19);
  write_status_bytes(sd.dir, std::string(size, '\0'));
  supervise::status s;
  s.pid = 77;
  CHECK(supervise::read_status(sd.dir, s) == supervise::read_result::bad_format);
  CHECK(s.pid == 77);
}

TEST_CASE("read_status: one read of 20 bytes, a longer file decodes its first 20 as runit's sv",
          "[client]") {
  supervised_dir sd;
  const auto bytes = unit::from_hex("4000 0000 6b08 baa9 36bf 7ecc 9731 0000 0175 0001");
  std::string content(reinterpret_cast<const char*>(bytes.data()), 20);
  write_status_bytes(sd.dir, content + "trailing");
  supervise::status s;
  REQUIRE(supervise::read_status(sd.dir, s) == supervise::read_result::ok);
  CHECK(s.pid == 12695);
  CHECK(s.state == supervise::state::run);
}

TEST_CASE("read_status: a missing status file is an open failure with ENOENT", "[client]") {
  supervised_dir sd;
  supervise::status s;
  int err = 0;
  CHECK(supervise::read_status(sd.dir, s, &err) == supervise::read_result::open_failed);
  CHECK(err == ENOENT);
}

TEST_CASE("read_status: a directory in its place is a read failure with EISDIR", "[client]") {
  supervised_dir sd;
  REQUIRE(::mkdir((sd.dir + "/supervise/status").c_str(), 0700) == 0);
  supervise::status s;
  int err = 0;
  CHECK(supervise::read_status(sd.dir, s, &err) == supervise::read_result::read_failed);
  CHECK(err == EISDIR);
}
