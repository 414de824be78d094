// Beyond runit: `sv ready [service ...]`, the probe for health checks, and
// the crash record (supervise/crashes) it reads, against our runsv. One look
// per service prints "ok: STATUSLINE" or "fail: STATUSLINE[REASON]" and exits
// with the number of failures; with -v or -w it waits as sv check does.
// Without names it looks at every service in SVDIR.

#include <catch2/catch.hpp>

#include <csignal>
#include <ctime>
#include <regex>
#include <sys/stat.h>

#include "fixture.hpp"
#include "sv_tree.hpp"

using namespace svtest;

namespace {

// The number in the first capture group of `re` in `text`, or -1.
long long captured(const std::string& text, const std::string& re) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(re))) return -1;
  return std::stoll(m[1].str());
}

// "N" of ", crashed Ns ago" in sv ready's output, or -1.
long long crashed_ago(const std::string& out) { return captured(out, "crashed ([0-9]+)s ago"); }

std::string crashes_file(sv_tree& t, const std::string& name) { return t.dir(name) + "/supervise/crashes"; }

// The crash fields of `sv -j status NAME` (they follow "restart_policy",
// here null): "crashes" and "last_crash" (-1 for null); {-1, -1} if the
// document does not have them there.
std::pair<long long, long long> json_crashes(sv_tree& t, const std::string& name) {
  auto r = t.sv({"-j", "status", name});
  INFO(describe_sv(r, t.root.path()));
  CHECK(r.code == 0);
  std::smatch m;
  const bool found = std::regex_search(r.out, m,
                                       std::regex("^\\[\n\\{\"name\":\"[^\"]*\",.*\"restart_policy\":null,"
                                                  "\"crashes\":([0-9]+),\"last_crash\":(null|[0-9]+)[,}]"));
  CHECK(found);
  if (!found) return {-1, -1};
  return {std::stoll(m[1].str()), m[2].str() == "null" ? -1 : std::stoll(m[2].str())};
}

// Waits until name's ./run is the child whose pid the run script wrote on
// line `line` (1-based) of its file `starts`, and runs.
void wait_start_number(sv_tree& t, const std::string& name, std::size_t line) {
  wait_until(
      [&] {
        auto starts = read_lines(t.dir(name) + "/starts");
        auto st = read_status(t.dir(name));
        return starts.size() == line && st && st->state == 1 && std::to_string(st->pid) == starts.back();
      },
      "start number " + std::to_string(line) + " of " + name, 15s, [&] { return describe_state(t.dir(name)); });
}

}  // namespace

TEST_CASE("sv ready: running is ok, down, paused, want down, got TERM and no runsv fail, the exit code counts them",
          "[e2e][sv][ready]") {
  sv_tree t;
  t.service("web");
  t.service("other");
  t.service("rec", sh::signal_recorder(false));  // survives TERM: got TERM stays
  make_dir(t.dir("dead"));
  make_dir(t.dir("dead/supervise"));
  make_fifo(t.dir("dead/supervise/ok"));
  for (const char* name : {"web", "other", "rec"}) t.start(name);
  for (const char* name : {"web", "other", "rec"}) t.wait_run(name);

  const std::string web_ok = "ok: run: web: (pid X) Xs\n";
  auto r = t.expect({"ready", "web"}, web_ok, 0);
  // The pid shown is the running one.
  CHECK(r.out.find("(pid " + std::to_string(status_pid(t.dir("web"))) + ")") != std::string::npos);
  t.expect({"ready", "web", "other"}, web_ok + "ok: run: other: (pid X) Xs\n", 0);

  // Down: the status line says why, no reason follows it.
  t.expect({"-v", "down", "other"}, "ok: down: other: Xs, normally up\n", 0);
  const std::string other_fail = "fail: down: other: Xs, normally up\n";
  t.expect({"ready", "other"}, other_fail, 1);
  // Lines in argument order; one failure of two: exit code 1.
  t.expect({"ready", "other", "web"}, other_fail + web_ok, 1);
  t.expect({"ready", "web", "other"}, web_ok + other_fail, 1);

  // Paused.
  t.expect({"-v", "pause", "web"}, "ok: run: web: (pid X) Xs, paused\n", 0);
  t.expect({"ready", "web", "other"}, "fail: run: web: (pid X) Xs, paused\n" + other_fail, 2);
  t.expect({"-v", "cont", "web"}, web_ok, 0);
  t.expect({"ready", "web"}, web_ok, 0);

  // Got TERM: a ./run that does not end at TERM is being stopped.
  wait_recorder_ready(t.dir("rec"), status_pid(t.dir("rec")), 10s);
  t.expect({"term", "rec"}, "", 0);
  wait_state(t.dir("rec"), "run, got TERM\n", flags_hex(0, 'u', 1, 1), 10s);
  t.expect({"ready", "rec"}, "fail: run: rec: (pid X) Xs, got TERM\n", 1);

  // Running but wanted down (sv once).
  t.expect({"-v", "once", "web"}, "ok: run: web: (pid X) Xs, want down\n", 0);
  t.expect({"ready", "web"}, "fail: run: web: (pid X) Xs, want down\n", 1);
  // (Not -v: as runit's, it is content with the running ./run and may look
  // before runsv has read the u.)
  t.expect({"up", "web"}, "", 0);
  t.wait_run("web");
  t.expect({"ready", "web"}, web_ok, 0);

  // No runsv, no directory: sv's own error lines, counted.
  t.expect({"ready", "dead"}, "fail: dead: runsv not running\n", 1);
  t.expect({"ready", "web", "dead", "missing"},
           web_ok + "fail: dead: runsv not running\n"
                    "fail: missing: unable to change to service directory: file does not exist\n",
           2);
  // The exit code stops at 99.
  std::vector<std::string> many{"ready"};
  std::string many_out;
  for (int i = 0; i < 120; ++i) {
    many.push_back("missing");
    many_out += "fail: missing: unable to change to service directory: file does not exist\n";
  }
  t.expect(many, many_out, 99);
}

