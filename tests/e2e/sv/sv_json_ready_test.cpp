// Beyond runit: `sv -j status` (one JSON document) against our runsv, and
// readiness: with a notification-fd file the wait for up also needs
// supervise/ready (created here by the test, not by runsv).

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "fixture.hpp"
#include "sv_tree.hpp"

using namespace svtest;

namespace {

// Pids and ages vary: "pid":N and "seconds":N become X.
std::string mask_json(const std::string& text) {
  static const std::regex number("\"(pid|seconds)\":[0-9]+");
  return std::regex_replace(text, number, "\"$1\":X");
}

void expect_json(sv_tree& t, const std::vector<std::string>& args, const std::string& out, int code,
                 const std::string& err = "") {
  auto r = t.sv(args);
  INFO(describe_sv(r, t.root.path()));
  CHECK(mask_json(r.out) == out);
  CHECK(mask_sv(r.err, t.root.path()) == err);
  CHECK(r.code == code);
}

std::string obj(const std::string& name, const std::string& fields, const std::string& log = "null") {
  return "{\"name\":\"" + name + "\"," + fields + ",\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,\"log\":" + log + "}";
}

std::string part(const std::string& name, const std::string& fields) {
  return "{\"name\":\"" + name + "\"," + fields + ",\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null}";
}

const std::string nulls =
    "\"state\":null,\"pid\":null,\"seconds\":null,\"normally\":null,\"want\":null,"
    "\"paused\":null,\"got_term\":null,\"ready\":null,\"restart_policy\":null,\"crashes\":null,\"last_crash\":null,\"waiting_for\":null";

std::string failed(const std::string& name, const std::string& error) {
  return "{\"name\":\"" + name + "\"," + nulls + ",\"error\":\"" + error + "\",\"log\":null}";
}

const std::string run_up = "\"state\":\"run\",\"pid\":X,\"seconds\":X,\"normally\":\"up\",\"want\":\"up\"";
const std::string plain = "\"paused\":false,\"got_term\":false,\"ready\":null";

}  // namespace

TEST_CASE("sv -j status: run, down, finish, paused, log, no log, not running, missing dir", "[e2e][sv][json]") {
  sv_tree t;
  t.service("svc");
  make_dir(t.dir("svc/log"));
  write_script(t.dir("svc/log/run"), "exec cat > /dev/null\n");
  t.service("nd");
  write_file(t.dir("nd/down"), "");
  t.service("fin");
  write_script(t.dir("fin/finish"), "exec sleep 1000\n");
  t.service("dead");
  make_dir(t.dir("dead/supervise"));
  make_fifo(t.dir("dead/supervise/ok"));
  for (const char* name : {"svc", "nd", "fin"}) t.start(name);
  for (const char* name : {"svc", "svc/log", "fin"}) t.wait_run(name);
  wait_state(t.dir("nd"), "down\n", flags_hex(0, 'd', 0, 0), 10s);

  const std::string svc = obj("svc", run_up + "," + plain, part("log", run_up + "," + plain));
  expect_json(t, {"-j", "status", "svc"}, "[\n" + svc + "\n]\n", 0);
  // -v changes nothing for status; the plain output is runit's.
  expect_json(t, {"-vj", "status", "svc"}, "[\n" + svc + "\n]\n", 0);
  t.expect({"status", "svc"}, "run: svc: (pid X) Xs; run: log: (pid X) Xs\n", 0);

  const std::string nd = obj("nd", "\"state\":\"down\",\"pid\":null,\"seconds\":X,\"normally\":\"down\","
                                   "\"want\":\"down\"," + plain);
  expect_json(t, {"-j", "status", "nd"}, "[\n" + nd + "\n]\n", 0);

  t.expect({"-v", "pause", "svc"}, "ok: run: svc: (pid X) Xs, paused\n", 0);
  t.expect({"-v", "down", "svc/log"}, "ok: down: svc/log: Xs, normally up\n", 0);
  expect_json(t, {"-j", "status", "svc"},
              "[\n" + obj("svc", run_up + ",\"paused\":true,\"got_term\":false,\"ready\":null",
                          part("log", "\"state\":\"down\",\"pid\":null,\"seconds\":X,\"normally\":\"up\","
                                      "\"want\":\"down\"," + plain)) +
                  "\n]\n",
              0);

  t.expect({"down", "fin"}, "", 0);
  wait_until([&] { auto st = read_status(t.dir("fin")); return st && st->state == 2 && st->pid != 0; },
             "./finish to run", 10s, [&] { return describe_state(t.dir("fin")); });
  const std::string fin = obj("fin", "\"state\":\"finish\",\"pid\":X,\"seconds\":X,\"normally\":\"up\","
                                     "\"want\":\"down\"," + plain);
  expect_json(t, {"-j", "status", "fin"}, "[\n" + fin + "\n]\n", 0);

  // Errors: counted as by sv status, each service still in the one document.
  expect_json(t, {"-j", "status", "dead", "missing", "nd"},
              "[\n" + failed("dead", "runsv not running") + ",\n" +
                  failed("missing", "unable to change to service directory: file does not exist") + ",\n" +
                  nd + "\n]\n",
              2);
  t.expect({"status", "dead", "missing"},
           "fail: dead: runsv not running\n"
           "fail: missing: unable to change to service directory: file does not exist\n",
           2);
  // The log service not running.
  make_dir(t.dir("nd/log"));
  make_dir(t.dir("nd/log/supervise"));
  make_fifo(t.dir("nd/log/supervise/ok"));
  expect_json(t, {"-j", "status", "./nd"},
              "[\n{\"name\":\"./nd\",\"state\":\"down\",\"pid\":null,\"seconds\":X,\"normally\":\"down\","
              "\"want\":\"down\"," + plain + ",\"restart_policy\":null,\"crashes\":0,\"last_crash\":null,\"waiting_for\":null,\"error\":null,\"log\":{\"name\":\"log\"," + nulls +
                  ",\"error\":\"runsv not running\"}}\n]\n",
              1);
  // A name with a quote, a backslash and a newline is escaped.
  const std::string odd = "o\"d\\d\n";
  t.service(odd);
  t.start(odd);
  t.wait_run(odd);
  expect_json(t, {"-j", "status", odd}, "[\n" + obj("o\\\"d\\\\d\\n", run_up + "," + plain) + "\n]\n", 0);
  // Usage errors stay runit's.
  t.expect({"-j", "status"}, "", 100, usage);
}

