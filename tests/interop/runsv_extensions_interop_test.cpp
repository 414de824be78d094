// With our extension files active (notification-fd, down-signal,
// timeout-finish, restart-backoff, health-check; then timeout-kill,
// dependencies.d and kill-tree one by one), runit's own sv still reads every
// status our runsv writes and drives it: Debian's sv and ours print the
// same, and the 20 status bytes keep runit's meaning.

#include <catch2/catch.hpp>

#include <csignal>

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

// dependencies.d: while our runsv holds a service back for its dependency,
// Debian's sv sees a service down and wanted up, and prints what our sv
// prints without its ", waiting for db"; Debian's sv -v up then waits for
// it like any slow start, and succeeds once the dependency is up.
TEST_CASE("Debian sv reads a service our runsv holds back for its dependencies.d",
          "[interop][runsv][extension][dependencies]") {
  temp_dir root;
  make_dir(root / "db");
  write_file(root / "db/down", "");
  write_script(root / "db/run", "exec sleep 1000\n");
  make_dir(root / "web");
  make_dir(root / "web/dependencies.d");
  write_file(root / "web/dependencies.d/db", "");
  write_script(root / "web/run", "exec sleep 1000\n");
  runsv_instance::options o;
  o.cwd = root.path();
  o.arg = "db";
  runsv_instance db(root / "db", o);
  o.arg = "web";
  runsv_instance web(root / "web", o);
  db.wait_ready();
  web.wait_ready();
  wait_until([&] { return read_file(root / "web/supervise/waiting").value_or("") == "db\n"; }, "web to wait");

  sv_spawn opts;
  opts.env = {"SVDIR=" + root.path()};
  auto theirs = run_sv({reference_bin("sv"), "status", "web"}, opts);
  auto ours = run_sv({sv_under_test(), "status", "web"}, opts);
  CHECK(mask_sv(theirs.out) == "down: web: Xs, normally up, want up\n");
  CHECK(mask_sv(ours.out) == "down: web: Xs, normally up, want up, waiting for db\n");
  CHECK(theirs.code == ours.code);

  auto up_db = run_sv({reference_bin("sv"), "up", "db"}, opts);
  CHECK(up_db.code == 0);
  // (2.1.2's check returns at once for a service that is down.)
  auto check = run_sv({reference_bin("sv"), "-w", "5", "up", "web"}, opts);
  CHECK(mask_sv(check.out) == "ok: run: web: (pid X) Xs\n");
  CHECK(check.code == 0);
}

// kill-tree: Debian's sv -v down of a service whose ./run left children
// answers ok as for any service, and with our runsv nothing of the service
// is left; Debian's sv status reads the status as runit's.
TEST_CASE("Debian sv -v down of a kill-tree service: ok, and none of the processes ./run started is left",
          "[interop][runsv][extension][kill-tree]") {
  service_fixture f;
  write_file(f.at("kill-tree"), "");
  write_script(f.at("run"), "sleep 1000 & echo $! >> kids\nsleep 1001 | cat\n");
  struct guard {
    service_fixture& f;
    ~guard() {
      for (auto& l : f.lines("kids"))
        if (!l.empty()) ::kill(static_cast<pid_t>(std::stol(l)), SIGKILL);
    }
  } kids{f};
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto st = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return !f.lines("kids").empty(); }, "the background child");
  const pid_t kid = static_cast<pid_t>(std::stol(f.lines("kids").at(0)));
  sv_spawn opts;
  opts.env = {"SVDIR=" + f.root.path()};
  auto status = run_sv({reference_bin("sv"), "status", "svc"}, opts);
  CHECK(mask_sv(status.out) == "run: svc: (pid X) Xs\n");
  auto down = run_sv({reference_bin("sv"), "-w", "5", "down", "svc"}, opts);
  CHECK(mask_sv(down.out) == "ok: down: svc: Xs, normally up\n");
  CHECK(down.code == 0);
  CHECK(::kill(-static_cast<pid_t>(st.pid), 0) == -1);  // the group is empty
  CHECK(::kill(kid, 0) == -1);
}