TEST_CASE("sv ready: notification-fd until ready, a failing ./check, a log service that is down",
          "[e2e][sv][ready]") {
  sv_tree t;
  t.service("rdy", "while [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000\n");
  write_file(t.dir("rdy/notification-fd"), "3\n");
  t.service("chk");
  write_script(t.dir("chk/check"), "test -e pass\n");
  t.service("logged");
  make_dir(t.dir("logged/log"));
  write_script(t.dir("logged/log/run"), "exec cat > /dev/null\n");
  for (const char* name : {"rdy", "chk", "logged"}) t.start(name);
  for (const char* name : {"rdy", "chk", "logged", "logged/log"}) t.wait_run(name);

  // Running, not ready yet.
  t.expect({"ready", "rdy"}, "fail: run: rdy: (pid X) Xs, not ready\n", 1);
  write_file(t.dir("rdy/go"), "");
  wait_until([&] { return exists(t.dir("rdy/supervise/ready")); }, "supervise/ready", 10s);
  t.expect({"ready", "rdy"}, "ok: run: rdy: (pid X) Xs\n", 0);

  // ./check runs (in the service directory) and must exit 0.
  t.expect({"ready", "chk"}, "fail: run: chk: (pid X) Xs, check failed\n", 1);
  write_file(t.dir("chk/pass"), "");
  t.expect({"ready", "chk"}, "ok: run: chk: (pid X) Xs\n", 0);

  // The log service must run too; the line shows the main service only.
  t.expect({"ready", "logged"}, "ok: run: logged: (pid X) Xs\n", 0);
  t.expect({"-v", "down", "logged/log"}, "ok: down: logged/log: Xs, normally up\n", 0);
  t.expect({"ready", "logged"}, "fail: run: logged: (pid X) Xs, log not running\n", 1);
  t.expect({"ready", "rdy", "logged", "chk"},
           "ok: run: rdy: (pid X) Xs\nfail: run: logged: (pid X) Xs, log not running\nok: run: chk: (pid X) Xs\n",
           1);
  t.expect({"-v", "up", "logged/log"}, "ok: run: logged/log: (pid X) Xs\n", 0);
  t.expect({"ready", "logged"}, "ok: run: logged: (pid X) Xs\n", 0);
}

