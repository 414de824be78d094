// More of the image under a real Docker engine (issue 16): `runsvdir -P` as
// process 1 stopped by `docker stop`; services logging through `svlogd -o`
// into `docker logs`, no line lost, doubled or mangled; the image on a read-only root with tmpfs mounts; and `docker kill
// -s INT` / `-s HUP` to our runit as process 1, as man/runit.8 documents
// them for a container; and runsvdir -P as process 1 of a non-root
// container (`docker run --user`).

#include <catch2/catch.hpp>

#ifdef STATIC_BINDIR

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <unistd.h>

#include "docker_support.hpp"
#include "example_image.hpp"
#include "image_support.hpp"

using namespace test;
using namespace docker_test;
namespace fs = std::filesystem;

namespace {

// The ticker's log (copied out of the stopped container) ends with its
// TERM trap's words.
void check_ticker_got_term(const docker::container& c) {
  temp_dir out("docker-ticker");
  REQUIRE(c.copy_out("/var/log/ticker", out / "ticker"));
  auto log = read_lines(out / "ticker/current");
  INFO("ticker's log ends with: " << (log.empty() ? "(empty)" : log.back()));
  REQUIRE(!log.empty());
  CHECK(has(log.back(), R"( ticker: got TERM, exiting 7$)"));
}

}  // namespace

TEST_CASE("runsvdir -P as process 1: docker stop gives every service its TERM and the container exits with the "
          "exit code file's code (7) before Docker's KILL",
          "[docker][runsvdir]") {
  docker::require_engine();
  // No stages: the supervise directories stay in the service directories
  // (nothing makes /run/sv).
  example_image img;
  docker::container c(img.get(), {}, {"/usr/bin/runsvdir", "-P", "/etc/service"});
  wait_examples_up(c);
  REQUIRE(c.exec("cat /proc/1/comm").out == "runsvdir\n");

  // man/runit.8: runsvdir as process 1 of a container halts on TERM as
  // runit does, and exits with the exit code file's code (the ticker's
  // finish writes 7).
  CHECK(stop_before_kill(c) == 7);
  check_ticker_got_term(c);
  temp_dir out("docker-sv");
  REQUIRE(c.copy_out("/etc/service", out / "service"));
  for (const auto& [s, logged, task] : example_services()) {
    INFO("service " << s);
    CHECK(read_file(out / ("service/" + s + "/supervise/stat")) == "down\n");
    if (logged) CHECK(read_file(out / ("service/" + s + "/log/supervise/stat")) == "down\n");
  }
}

// A write to the container's stdout pipe beyond PIPE_BUF is split where the
// pipe fills (64 KiB): when svlogd wrote a whole read (up to 128 KiB) at
// once, another svlogd's lines landed inside a line ("a: a line 1389
// ....b: b line 1999 ...", at byte 65536) in about half the runs.
TEST_CASE("docker logs: two services logging through svlogd -o NAME show all their 10000 lines, each once, whole "
          "and with its service's name",
          "[docker][svlogd-o]") {
  docker::require_engine();
  constexpr int per_service = 5000;
  const std::vector<std::string> names = {"a", "b"};
  example_image img([&](const std::string& root) {
    for (const auto& e : fs::directory_iterator(root + "/etc/service")) fs::remove_all(e.path());
    for (const auto& n : names) {
      const std::string dir = root + "/etc/service/" + n;
      make_dir(dir);
      make_dir(dir + "/log");
      // Quickly, then never again (no restart, no second copy).
      write_script(dir + "/run", "awk 'BEGIN { for (i = 1; i <= " + std::to_string(per_service) + "; i++) print \"" +
                                     n + " line \" i \" ................................\" }'\n" +
                                     "exec sleep 2147483647\n");
      write_script(dir + "/log/run", "exec svlogd -o " + n + "\n");
    }
  });
  docker::container c(img.get());

  // Each service's lines, by number, as docker logs shows them.
  std::map<std::string, std::vector<int>> seen;
  std::vector<std::string> mangled;
  std::string last;
  auto scan = [&] {
    seen.clear();
    mangled.clear();
    last = c.logs();
    static const std::regex line_re(R"(^(\w+): (\w+) line (\d+) \.{32}$)");
    for (const auto& line : minimal::lines_of(last)) {
      if (line.rfind("- runit: ", 0) == 0 || line.empty()) continue;
      std::smatch m;
      if (std::regex_match(line, m, line_re) && m[1] == m[2]) seen[m[1]].push_back(std::stoi(m[3]));
      else mangled.push_back(line);
    }
    std::size_t total = 0;
    for (const auto& [n, v] : seen) total += v.size();
    return total >= names.size() * per_service;
  };
  wait_until(scan, "docker logs to show 10000 lines of a and b", docker::long_timeout, [&] {
    return "a: " + std::to_string(seen["a"].size()) + " lines, b: " + std::to_string(seen["b"].size()) +
           " lines\n" + state_of(c);
  });

  INFO("lines neither runit's nor a service's: " << mangled.size()
                                                   << (mangled.empty() ? "" : ", the first: " + mangled.front()));
  CHECK(mangled.empty());
  std::vector<int> expected(per_service);
  for (int i = 0; i < per_service; ++i) expected[i] = i + 1;
  for (const auto& n : names) {
    INFO("service " << n << ": " << seen[n].size() << " lines");
    CHECK(seen[n] == expected);  // each number once, in order
  }
  CHECK(seen.size() == names.size());
}

