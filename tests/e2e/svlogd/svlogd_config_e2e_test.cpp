// Patterns across directories, HUP, the stale stderr flag, UDP and config
// read errors (spec/svlogd.md §4, §5.1, §10, §16.11, §16.12).

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

// A UDP socket bound on 127.0.0.1 with an ephemeral port.
struct udp_sink {
  int fd = -1;
  int port = 0;
  udp_sink() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~udp_sink() { ::close(fd); }
  // The next datagram, or nullopt after the timeout.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = default_timeout) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }
};

}  // namespace

TEST_CASE("svlogd: patterns, prefix, HUP and the stale stderr flag with two dirs (§16.11)", "[svlogd][hup]") {
  temp_dir root("svlogd-test");
  make_dir(root / "h1");
  make_dir(root / "h2");
  write_file(root / "h1/config", "pA: \n-*\n+a*\ne*x\nE*xx\n");
  write_file(root / "h2/config", "-a*\n");
  svlogd_process p(ours(), {"-tt", "-v", "h1", "h2"}, root.path(), root / "err");
  p.write("abc\nbcd\nax\naxx\nbx\n");
  wait_until([&] { return read_lines(root / "h2/current").size() == 2; }, "the lines in h2");
  write_file(root / "h1/config", "pB:\n");
  p.signal(SIGHUP);
  wait_until([&] { return count(p.err(), "append: h2/current") == 1; }, "the reopen", default_timeout,
             [&] { return p.err(); });
  p.write("after\n");
  p.close_input();
  REQUIRE(p.wait_exit());
  CHECK(mask(p.err()) ==
        "svlogd: info: read: h1/config\n"
        "svlogd: info: new: h1/current\n"
        "svlogd: info: read: h2/config\n"
        "svlogd: info: new: h2/current\n"
        "STAMP A: ax\n"
        "STAMP A: bx\n"
        "svlogd: info: sighangup received.\n"
        "svlogd: info: close: h1\n"
        "svlogd: info: read: h1/config\n"
        "svlogd: info: append: h1/current\n"
        "svlogd: info: close: h2\n"
        "svlogd: info: read: h2/config\n"
        "svlogd: info: append: h2/current\n"
        "STAMP B:after\n"
        "svlogd: info: close: h1\n"
        "svlogd: info: close: h2\n");
  CHECK(mask(read_file(root / "h1/current").value()) == "STAMP A: abc\nSTAMP A: ax\nSTAMP A: axx\nSTAMP B:after\n");
  CHECK(mask(read_file(root / "h2/current").value()) == "STAMP bcd\nSTAMP bx\n");
}

TEST_CASE("svlogd: -*, +a*, -ab* keeps only a (§5.3)", "[svlogd][patterns]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  write_file(root / "log/config", "-*\n+a*\n-ab*\n");
  run(ours(), {"log"}, root.path(), "a\nab\nabc\nb\n");
  CHECK(read_file(root / "log/current") == "a\n");
}

TEST_CASE("svlogd: HUP with no functional directory left is fatal", "[svlogd][hup]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  svlogd_process p(ours(), {"log"}, root.path(), root / "err");
  p.write("x\n");
  wait_until([&] { return read_file(root / "log/current") == "x\n"; }, "the line");
  REQUIRE(::rename((root / "log").c_str(), (root / "gone").c_str()) == 0);
  p.signal(SIGHUP);
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 111);
  CHECK(p.err() ==
        "svlogd: warning: unable to open log directory: log: file does not exist\n"
        "svlogd: fatal: no functional log directories.\n");
  CHECK(read_file(root / "gone/current") == "x\n");
}

TEST_CASE("svlogd: an unreadable config is reported and treated as empty", "[svlogd][config]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  make_dir(root / "log/config");  // open succeeds, read fails with EISDIR
  auto r = run(ours(), {"log"}, root.path(), "x\n");
  CHECK(r.code == 0);
  CHECK(r.err == "svlogd: warning: unable to read config: log: is a directory\n");
  CHECK(read_file(root / "log/current") == "x\n");
}

TEST_CASE("svlogd: UDP forwarding with prefix, stamps and cut lines (§10.2)", "[svlogd][udp]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  udp_sink sink;
  write_file(root / "log/config", "u127.0.0.1:" + std::to_string(sink.port) + "\npPRE \n");
  auto r = run(ours(), {"-t", "-l", "10", "-b", "20", "log"}, root.path(), "hello\n0123456789abcdef\n");
  CHECK(r.code == 0);
  auto d1 = sink.receive();
  auto d2 = sink.receive();
  REQUIRE(d1);
  REQUIRE(d2);
  CHECK(mask(*d1) == "@TAI PRE hello\n");
  CHECK(mask(*d2) == "@TAI PRE 0123456789...\n");
  CHECK(mask(read_file(root / "log/current").value()) == "@TAI PRE hello\n@TAI PRE 0123456789abcdef\n");
}

TEST_CASE("svlogd: U sends only by UDP, a failed send is logged into current", "[svlogd][udp]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  udp_sink sink;
  write_file(root / "log/config", "U127.0.0.1:" + std::to_string(sink.port) + "\n");
  run(ours(), {"log"}, root.path(), "only-udp\n");
  CHECK(sink.receive() == "only-udp\n");
  CHECK(read_file(root / "log/current") == "");
  write_file(root / "log/config", "U255.255.255.255:9\npP: \n");
  run(ours(), {"-tt", "log"}, root.path(), "msg1\n");
  CHECK(mask(read_file(root / "log/current").value()) == "warning: failure sending through udp: STAMP P: msg1\n");
}

TEST_CASE("svlogd: UDP config warnings, a bad U line discards lines (§16.12)", "[svlogd][udp]") {
  temp_dir root("svlogd-test");
  make_dir(root / "log");
  write_file(root / "log/config", "U127.0.0.1:0\nu1.2.3\nu127.0.0.1:x\n");
  auto r = run(ours(), {"log"}, root.path(), "lost\n");
  CHECK(r.code == 0);
  CHECK(r.err ==
        "svlogd: warning: unable to scan port number: 0\n"
        "svlogd: warning: unable to scan ip address: 1.2.3\n"
        "svlogd: warning: unable to scan port number: x\n");
  CHECK(read_file(root / "log/current") == "");
}