TEST_CASE("sv ready: a ./run that crashed in the last minute fails with how long ago and how often, -j shows it",
          "[e2e][sv][ready][crashes]") {
  sv_tree t;
  // The first two runs end on their own after a moment, the third stays.
  t.service("app",
            "echo $$ >> starts\n"
            "[ \"$(wc -l < starts)\" -gt 2 ] && exec sleep 1000\n"
            "sleep 0.2\n"
            "exit 1\n");
  const auto before = std::time(nullptr);
  t.start("app");
  wait_start_number(t, "app", 3);

  auto r = t.expect({"ready", "app"}, "fail: run: app: (pid X) Xs, crashed Xs ago (2 times)\n", 1);
  const long long ago = crashed_ago(r.out);
  CHECK(ago >= 0);
  CHECK(ago <= std::time(nullptr) - before + 1);

  const auto [count, last] = json_crashes(t, "app");
  CHECK(count == 2);
  CHECK(last >= 0);
  CHECK(last <= std::time(nullptr) - before + 1);

  // The record counts for a minute (written here as runsv writes it).
  const std::string record = crashes_file(t, "app");
  write_file(record, "7 " + std::to_string(std::time(nullptr) - 61) + "\n");
  t.expect({"ready", "app"}, "ok: run: app: (pid X) Xs\n", 0);
  // -j still reports it, with its age.
  const auto [old_count, old_last] = json_crashes(t, "app");
  CHECK(old_count == 7);
  CHECK(old_last >= 61);
  CHECK(old_last < 80);
  write_file(record, "7 " + std::to_string(std::time(nullptr) - 30) + "\n");
  r = t.expect({"ready", "app"}, "fail: run: app: (pid X) Xs, crashed Xs ago (7 times)\n", 1);
  CHECK(crashed_ago(r.out) >= 30);
  CHECK(crashed_ago(r.out) < 45);
}

TEST_CASE("sv ready: restart, down and up, and hup leave no crash, kill -9 from outside is one, sv down+up forgets it",
          "[e2e][sv][ready][crashes]") {
  sv_tree t;
  t.service("web");
  t.start("web");
  t.wait_run("web");
  const std::string web = t.dir("web");
  const std::string web_ok = "ok: run: web: (pid X) Xs\n";
  const std::pair<long long, long long> no_crash{0, -1};

  // sv restart: TERM, and want up restarts it.
  wait_aged(web);  // so that sv restart waits for the new child
  auto pid = status_pid(web);
  t.expect({"restart", "web"}, web_ok, 0);
  CHECK(status_pid(web) != pid);
  CHECK_FALSE(exists(crashes_file(t, "web")));
  CHECK(json_crashes(t, "web") == no_crash);
  t.expect({"ready", "web"}, web_ok, 0);

  // sv down, then sv up.
  t.expect({"-v", "down", "web"}, "ok: down: web: Xs, normally up\n", 0);
  t.expect({"-v", "up", "web"}, web_ok, 0);
  CHECK_FALSE(exists(crashes_file(t, "web")));
  t.expect({"ready", "web"}, web_ok, 0);

  // sv hup: the signal ends sleep; runsv restarts it.
  pid = status_pid(web);
  t.expect({"hup", "web"}, "", 0);
  wait_running_other_than(web, pid, 10s);
  CHECK_FALSE(exists(crashes_file(t, "web")));
  CHECK(json_crashes(t, "web") == no_crash);
  t.expect({"ready", "web"}, web_ok, 0);

  // Killed from outside: a crash.
  pid = status_pid(web);
  REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
  wait_running_other_than(web, pid, 10s);
  wait_until([&] { return exists(crashes_file(t, "web")); }, "supervise/crashes", 10s);
  auto r = t.expect({"ready", "web"}, "fail: run: web: (pid X) Xs, crashed Xs ago (1 time)\n", 1);
  CHECK(crashed_ago(r.out) >= 0);
  CHECK(crashed_ago(r.out) < 30);
  const auto [count, last] = json_crashes(t, "web");
  CHECK(count == 1);
  CHECK(last >= 0);
  CHECK(last < 30);

  // sv down keeps the record; sv up of the service wanted down forgets it.
  t.expect({"-v", "down", "web"}, "ok: down: web: Xs, normally up\n", 0);
  CHECK(exists(crashes_file(t, "web")));
  t.expect({"ready", "web"}, "fail: down: web: Xs, normally up\n", 1);
  t.expect({"-v", "up", "web"}, web_ok, 0);
  CHECK_FALSE(exists(crashes_file(t, "web")));
  CHECK(json_crashes(t, "web") == no_crash);
  t.expect({"ready", "web"}, web_ok, 0);
}