TEST_CASE("read-only root: with tmpfs on /run, /tmp and /var/log every service comes up and docker stop exits with "
          "the exit code file's code (7)",
          "[docker][read-only]") {
  docker::require_engine();
  example_image img(minimal::link_supervise_into_run);
  // /run: supervise directories and the exit code file; /tmp: oneshot's
  // and slowstart's files; /var/log: the ticker's logger writes there (a
  // tmpfs, not a volume: it is read back with docker cp before removal).
  docker::container c(img.get(), {"--read-only", "--tmpfs", "/run", "--tmpfs", "/tmp", "--tmpfs", "/var/log"});
  wait_examples_up(c);

  auto r = c.exec("touch /etc/x 2>&1; echo rc=$?; cat /proc/1/comm; readlink /etc/service/ticker/supervise");
  INFO(r.out << r.err);
  CHECK(has(r.out, "Read-only file system"));
  CHECK(has(r.out, "^runit$"));
  CHECK(has(r.out, "^/run/sv/ticker$"));
  CHECK(c.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true");

  // The tmpfs contents go with the container: the exit code (the ticker's
  // finish writes it on TERM) stands for the ticker's TERM here.
  CHECK(stop_before_kill(c) == 7);
  const std::string logs = c.logs();
  INFO("docker logs:\n" << logs);
  CHECK(logs.find("- runit: leave stage: /etc/runit/3") != std::string::npos);
  CHECK(logs.find("sending KILL") == std::string::npos);
}

TEST_CASE("HUP and INT: docker kill -s HUP and -s INT to runit as process 1, with no /etc/runit/ctrlaltdel, are "
          "ignored and everything keeps running",
          "[docker][signals]") {
  docker::require_engine();
  example_image img;
  docker::container c(img.get());
  wait_examples_up(c);
  auto pids = [&] {
    auto r = c.exec("sv status /etc/service/slowstart /etc/service/ticker | sed 's/) [0-9]*s/)/g'");
    return r.out;
  };
  const std::string pids_before = pids();
  INFO("sv status before:\n" << pids_before);
  for (const char* sig : {"HUP", "INT"}) {
    INFO("signal " << sig);
    auto k = docker::run({"kill", "-s", sig, c.name()});
    REQUIRE(k.status.exit_code() == 0);
    // Nothing happens: the same service processes, the same process 1.
    CHECK(holds_for([&] { return c.inspect("{{.State.Running}}") == "true" && pids() == pids_before; }, 2s));
  }
  const std::string logs = c.logs();
  INFO("docker logs:\n" << logs);
  CHECK(logs.find("ctrl-alt-del") == std::string::npos);
  CHECK(logs.find("enter stage: /etc/runit/3") == std::string::npos);
  CHECK(c.exec("cat /proc/1/comm").out == "runit\n");
  // And runit still halts on TERM.
  CHECK(stop_before_kill(c) == 7);
}

TEST_CASE("INT with ctrlaltdel: docker kill -s INT to runit as process 1 runs an executable /etc/runit/ctrlaltdel "
          "that makes stopit, then the container halts with the exit code file's code (7)",
          "[docker][signals]") {
  docker::require_engine();
  example_image img([](const std::string& root) {
    write_script(root + "/etc/runit/ctrlaltdel",
                 "echo ctrlaltdel ran\n: >/etc/runit/stopit\nchmod 100 /etc/runit/stopit\n");
  });
  docker::container c(img.get());
  wait_examples_up(c);
  auto k = docker::run({"kill", "-s", "INT", c.name()});
  REQUIRE(k.status.exit_code() == 0);
  wait_until([&] { return c.inspect("{{.State.Status}}") == "exited"; }, "the container to exit after INT",
             docker::long_timeout, [&] { return state_of(c); });
  const std::string logs = c.logs();
  INFO("docker logs:\n" << logs);
  CHECK(c.inspect("{{.State.ExitCode}}") == "7");
  CHECK(has(logs, "^ctrlaltdel ran$"));
  CHECK(logs.find("- runit: enter stage: /etc/runit/3") != std::string::npos);
  CHECK(logs.find("sending KILL") == std::string::npos);
  check_ticker_got_term(c);
}

// Proves: with `docker run --user 65534:65534` (nobody) and runsvdir -P as
// process 1 on a service directory nobody owns, the services and their
// logger run, every process of the container is nobody's, sv works as
// nobody, and `docker stop` stops them in order (TERM, the service's last
// words, ./finish, the logger drains) with runsvdir's exit code handling:
// the container exits with the code ./finish left (7), before Docker's KILL.
// What works without root: runsvdir and runsv need only their directories
// writable (the service directories for supervise/, /run for the exit code
// file: a tmpfs with uid=65534 here). The image's own setup does not: our
// runit as a non-root process 1 boots, but each runsv of /etc/service
// (root's) fails on supervise/lock, and the examples' `chpst -u nobody`
// needs root to set groups.
TEST_CASE("non-root: with docker run --user 65534 runsvdir -P as process 1 runs its services as nobody, and docker "
          "stop stops them in order with the exit code ./finish left (7)",
          "[docker][runsvdir][user]") {
  docker::require_engine();
  constexpr uid_t nobody = 65534;
  example_image img([&](const std::string& root) {
    const std::string home = root + "/home";
    make_dir(home);
    const std::string svc = home + "/svc";
    for (const std::string& d : {svc, svc + "/service", svc + "/log", svc + "/log/worker"}) make_dir(d);
    const std::string worker = svc + "/service/worker";
    make_dir(worker);
    make_dir(worker + "/log");
    write_script(worker + "/run", "exec 2>&1\nexec ./worker\n");
    write_script(worker + "/worker",
                 "trap 'echo \"worker: got TERM as uid $(id -u), exiting 7\"; exit 7' TERM\n"
                 "echo \"worker: started as uid $(id -u) gid $(id -g)\"\n"
                 "while :; do sleep 0.1; done\n");
    write_script(worker + "/finish",
                 "echo \"worker: finish $1 $2 as uid $(id -u)\"\n"
                 "if [ \"$1\" -ge 0 ]; then echo \"$1\" >/run/runit.exitcode; fi\n");
    write_script(worker + "/log/run", "exec svlogd -tt /home/svc/log/worker\n");
    const std::string idle = svc + "/service/idle";
    make_dir(idle);
    write_script(idle + "/run", "exec sleep 2147483647\n");
    for (const auto& e : fs::recursive_directory_iterator(svc))
      REQUIRE(::lchown(e.path().c_str(), nobody, nobody) == 0);
    REQUIRE(::lchown(svc.c_str(), nobody, nobody) == 0);
  });
  // /run (the exit code file) a tmpfs nobody owns.
  docker::container c(img.get(), {"--user", "65534:65534", "--tmpfs", "/run:uid=65534,gid=65534"},
                      {"/usr/bin/runsvdir", "-P", "/home/svc/service"});
  CHECK(c.inspect("{{.Config.User}}") == "65534:65534");

  // sv as nobody, as the container's user.
  auto as_nobody = [&](const std::string& script) {
    return docker::run({"exec", "--user", "65534:65534", c.name(), "/bin/sh", "-c", script});
  };
  std::string status;
  wait_until(
      [&] {
        auto r = as_nobody("sv status /home/svc/service/*");
        status = r.out + r.err;
        return r.status.exit_code() == 0 &&
               has(status, R"(^run: /home/svc/service/idle: \(pid \d+\) \d+s$)") &&
               has(status, R"(^run: /home/svc/service/worker: \(pid \d+\) \d+s; run: log: \(pid \d+\) \d+s$)") &&
               has(as_nobody("cat /home/svc/log/worker/current").out, "worker: started as uid");
      },
      "the services of /home/svc/service up", docker::long_timeout,
      [&] { return "sv status:\n" + status + "\n" + state_of(c); });

  // Every process of the container: nobody's (real, effective, saved and
  // file-system ids), runsvdir as process 1.
  auto ids = as_nobody(
      "for p in /proc/[0-9]*; do\n"
      "  [ -r $p/status ] || continue\n"
      "  awk -v pid=${p#/proc/} '/^Name:/ { n = $2 } /^Uid:/ { u = $2 \" \" $3 \" \" $4 \" \" $5 }"
      " /^Gid:/ { g = $2 \" \" $3 \" \" $4 \" \" $5 } END { print pid, n, u, g }' $p/status\n"
      "done\n");
  INFO("pid name uids gids:\n" << ids.out << ids.err);
  REQUIRE(ids.status.exit_code() == 0);
  std::map<std::string, int> names;
  int processes = 0;
  static const std::regex row(R"(^(\d+) (\S+) 65534 65534 65534 65534 65534 65534 65534 65534$)");
  for (const auto& line : minimal::lines_of(ids.out)) {
    if (line.empty()) continue;
    ++processes;
    std::smatch m;
    INFO("process " << line);
    CHECK(std::regex_match(line, m, row));
    if (m.size() == 3) ++names[m[2]];
    if (m.size() == 3 && m[1] == "1") CHECK(m[2] == "runsvdir");
  }
  CHECK(processes >= 6);  // runsvdir, 2 runsv, the worker's sh and sleep, svlogd, sleep, the probe
  CHECK(names["runsv"] == 2);
  CHECK(names["svlogd"] == 1);
  auto ps = c.exec("ps -o user,pid,args | grep -v -e 'ps -o' -e grep -e '^USER'");
  INFO("ps, from a root docker exec:\n" << ps.out);
  CHECK(has(ps.out, R"(^nobody +1 /usr/bin/runsvdir -P /home/svc/service$)"));
  CHECK_FALSE(has(ps.out, "^root .*(runsv|svlogd|sleep|worker)"));

  // docker stop: runsvdir's TERM reaches every runsv, the worker says its
  // last words, ./finish runs and writes 7, the logger gets all of it.
  CHECK(stop_before_kill(c) == 7);
  temp_dir out("docker-user");
  REQUIRE(c.copy_out("/home/svc", out / "svc"));
  auto log = read_lines(out / "svc/log/worker/current");
  INFO("the worker's log:\n" << read_file(out / "svc/log/worker/current").value_or("(none)"));
  REQUIRE(log.size() >= 3);
  CHECK(has(log.front(), " worker: started as uid 65534 gid 65534$"));
  CHECK(has(log[log.size() - 2], " worker: got TERM as uid 65534, exiting 7$"));
  CHECK(has(log.back(), " worker: finish 7 0 as uid 65534$"));
  for (const char* stat : {"service/worker/supervise/stat", "service/worker/log/supervise/stat",
                           "service/idle/supervise/stat"}) {
    INFO(stat);
    CHECK(read_file(out / ("svc/" + std::string(stat))) == "down\n");
  }
  const std::string logs = c.logs();
  INFO("docker logs:\n" << logs);
  for (const char* bad : {"fatal", "warning", "unable"}) CHECK(logs.find(bad) == std::string::npos);
}

#endif