TEST_CASE("sv readiness: with notification-fd, up waits for supervise/ready and -j shows it", "[e2e][sv][json]") {
  sv_tree t;
  t.service("rdy");
  write_file(t.dir("rdy/notification-fd"), "3\n");
  t.service("plain");
  t.start("rdy");
  t.start("plain");
  t.wait_run("rdy");
  t.wait_run("plain");
  const std::string ready = t.dir("rdy/supervise/ready");
  ::unlink(ready.c_str());

  expect_json(t, {"-j", "status", "rdy", "plain"},
              "[\n" + obj("rdy", run_up + ",\"paused\":false,\"got_term\":false,\"ready\":false") + ",\n" +
                  obj("plain", run_up + "," + plain) + "\n]\n",
              0);
  // Without notification-fd nothing changes: up returns at once.
  t.expect({"-w", "5", "up", "plain"}, "ok: run: plain: (pid X) Xs\n", 0);
  // With it, no supervise/ready: the wait times out.
  t.expect({"-w", "1", "up", "rdy"}, "timeout: run: rdy: (pid X) Xs\n", 1);
  t.expect({"-w", "1", "check", "rdy"}, "timeout: run: rdy: (pid X) Xs\n", 1);

  // supervise/ready appears (as runsv writes it: ready.new renamed) while
  // sv -w 5 up waits: sv reports ok only after it exists.
  const auto start = std::chrono::steady_clock::now();
  std::thread writer([&] {
    std::this_thread::sleep_for(600ms);
    write_file(ready + ".new", "");
    REQUIRE(::rename((ready + ".new").c_str(), ready.c_str()) == 0);
  });
  auto r = t.sv({"-w", "5", "up", "rdy"});
  const auto took = std::chrono::steady_clock::now() - start;
  writer.join();
  INFO(describe_sv(r, t.root.path()));
  CHECK(mask_sv(r.out, t.root.path()) == "ok: run: rdy: (pid X) Xs\n");
  CHECK(r.code == 0);
  CHECK(took >= 600ms);
  CHECK(took < 5s);

  expect_json(t, {"-j", "status", "rdy"},
              "[\n" + obj("rdy", run_up + ",\"paused\":false,\"got_term\":false,\"ready\":true") + "\n]\n", 0);
  t.expect({"check", "rdy"}, "ok: run: rdy: (pid X) Xs\n", 0);
  // Down does not look at readiness.
  ::unlink(ready.c_str());
  t.expect({"-v", "down", "rdy"}, "ok: down: rdy: Xs, normally up\n", 0);
  t.expect({"check", "rdy"}, "ok: down: rdy: Xs, normally up\n", 0);
}
