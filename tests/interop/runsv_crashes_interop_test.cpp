// Beyond runit: our runsv's crash record (supervise/crashes) is invisible to
// runit's tools. Debian's sv, driving our runsv after a crash of ./run, says
// exactly what it says driving Debian's runsv after the same crash.

#include <catch2/catch.hpp>

#include <csignal>

#include "fixture.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

sv_result debian_sv(const service_fixture& f, const std::vector<std::string>& args) {
  std::vector<std::string> argv{reference_bin("sv")};
  argv.insert(argv.end(), args.begin(), args.end());
  sv_spawn o;
  o.cwd = f.root.path();
  o.env = {"SVDIR=" + f.root.path()};
  return run_sv(argv, o);
}

// ./run killed from outside while wanted up, and restarted.
void crash_once(const service_fixture& f) {
  auto st = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1), 10s);
  REQUIRE(::kill(static_cast<pid_t>(st.pid), SIGKILL) == 0);
  wait_running_other_than(f.svc, st.pid, 10s);
}

}  // namespace

TEST_CASE("crash record: Debian's sv says the same of our runsv after a crash as of Debian's runsv",
          "[interop][sv][crashes]") {
  service_fixture deb, ours;
  for (auto* f : {&deb, &ours}) write_script(f->at("run"), "exec sleep 1000\n");
  runsv_instance::options debian_runsv;
  debian_runsv.binary = reference_bin("runsv");
  runsv_instance rd(deb.svc, debian_runsv);
  runsv_instance ro(ours.svc);
  rd.wait_ready();
  ro.wait_ready();
  crash_once(deb);
  crash_once(ours);
  wait_until([&] { return exists(ours.at("supervise/crashes")); }, "our runsv's crash record", 10s);
  CHECK_FALSE(exists(deb.at("supervise/crashes")));

  const std::vector<std::vector<std::string>> steps = {
      {"status", "svc"},      {"check", "svc"},      {"-v", "up", "svc"},   {"-w", "2", "check", "svc"},
      {"-v", "pause", "svc"}, {"status", "svc"},     {"-v", "cont", "svc"}, {"ready", "svc"},
  };
  for (const auto& args : steps) {
    std::string line = "$ sv";
    for (const auto& a : args) line += " " + a;
    INFO(line);
    const std::string reference = describe_sv(debian_sv(deb, args), deb.root.path());
    const std::string got = describe_sv(debian_sv(ours, args), ours.root.path());
    CHECK(got == reference);
  }
  // The first step, for the record: a plain status line.
  CHECK(mask_sv(debian_sv(ours, {"status", "svc"}).out) == "run: svc: (pid X) Xs\n");
  // Debian's sv knows no ready: its usage.
  auto r = debian_sv(ours, {"ready", "svc"});
  CHECK(r.code == 100);
  CHECK(r.err == "usage: sv [-v] [-w sec] command service ...\n\n");
  // u while wanted up (nothing sent: Debian's sv sends no u then) keeps the record.
  CHECK(exists(ours.at("supervise/crashes")));
  // (Not -v up: as ours, Debian's sv is content with the running ./run and
  // may look before runsv has read the u.)
  for (const auto& args : {std::vector<std::string>{"-v", "once", "svc"}, {"up", "svc"}}) {
    INFO("sv " << args[0] << " " << args[1]);
    CHECK(describe_sv(debian_sv(ours, args), ours.root.path()) ==
          describe_sv(debian_sv(deb, args), deb.root.path()));
  }
  // Debian's sv up after once (want down) gives our service a fresh start.
  wait_until([&] { return !exists(ours.at("supervise/crashes")); }, "the u to clear the crash record", 10s);
}
