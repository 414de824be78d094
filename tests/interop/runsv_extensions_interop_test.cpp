// With our extension files active (notification-fd, down-signal,
// timeout-finish, restart-backoff, health-check), runit's own sv still reads
// every status our runsv writes and drives it: Debian's sv and ours print the
// same, and the 20 status bytes keep runit's meaning.

#include <catch2/catch.hpp>

#include "fixture.hpp"
#include "sv_support.hpp"

using namespace test;
using namespace std::chrono_literals;

TEST_CASE("Debian sv reads and drives our runsv while every extension file is active",
          "[interop][runsv][extension]") {
  service_fixture f;
  write_file(f.at("notification-fd"), "3\n");
  write_file(f.at("down-signal"), "USR1\n");
  write_file(f.at("timeout-finish"), "2000\n");
  write_file(f.at("restart-backoff"), "100 1000\n");
  write_file(f.at("health-check"), "1 3\n");
  write_script(f.at("check"), "exit 0\n");
  write_script(f.at("finish"), "exit 0\n");
  write_script(f.at("run"), "trap 'exit 0' USR1\necho >&3\nwhile :; do sleep 0.05; done\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return exists(supervise_path(f.svc, "ready")); }, "readiness");

  const std::string debian = reference_bin("sv");
  const std::string ours = sv_under_test();
  sv_spawn opts;
  opts.env = {"SVDIR=" + f.root.path()};
  auto both = [&](const std::vector<std::string>& args) {
    std::vector<std::string> a{debian}, b{ours};
    a.insert(a.end(), args.begin(), args.end());
    b.insert(b.end(), args.begin(), args.end());
    auto ra = run_sv(a, opts), rb = run_sv(b, opts);
    CHECK(describe_sv(ra, f.root.path()) == describe_sv(rb, f.root.path()));
    return ra;
  };
  auto st = both({"status", "svc"});
  CHECK(st.code == 0);
  CHECK(mask_sv(st.out) == "run: svc: (pid X) Xs\n");

  auto down = run_sv({debian, "-v", "down", "svc"}, opts);
  CHECK(mask_sv(down.out) == "ok: down: svc: Xs, normally up\n");
  CHECK(down.code == 0);
  CHECK(read_status(f.svc)->flags_hex() == flags_hex(0, 'd', 0, 0));
  both({"status", "svc"});

  auto up = run_sv({debian, "-v", "up", "svc"}, opts);
  CHECK(mask_sv(up.out) == "ok: run: svc: (pid X) Xs\n");
  CHECK(up.code == 0);
  both({"status", "svc"});
}

// timeout-kill: Debian's sv -v down of a ./run that ignores TERM succeeds,
// because our runsv kills it after the timeout (Debian's runsv would wait for
// ever and sv would time out), and the status it reads is runit's.
TEST_CASE("Debian sv -v down returns ok with our runsv's timeout-kill on a ./run that ignores TERM",
          "[interop][runsv][extension][timeout-kill]") {
  service_fixture f;
  write_file(f.at("timeout-kill"), "300\n");
  write_script(f.at("run"), "trap '' TERM\nexec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  sv_spawn opts;
  opts.env = {"SVDIR=" + f.root.path()};
  auto down = run_sv({reference_bin("sv"), "-w", "5", "down", "svc"}, opts);
  CHECK(mask_sv(down.out) == "ok: down: svc: Xs, normally up\n");
  CHECK(down.code == 0);
  CHECK(read_status(f.svc)->flags_hex() == flags_hex(0, 'd', 0, 0));
}