TEST_CASE("sv ready: a service its restart limit gave up fails, also without names where wanted-down ones pass",
          "[e2e][sv][ready][crashes]") {
  sv_tree t;
  t.service("app", "echo $$ >> starts\nexit 1\n");
  write_file(t.dir("app/restart-limit"), "2 60\n");
  t.service("web");
  t.service("oneshot", "echo ran >> ran\n");
  write_file(t.dir("oneshot/down"), "");
  for (const char* name : {"web", "oneshot", "app"}) t.start(name);
  t.wait_run("web");
  wait_state(t.dir("oneshot"), "down\n", flags_hex(0, 'd', 0, 0), 10s);
  t.expect({"once", "oneshot"}, "", 0);
  wait_until([&] { return read_lines(t.dir("oneshot/ran")).size() == 1 && read_stat(t.dir("oneshot")) == "down\n"; },
             "the oneshot to run once", 10s, [&] { return describe_state(t.dir("oneshot")); });

  // Two quick exits: given up, left down and wanted down.
  // (runsv writes the status, then the policy.)
  wait_until([&] { return read_file(t.dir("app/supervise/restart-policy")) == "given-up\n"; },
             "the restart limit to give up", 15s, [&] { return describe_state(t.dir("app")); });
  wait_state(t.dir("app"), "down\n", flags_hex(0, 'd', 0, 0), 10s);
  CHECK(read_lines(t.dir("app/starts")).size() == 2);
  CHECK(read_file(crashes_file(t, "app")).value_or("").rfind("2 ", 0) == 0);

  const std::string app_fail = "fail: down: app: Xs, normally up, restart limit reached\n";
  t.expect({"ready", "app"}, app_fail, 1);
  t.expect({"ready", "app", "web"}, app_fail + "ok: run: web: (pid X) Xs\n", 1);
  // Named, a service wanted down fails; in the whole SVDIR it is where it should be.
  t.expect({"ready", "oneshot"}, "fail: down: oneshot: Xs\n", 1);
  t.expect({"ready"}, app_fail + "ok: down: oneshot: Xs\nok: run: web: (pid X) Xs\n", 1);
  // Waiting: the ready ones are reported at once, the given-up one at the deadline.
  t.expect({"-w", "1", "ready"},
           "ok: down: oneshot: Xs\nok: run: web: (pid X) Xs\n"
           "timeout: down: app: Xs, normally up, restart limit reached\n",
           1);

  // Fixed, and sv up: another chance and no crash record.
  write_script(t.dir("app/run"), "exec sleep 1000\n");
  t.expect({"-v", "up", "app"}, "ok: run: app: (pid X) Xs\n", 0);
  CHECK_FALSE(exists(crashes_file(t, "app")));
  CHECK_FALSE(exists(t.dir("app/supervise/restart-policy")));
  t.expect({"ready", "app"}, "ok: run: app: (pid X) Xs\n", 0);
  t.expect({"ready"}, "ok: run: app: (pid X) Xs\nok: down: oneshot: Xs\nok: run: web: (pid X) Xs\n", 0);
}

TEST_CASE("sv ready: sv up during a restart-backoff delay starts ./run at once and forgets the crash",
          "[e2e][sv][ready][crashes]") {
  sv_tree t;
  t.service("app", "[ -e flag ] && exec sleep 1000\necho $$ >> fails\nexit 1\n");
  write_file(t.dir("app/restart-backoff"), "5000 60000\n");
  t.start("app");
  // The first failure: a 5 s delay before the restart.
  // (runsv writes the crash record, then the status, then the policy.)
  wait_until([&] { return exists(crashes_file(t, "app")) && exists(t.dir("app/supervise/restart-policy")); },
             "the first failure", 10s, [&] { return describe_state(t.dir("app")); });
  CHECK(read_stat(t.dir("app")) == "down\n");
  CHECK(read_file(t.dir("app/supervise/restart-policy")) == "exits 0 backoff 5000\n");
  t.expect({"ready", "app"}, "fail: down: app: Xs, normally up, want up\n", 1);

  write_file(t.dir("app/flag"), "");
  t.expect({"up", "app"}, "", 0);
  // Well within the 5 s (the first failure was at most a few hundred ms ago).
  wait_until(
      [&] {
        auto st = read_status(t.dir("app"));
        return st && st->state == 1 && st->pid != 0;
      },
      "./run to start again before the backoff delay is over", 3s, [&] { return describe_state(t.dir("app")); });
  CHECK(read_lines(t.dir("app/fails")).size() == 1);
  CHECK_FALSE(exists(crashes_file(t, "app")));
  t.expect({"ready", "app"}, "ok: run: app: (pid X) Xs\n", 0);
}

