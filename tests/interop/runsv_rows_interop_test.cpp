// Every row of tests/data/runsv_transitions.tsv replayed on Debian's runsv
// and on ours, side by side: the row's service is made twice, both runsv
// get the setup bytes and then the row's byte, and after each byte both
// (or the row's event: TERM to runsv, KILL to the process in supervise/pid)
// must show what runsv's core in its simulated world shows
// (test::runsv_world); after the last, what the row's last column says.
// This is what derives the table from Debian's runsv: a row that Debian's
// runsv does not follow fails here.

#include <catch2/catch.hpp>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "runsv_rows.hpp"
#include "runsv_world.hpp"

using namespace test;

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void make_service(service_fixture& f, const runsv_config& cfg) {
  write_script(f.at("run"), stubborn_recorder);
  if (cfg.finish) write_script(f.at("finish"), long_finish);
  if (cfg.down) write_file(f.at("down"), "");
  if (!cfg.controls.empty()) make_dir(f.at("control"));
  for (const auto& [c, code] : cfg.controls)
    write_script(f.at(std::string("control/") + c),
                 std::string("echo ") + c + " >> control.log\nexit " + std::to_string(code) + "\n");
  if (cfg.log) {
    make_dir(f.at("log"));
    write_script(f.at("log/run"), "exec cat >/dev/null\n");
  }
}

// The observation of a real runsv, in runsv_world's format.
std::string observe(service_fixture& f, runsv_instance& rs, const runsv_config& cfg) {
  auto starts = f.lines("starts");
  auto finishes = f.lines("finishes");
  auto name = [&](std::uint32_t pid) -> std::string {
    if (pid == 0) return "0";
    for (std::size_t i = 0; i < starts.size(); ++i)
      if (starts[i] == std::to_string(pid)) return "#" + std::to_string(i + 1);
    for (const auto& p : finishes)
      if (p == std::to_string(pid)) return "finish";
    return "?";
  };
  auto st = read_status(f.svc);
  std::string o = "flags " + (st ? st->flags_hex() + " pid " + name(st->pid) : std::string("missing"));
  if (cfg.log) {
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
    auto sigs = sorted_signals(f.lines("signals." + starts[i]));
    if (!sigs.empty()) o += " #" + std::to_string(i + 1) + ":" + join(sigs, ",");
  }
  o += " | control";
  for (const auto& c : f.lines("control.log")) o += " " + c;
  if (rs.exited()) o += " | exited";
  return o;
}

// One runsv on its own copy of the row's service.
struct side {
  const char* who;
  service_fixture f;
  std::unique_ptr<runsv_instance> rs;
  std::string last;

  side(const char* name, const std::string& binary, const runsv_config& cfg) : who(name) {
    make_service(f, cfg);
    runsv_instance::options opts;
    opts.binary = binary;
    rs = std::make_unique<runsv_instance>(f.svc, opts);
    rs->wait_ready();
  }
  // At once: the stubborn ./run would hold runsv's exit on TERM.
  ~side() { rs->stop(std::chrono::milliseconds(0)); }
};

// Replays one row; false (after saying what differed) if a side did not
// show what was expected.
bool replay(const transition_row& row) {
  const auto cfg = parse_config(row.config);
  runsv_world world(cfg);
  side debian("Debian's runsv", reference_bin("runsv"), cfg);
  side ours("our runsv", runsv_under_test(), cfg);
  std::string sent;
  auto expect = [&](const std::string& expected) {
    bool ok = poll_until([&] {
      bool all = true;
      for (side* s : {&debian, &ours}) {
        s->last = observe(s->f, *s->rs, cfg);
        all = all && s->last == expected;
      }
      return all;
    });
    if (ok) return true;
    std::string report = "config \"" + row.config + "\", bytes \"" + sent + "\"\n  expected:       " + expected;
    for (side* s : {&debian, &ours}) {
      report += std::string("\n  ") + s->who + ": " + s->last;
      if (s->last != expected) report += "   <-- differs";
    }
    FAIL_CHECK(report);
    return false;
  };
  if (!expect(world.seen())) return false;
  for (char b : row.setup + row.byte) {
    world.send(b);
    sent += b;
    for (side* s : {&debian, &ours}) {
      if (b == 'T') {
        s->rs->proc().signal(SIGTERM);
      } else if (b == 'K') {
        auto st = read_status(s->f.svc);
        if (st && st->pid != 0) ::kill(static_cast<pid_t>(st->pid), SIGKILL);
      } else {
        send_control(s->f.svc, std::string(1, b));
      }
    }
    if (!expect(world.seen())) return false;
  }
  CHECK(world.seen() == row.seen);
  return true;
}

void replay_variant(const std::string& variant) {
  auto rows = load_transitions();
  int replayed = 0;
  for (const auto& r : rows) {
    if (r.config.substr(0, r.config.find(' ')) != variant) continue;
    replay(r);
    ++replayed;
  }
  CHECK(replayed >= 100);
}

}  // namespace

// The table's rows by the first word of their configuration.
TEST_CASE("transition rows of a plain service: Debian's runsv and ours do what the table says",
          "[interop][runsv][rows]") {
  auto rows = load_transitions();
  int replayed = 0;
  for (const auto& r : rows) {
    auto first = r.config.substr(0, r.config.find(' '));
    if (first == "log" || first == "c0" || first == "c1") continue;
    replay(r);
    ++replayed;
  }
  CHECK(replayed >= 100);
}

TEST_CASE("transition rows with a log service: Debian's runsv and ours do what the table says",
          "[interop][runsv][rows]") {
  replay_variant("log");
}

TEST_CASE("transition rows with control scripts exiting 0: Debian's runsv and ours do what the table says",
          "[interop][runsv][rows]") {
  replay_variant("c0");
}

TEST_CASE("transition rows with control scripts exiting 1: Debian's runsv and ours do what the table says",
          "[interop][runsv][rows]") {
  replay_variant("c1");
}
