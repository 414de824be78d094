// The container image booted by a real Docker engine: a root holding
// busybox-static, our static multi-call binary under runit's names and
// examples/image/ (stages and services), imported into Docker with
// /sbin/runit as its CMD, as examples/Dockerfile.alpine builds it (its
// supervise directories linked into /run). Each test runs it in a real
// container: every service comes up, `docker stop` stops them in order and
// the container exits with the code the ticker's finish left, and orphans
// re-parented to process 1 are reaped. Nothing is pulled; every image and
// container is removed, and a dockerd the tests started is stopped
// (tests/support/docker_support.hpp).

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <algorithm>
#include <filesystem>
#include <regex>

#include "docker_support.hpp"
#include "example_image.hpp"
#include "image_support.hpp"

using namespace test;
using namespace docker_test;
namespace fs = std::filesystem;

namespace {

// Waits until `docker exec` answers in the container.
void wait_exec(const docker::container& c) {
  std::string last;
  wait_until(
      [&] {
        auto r = c.exec("cat /proc/1/comm");
        last = r.out + r.err;
        return r.status.exit_code() == 0;
      },
      "docker exec to answer", docker::long_timeout, [&] { return last + "\n" + state_of(c); });
}

}  // namespace

TEST_CASE("run: every service of examples/image comes up under our runit as process 1, and docker exec sv status "
          "shows them running",
          "[docker][image]") {
  docker::require_engine();
  example_image img(minimal::link_supervise_into_run);
  docker::container c(img.get());

  const std::string status = wait_examples_up(c);
  INFO("sv status:\n" << status);
  std::vector<std::string> names;
  for (const auto& s : example_services()) names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"oneshot", "slowstart", "ticker"});

  // From `docker exec`: process 1 is our runit, runsvdir runs stage 2, sv
  // check passes once slowstart is ready, the task ran exactly once.
  auto r = c.exec(
      "echo \"pid1 $(cat /proc/1/comm)\"\n"
      "sv -w 15 check /etc/service/slowstart /etc/service/ticker; echo rc=$?\n"
      "cat /tmp/oneshot.out\n"
      "sv status ticker/log\n"
      "tail -n 1 /var/log/ticker/current\n");
  INFO(r.out << r.err << state_of(c));
  CHECK(has(r.out, "^pid1 runit$"));
  CHECK(has(r.out, R"(^ok: run: /etc/service/slowstart: \(pid \d+\) [1-9]\d*s$)"));
  CHECK(has(r.out, R"(^ok: run: /etc/service/ticker: \(pid \d+\) \d+s$)"));
  CHECK(has(r.out, "^rc=0$"));
  CHECK(has(r.out, "^oneshot: ran as uid 65534\n(?!oneshot)"));
  CHECK(has(r.out, R"(^run: ticker/log: \(pid \d+\) \d+s$)"));
  CHECK(has(r.out, R"(^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d{5} (tick \d+ \.+|ticker: started as uid 65534)$)"));

  // Docker sees the container running its CMD.
  CHECK(c.inspect("{{.State.Status}} {{json .Config.Cmd}}") == "running " + example_cmd);
}