TEST_CASE("sv -w ready waits until the service is ready, timeout: with the reason at the deadline",
          "[e2e][sv][ready]") {
  sv_tree t;
  t.service("web", "while [ ! -e go ]; do sleep 0.02; done\necho >&3\nexec sleep 1000\n");
  write_file(t.dir("web/notification-fd"), "3\n");
  t.service("off");
  write_file(t.dir("off/down"), "");
  t.start("web");
  t.start("off");
  t.wait_run("web");
  wait_state(t.dir("off"), "down\n", flags_hex(0, 'd', 0, 0), 10s);

  t.expect({"-w", "1", "ready", "web"}, "timeout: run: web: (pid X) Xs, not ready\n", 1);
  t.expect({"-w", "1", "ready", "off"}, "timeout: down: off: Xs\n", 1);
  t.expect({"-w", "1", "ready", "off", "web"}, "timeout: down: off: Xs\ntimeout: run: web: (pid X) Xs, not ready\n",
           2);

  sv_spawn opts;
  opts.cwd = t.root.path();
  opts.env = {"SVDIR=" + t.root.path()};
  sv_process waiting({sv_under_test(), "-w", "10", "ready", "web"}, opts);
  // Not ready: sv keeps waiting.
  CHECK(holds_for([&] { char s = proc_state(waiting.pid()); return s != 0 && s != 'Z'; }, 300ms));
  write_file(t.dir("web/go"), "");
  auto r = waiting.finish(15s);
  INFO(describe_sv(r, t.root.path()));
  CHECK(mask_sv(r.out, t.root.path()) == "ok: run: web: (pid X) Xs\n");
  CHECK(r.err.empty());
  CHECK(r.code == 0);
  CHECK(exists(t.dir("web/supervise/ready")));

  // -v alone waits with the default 7 s: ready now, it answers at once.
  t.expect({"-v", "ready", "web"}, "ok: run: web: (pid X) Xs\n", 0);
}

TEST_CASE("sv ready without names: the subdirectories of SVDIR in name order, usage and fatal errors",
          "[e2e][sv][ready]") {
  sv_tree t;
  for (const char* name : {"m", "b", "z"}) t.service(name);
  for (const char* name : {"m", "b", "z"}) t.start(name);
  for (const char* name : {"m", "b", "z"}) t.wait_run(name);
  // Not services: a dot directory (here one whose runsv is gone, which
  // would fail), a plain file, a dangling link. A link to a directory is one.
  make_dir(t.dir(".hidden"));
  make_dir(t.dir(".hidden/supervise"));
  make_fifo(t.dir(".hidden/supervise/ok"));
  write_file(t.dir("notes"), "x\n");
  REQUIRE(::symlink("nowhere", t.dir("dangling").c_str()) == 0);
  REQUIRE(::symlink("b", t.dir("c").c_str()) == 0);
  // A directory without runsv is one, and fails.
  make_dir(t.dir("a"));
  make_dir(t.dir("a/supervise"));
  make_fifo(t.dir("a/supervise/ok"));

  const std::string all_ok = "ok: run: b: (pid X) Xs\nok: run: c: (pid X) Xs\nok: run: m: (pid X) Xs\n"
                             "ok: run: z: (pid X) Xs\n";
  t.expect({"ready"}, "fail: a: runsv not running\n" + all_ok, 1);
  t.expect({"-w", "1", "ready"}, "fail: a: runsv not running\n" + all_ok, 1);
  REQUIRE(::rename(t.dir("a").c_str(), t.dir(".a").c_str()) == 0);
  t.expect({"ready"}, all_ok, 0);
  // The working directory does not matter, SVDIR does.
  auto r = t.sv({"ready"}, {}, "/");
  CHECK(mask_sv(r.out, t.root.path()) == all_ok);
  CHECK(r.code == 0);

  // An empty SVDIR: nothing to look at, nothing failed.
  make_dir(t.dir("empty"));
  t.expect({"ready"}, "", 0, "", {"SVDIR=" + t.dir("empty")});

  // An SVDIR that cannot be opened is fatal.
  const std::string fatal = "fatal: unable to open ROOT/missing: file does not exist\n";
  t.expect({"ready"}, "", 100, fatal, {"SVDIR=" + t.dir("missing")});
  t.expect({"-v", "ready"}, "", 100, fatal, {"SVDIR=" + t.dir("missing")});
  t.expect({"-w", "2", "ready"}, "", 100, fatal, {"SVDIR=" + t.dir("missing")});
  // With names it is the usual per-service failure.
  t.expect({"ready", "b"}, "fail: b: unable to change to service directory: file does not exist\n", 1, "",
           {"SVDIR=" + t.dir("missing")});

  // Every other command still needs a service.
  t.expect({"status"}, "", 100, usage);
  t.expect({"-v", "up"}, "", 100, usage);
  t.expect({"check"}, "", 100, usage);
  t.expect({"-j", "status"}, "", 100, usage);
  // The word is ours: a misspelling is still an unknown command.
  t.expect({"readyy", "b"}, "", 100, usage);
}
