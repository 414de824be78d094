// 'k' whose control/k exits 0 (supervise-protocol.md §6): runit marks the
// service down without killing ./run and keeps its pid. Every later byte then
// acts as on a service that is down: 'd', 'p', 'c' only rewrite the status
// (which shows the old pid, state down), 't', 'h', 'k' do nothing, 'x' exits
// at once (with a log service: once the log service ends, which it does when
// the old ./run, still holding the log pipe, is gone), and 'u' or 'o' start a
// new ./run: control/u, then the old child gets the stop sequence of 't'
// (control/t or TERM; for 'o' then CONT and control/d) and is forgotten. It
// is still reaped when it ends, and the status never names it again.
//
// Every scenario runs against Debian's runsv and against ours, with the same
// expected observations after each step.

#include <catch2/catch.hpp>

#include <csignal>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixture.hpp"

using namespace test;

namespace {

// Like sh::signal_recorder(true), but each ./run records its signals in its
// own file, signals.PID, so that the old and the new ./run can be told apart.
constexpr const char* recorder =
    "for s in HUP ALRM INT QUIT USR1 USR2; do trap \"echo $s >> signals.$$\" $s; done\n"
    "t=\n"
    "trap 'printf \"TERM\\n%.0s\" \"${t:=1}\" >> signals.$$' TERM\n"
    "trap 'echo CONT >> signals.$$; [ -n \"$t\" ] && exit 0' CONT\n"
    "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
    "sp=$!\n"
    "trap 'kill $sp 2>/dev/null' EXIT\n"
    "echo $$ >> starts\n"
    "while kill -0 $sp 2>/dev/null; do wait $sp; done\n";

void control_script(service_fixture& f, char c, int code) {
  write_script(f.at(std::string("control/") + c),
               std::string("echo ") + c + " >> control.log\nexit " + std::to_string(code) + "\n");
}

// A service whose control/u, control/t, control/d, control/x and control/k
// exit 0: only control/u leaves the default action.
void make_service(service_fixture& f, bool with_log) {
  write_script(f.at("run"), recorder);
  make_dir(f.at("control"));
  for (char c : {'u', 't', 'd', 'x', 'k'}) control_script(f, c, 0);
  if (with_log) {
    make_dir(f.at("log"));
    write_script(f.at("log/run"), "exec cat >/dev/null\n");
  }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// One line for the state of the service: status bytes 16..19 and which
// ./run (#1 = the first started) the status names, which ./run are alive,
// the signals each received, the control scripts that ran, and whether
// runsv exited; with a log service also the log's status bytes.
std::string observe(service_fixture& f, runsv_instance& rs, bool with_log) {
  auto starts = f.lines("starts");
  auto name = [&](std::uint32_t pid) -> std::string {
    if (pid == 0) return "0";
    for (std::size_t i = 0; i < starts.size(); ++i)
      if (starts[i] == std::to_string(pid)) return "#" + std::to_string(i + 1);
    return "?";
  };
  std::string o = "status ";
  auto st = read_status(f.svc);
  o += st ? st->flags_hex() + " pid " + name(st->pid) : std::string("missing");
  if (with_log) {
    auto l = read_status(f.at("log"));
    o += " | log " + (l ? l->flags_hex() : std::string("missing"));
  }
  o += " | live";
  for (std::size_t i = 0; i < starts.size(); ++i) {
    char c = proc_state(static_cast<pid_t>(std::stol(starts[i])));
    if (c != 0 && c != 'Z') o += " #" + std::to_string(i + 1);
  }
  o += " | signals";
  for (std::size_t i = 0; i < starts.size(); ++i) {
    auto sigs = f.lines("signals." + starts[i]);
    if (!sigs.empty()) o += " #" + std::to_string(i + 1) + ":" + join(sigs, ",");
  }
  o += " | control " + join(f.lines("control.log"), " ");
  if (rs.exited()) o += " | runsv exited";
  return o;
}

struct scenario {
  service_fixture& f;
  runsv_instance& rs;
  bool with_log;

  void expect(const std::string& expected, const std::string& what) {
    std::string last;
    if (poll_until([&] { return (last = observe(f, rs, with_log)) == expected; })) return;
    FAIL_CHECK("after " << what << "\n  seen:     " << last << "\n  expected: " << expected
                        << "\n  runsv stderr: " << rs.proc().err());
    throw std::runtime_error("the later steps depend on this one");
  }
  void send(std::string_view bytes, const std::string& expected) {
    send_control(f.svc, bytes);
    expect(expected, "control bytes \"" + std::string(bytes) + "\"");
  }
  pid_t run_pid(std::size_t n) { return static_cast<pid_t>(std::stol(f.lines("starts").at(n - 1))); }
  void kill_run(std::size_t n, const std::string& expected) {
    REQUIRE(::kill(run_pid(n), SIGKILL) == 0);
    expect(expected, "KILL to ./run #" + std::to_string(n));
  }
};

// Starts `binary` on a fresh service and waits for the first ./run.
template <typename Steps>
void run_with(const std::string& binary, bool with_log, Steps steps) {
  INFO("runsv: " << binary);
  service_fixture f;
  make_service(f, with_log);
  runsv_instance::options opts;
  opts.binary = binary;
  runsv_instance rs(f.svc, opts);
  rs.wait_ready();
  scenario s{f, rs, with_log};
  try {
    s.expect(with_log ? "status 00 75 00 01 pid #1 | log 00 75 00 01 | live #1 | signals | control u"
                      : "status 00 75 00 01 pid #1 | live #1 | signals | control u",
             "the start");
    steps(s);
  } catch (const std::runtime_error&) {
    // FAIL_CHECK said what was seen.
  }
}

template <typename Steps>
void on_both(bool with_log, Steps steps) {
  run_with(reference_bin("runsv"), with_log, steps);
  run_with(runsv_under_test(), with_log, steps);
}

}  // namespace

TEST_CASE("after k replaced by control/k, d then u starts a new run and x exits as Debian's runsv",
          "[interop][runsv][custom-control]") {
  on_both(false, [](scenario& s) {
    s.send("k", "status 00 75 00 01 pid #1 | live #1 | signals | control u k");
    control_script(s.f, 't', 1);
    s.send("d", "status 00 64 00 00 pid #1 | live #1 | signals | control u k");
    // control/u, then control/t fails: TERM (no CONT, want up) to the old ./run.
    s.send("u", "status 00 75 00 01 pid #2 | live #1 #2 | signals #1:TERM | control u k u t");
    // The old ./run is reaped as a stranger: the status keeps naming #2.
    pid_t old = s.run_pid(1);
    s.kill_run(1, "status 00 75 00 01 pid #2 | live #2 | signals #1:TERM | control u k u t");
    wait_until([&] { return proc_state(old) == 0; }, "runsv to reap the old ./run");
    s.send("x", "status 00 64 00 00 pid 0 | live | signals #1:TERM #2:TERM,CONT | control u k u t t x"
                " | runsv exited");
  });
}

TEST_CASE("after k replaced by control/k, each byte acts as Debian's runsv",
          "[interop][runsv][custom-control]") {
  const std::string after_k = "status 00 75 00 01 pid #1 | live #1 | signals | control u k";
  // The byte, what follows it at once, and then 'u' and 'x' when runsv is still there.
  struct row {
    const char* bytes;
    const char* then;  // after the byte ("" if nothing shows)
    const char* up;    // after 'u'
    const char* exit;  // after 'x'
  };
  const std::vector<row> rows = {
      {"u", "status 00 75 00 01 pid #2 | live #1 #2 | signals | control u k u t",
       "", "status 00 64 00 01 pid #2 | live #1 #2 | signals #2:CONT | control u k u t t x"},
      {"o", "status 00 64 00 01 pid #2 | live #1 #2 | signals #1:CONT | control u k u t d",
       "status 00 75 00 01 pid #2 | live #1 #2 | signals #1:CONT | control u k u t d",
       "status 00 64 00 01 pid #2 | live #1 #2 | signals #1:CONT #2:CONT | control u k u t d t x"},
      {"d", "status 00 64 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
      {"x", "status 00 64 00 00 pid #1 | live #1 | signals | control u k | runsv exited", nullptr, nullptr},
      {"p", "status 01 75 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
      {"c", "status 00 75 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
      // Nothing shows: 'c' (no signal while down) rewrites the status after them.
      {"tc", "status 00 75 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
      {"hc", "status 00 75 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
      {"kc", "status 00 75 00 00 pid #1 | live #1 | signals | control u k", nullptr, nullptr},
  };
  const std::string up_default = "status 00 75 00 01 pid #2 | live #1 #2 | signals | control u k u t";
  const std::string exit_default =
      "status 00 64 00 01 pid #2 | live #1 #2 | signals #2:CONT | control u k u t t x";
  for (const auto& r : rows) {
    INFO("k, then " << r.bytes);
    on_both(false, [&](scenario& s) {
      s.send("k", after_k);
      s.send(r.bytes, r.then);
      if (s.rs.exited()) return;
      std::string up = r.up ? r.up : up_default;
      if (up.empty()) send_control(s.f.svc, "u");
      else s.send("u", up);
      s.send("x", r.exit ? r.exit : exit_default);
    });
  }
}

TEST_CASE("after k replaced by control/k with a log service, u and x act as Debian's runsv",
          "[interop][runsv][custom-control]") {
  on_both(true, [](scenario& s) {
    s.send("k", "status 00 75 00 01 pid #1 | log 00 75 00 01 | live #1 | signals | control u k");
    s.send("u", "status 00 75 00 01 pid #2 | log 00 75 00 01 | live #1 #2 | signals | control u k u t");
    s.kill_run(1, "status 00 75 00 01 pid #2 | log 00 75 00 01 | live #2 | signals | control u k u t");
    s.send("k", "status 00 75 00 01 pid #2 | log 00 75 00 01 | live #2 | signals | control u k u t k");
    // Down with want exit: the log service is told to exit, but the old
    // ./run still holds the log pipe, so the log service and runsv stay.
    s.send("x", "status 00 64 00 00 pid #2 | log 00 64 00 01 | live #2 | signals | control u k u t k");
    CHECK_FALSE(s.rs.exited());
    // Once it ends it is reaped as the service (the status still names it),
    // the log service sees the end of its input and runsv exits.
    s.kill_run(2, "status 00 64 00 00 pid 0 | log 00 64 00 00 | live | signals | control u k u t k"
                  " | runsv exited");
  });
}