TEST_CASE("stop: every service gets its TERM, finish scripts run, and the container exits with the code in the "
          "exit-code file (7), well before Docker's KILL (137)",
          "[docker][image][stop]") {
  docker::require_engine();
  example_image img(minimal::link_supervise_into_run);
  docker::container c(img.get());
  wait_examples_up(c);

  // Default stop: TERM to process 1, KILL after 10 s.
  const auto stop = std::chrono::steady_clock::now();
  auto r = docker::run({"stop", c.name()});
  const auto took = std::chrono::steady_clock::now() - stop;
  const std::string logs = c.logs();
  INFO(docker::describe({"stop", c.name()}, r) << "\ndocker logs:\n" << logs);
  INFO("docker stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  REQUIRE(r.status.exit_code() == 0);

  // Exited by itself with the code the ticker's finish wrote (7 on TERM),
  // not killed by Docker (137).
  CHECK(c.inspect("{{.State.Status}} {{.State.ExitCode}} oom={{.State.OOMKilled}}") == "exited 7 oom=false");
  CHECK(took < std::chrono::seconds(10));

  // runit ran stage 3 (its messages are the container's output: there is
  // no /dev/console) and had nothing left to kill.
  for (const char* line : {"- runit: leave stage: /etc/runit/2", "- runit: enter stage: /etc/runit/3",
                           "- runit: leave stage: /etc/runit/3"})
    CHECK(logs.find(line) != std::string::npos);
  for (const char* bad : {"sending KILL", "not terminated", "warning: child", "fatal"})
    CHECK(logs.find(bad) == std::string::npos);

  // What the stopped container's filesystem shows.
  temp_dir out("docker-stop");
  REQUIRE(c.copy_out("/run/runit.exitcode", out / "exitcode"));
  CHECK(read_file(out / "exitcode") == "7\n");
  // The ticker got TERM: its last words are its log's last line.
  REQUIRE(c.copy_out("/var/log/ticker", out / "ticker"));
  auto ticker_log = read_lines(out / "ticker/current");
  INFO("ticker's log ends with: " << (ticker_log.empty() ? "(empty)" : ticker_log.back()));
  REQUIRE(!ticker_log.empty());
  CHECK(has(ticker_log.back(), R"(^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d\.\d{5} ticker: got TERM, exiting 7$)"));
  // Every service and its logger were stopped by their runsv: down.
  REQUIRE(c.copy_out("/run/sv", out / "sv"));
  for (const auto& s : example_services()) {
    INFO("service " << s.name);
    CHECK(read_file(out / ("sv/" + s.name + "/stat")) == "down\n");
    if (s.logged) CHECK(read_file(out / ("sv/" + s.name + ".log/stat")) == "down\n");
  }
}

TEST_CASE("zombies: 1000 orphans made by docker exec, re-parented to process 1, are all reaped",
          "[docker][image][zombies]") {
  docker::require_engine();
  example_image img(minimal::link_supervise_into_run);
  docker::container c(img.get());
  wait_exec(c);

  // 1000 cats, each orphaned at once (its subshell exits) and so re-parented
  // to process 1, all reading one pipe. The pipe's only writer waits until
  // all 1000 are process 1's children, says how many it saw, and exits: every
  // cat then reads EOF and exits, leaving process 1 1000 children to reap.
  const char* orphans = R"sh(n=1000
orphans() { cat /proc/[0-9]*/stat 2>/dev/null | awk '$2 == "(cat)" && $3 != "Z" && $4 == 1' | wc -l; }
{
  i=0
  while [ "$(orphans)" -lt $n ]; do
    i=$((i + 1))
    if [ $i -gt 400 ]; then echo "only $(orphans) orphans after 20 s" >&2; exit 1; fi
    sleep 0.05
  done
  echo "orphans of process 1: $(orphans)" >&2
} | {
  exec 3<&0
  i=0
  while [ $i -lt $n ]; do (cat <&3 >/dev/null &); i=$((i + 1)); done
}
)sh";
  auto r = c.exec(orphans, 60s);
  INFO(r.out << r.err << state_of(c));
  REQUIRE(has(r.err, "^orphans of process 1: 1000$"));

  // None of them is left, alive or a zombie.
  const char* count = R"sh(cat /proc/[0-9]*/stat 2>/dev/null |
awk '$4 == 1 && $3 == "Z" { z++ } $4 == 1 && $3 != "Z" && $2 == "(cat)" { c++ } END { print "zombies " z + 0 ", orphans " c + 0 }')sh";
  std::string last;
  wait_until(
      [&] {
        auto p = c.exec(count);
        last = p.out + p.err;
        return p.status.exit_code() == 0 && last == "zombies 0, orphans 0\n";
      },
      "no zombie and no orphan left under process 1", docker::long_timeout, [&] { return last + state_of(c); });

  // Process 1 is still our runit, and the services went on meanwhile.
  wait_examples_up(c);
  auto pid1_comm = c.exec("cat /proc/1/comm");
  CHECK(pid1_comm.out == "runit\n");
}

#endif

#ifndef STATIC_BINDIR
TEST_CASE("image: needs the static tree", "[docker]") {
  FAIL("the Docker tests need the static tree: configure with -DRUNIT_CHECK_STATIC=ON");
}
#endif
