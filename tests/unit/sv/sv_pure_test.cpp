// sv's pure parts: the command table (spec/sv.md §4), number parsing and
// option parsing (§3), and the status line (§6.3) built from status values.

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "options.hpp"
#include "status_line.hpp"
#include "supervise/status.hpp"
#include "../unit_support.hpp"

using supervise::state;
using supervise::want;

namespace {

struct command_row {
  const char* word;
  bool lsb;
  // nullopt fields below: usage expected.
  bool usage;
  const char* acts;
  bool send;
  bool wait;
  bool kill;
  bool status;
};

// Every row of spec/sv.md §4, with the words the text names and a few more
// of the same first character. {word, lsb, usage, acts, send, wait, kill, status}
const std::vector<command_row> command_rows = {
    // x, e: exit; waits only with -v
    {"exit", false, false, "x", true, false, false, false},
    {"e", false, false, "x", true, false, false, false},
    {"xyz", false, false, "x", true, false, false, false},
    {"x", true, false, "x", true, false, false, false},
    // X, E: undocumented exit with kill on timeout
    {"X", false, false, "x", true, true, true, false},
    {"Exit", false, false, "x", true, true, true, false},
    // D: force-stop, T: force-reload
    {"D", false, false, "d", true, true, true, false},
    {"Down", false, false, "d", true, true, true, false},
    {"T", false, false, "tc", true, true, true, false},
    {"Term", false, false, "tc", true, true, true, false},
    // t
    {"try-restart", false, false, "tc", true, true, false, false},
    {"term", false, false, "t", true, false, false, false},
    {"t", false, false, "t", true, false, false, false},
    {"try-restartx", false, false, "t", true, false, false, false},
    {"try", false, false, "t", true, false, false, false},
    // c
    {"check", false, false, "C", false, true, false, false},
    {"check", true, false, "C", false, true, false, false},
    {"cont", false, false, "c", true, false, false, false},
    {"c", false, false, "c", true, false, false, false},
    {"checks", false, false, "c", true, false, false, false},
    // single characters
    {"up", false, false, "u", true, false, false, false},
    {"upxyz", false, false, "u", true, false, false, false},
    {"down", false, false, "d", true, false, false, false},
    {"once", false, false, "o", true, false, false, false},
    {"pause", false, false, "p", true, false, false, false},
    {"hup", false, false, "h", true, false, false, false},
    {"alarm", false, false, "a", true, false, false, false},
    {"interrupt", false, false, "i", true, false, false, false},
    {"kill", false, false, "k", true, false, false, false},
    {"quit", false, false, "q", true, false, false, false},
    {"1", false, false, "1", true, false, false, false},
    {"2", false, false, "2", true, false, false, false},
    {"u", true, false, "u", true, false, false, false},
    {"12", false, false, "1", true, false, false, false},
    // s
    {"shutdown", false, false, "x", true, true, false, false},
    {"start", false, false, "u", true, true, false, false},
    {"stop", false, false, "d", true, true, false, false},
    {"status", false, false, "", false, false, false, true},
    {"s", false, false, "", false, false, false, true},
    {"stat", false, false, "", false, false, false, true},
    {"sxx", false, false, "", false, false, false, true},
    {"stops", false, false, "", false, false, false, true},
    {"status", true, false, "", false, false, false, true},
    {"shutdown", true, false, "x", true, true, false, false},
    {"start", true, false, "u", true, true, false, false},
    {"stop", true, false, "d", true, true, false, false},
    {"s", true, true, "", false, false, false, false},
    {"stat", true, true, "", false, false, false, false},
    {"sxx", true, true, "", false, false, false, false},
    // r
    {"restart", false, false, "tcu", true, true, false, false},
    {"reload", false, false, "h", true, true, false, false},
    {"restart", true, false, "tcu", true, true, false, false},
    {"rxx", false, true, "", false, false, false, false},
    {"r", false, true, "", false, false, false, false},
    {"reloads", false, true, "", false, false, false, false},
    // f
    {"force-reload", false, false, "tc", true, true, true, false},
    {"force-restart", false, false, "tcu", true, true, true, false},
    {"force-shutdown", false, false, "x", true, true, true, false},
    {"force-stop", false, false, "d", true, true, true, false},
    {"force-stop", true, false, "d", true, true, true, false},
    {"fxx", false, true, "", false, false, false, false},
    {"f", false, true, "", false, false, false, false},
    {"force", false, true, "", false, false, false, false},
    // anything else
    {"bogus", false, true, "", false, false, false, false},
    {"", false, true, "", false, false, false, false},
    {"Up", false, true, "", false, false, false, false},
    {"-", false, true, "", false, false, false, false},
    {"3", false, true, "", false, false, false, false},
    {"bogus", true, true, "", false, false, false, false},
};

}  // namespace

TEST_CASE("parse_command follows every row of sv's command table", "[sv-command]") {
  for (const auto& row : command_rows) {
    INFO("word \"" << row.word << "\"" << (row.lsb ? " (LSB mode)" : ""));
    auto c = sv::parse_command(row.word, row.lsb);
    if (row.usage) {
      CHECK_FALSE(c.has_value());
      continue;
    }
    REQUIRE(c.has_value());
    CHECK(c->status == row.status);
    if (row.status) {
      CHECK_FALSE(c->send);
      CHECK_FALSE(c->wait);
      continue;
    }
    CHECK(c->acts == row.acts);
    CHECK(c->send == row.send);
    CHECK(c->wait == row.wait);
    CHECK(c->kill_on_timeout == row.kill);
  }
}

TEST_CASE("parse_seconds takes the leading decimal digits and ignores the rest", "[sv-options]") {
  CHECK(sv::parse_seconds("7") == 7);
  CHECK(sv::parse_seconds("0") == 0);
  CHECK(sv::parse_seconds("") == 0);
  CHECK(sv::parse_seconds("x") == 0);
  CHECK(sv::parse_seconds("-3") == 0);
  CHECK(sv::parse_seconds(" 3") == 0);
  CHECK(sv::parse_seconds("12abc") == 12);
  CHECK(sv::parse_seconds("1.9") == 1);
  CHECK(sv::parse_seconds("0042") == 42);
  CHECK(sv::parse_seconds("600s") == 600);
}

namespace {

struct parsed {
  std::optional<sv::options> opt;
  std::string err;
};

parsed parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  unit::stderr_capture cap;
  parsed p;
  p.opt = sv::parse_options(static_cast<int>(args.size()), argv.data(), "/service/");
  p.err = cap.stop();
  return p;
}

// Sets or unsets an environment variable for the scope.
class env_guard {
 public:
  env_guard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~env_guard() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const std::string usage = "usage: sv [-v] [-w sec] command service ...\n\n";

}  // namespace

TEST_CASE("parse_options: -v, -w, SVWAIT, SVDIR, clusters and --", "[sv-options]") {
  env_guard svdir("SVDIR", nullptr);
  env_guard svwait("SVWAIT", nullptr);
  {
    auto p = parse({"sv", "status", "a", "b"});
    REQUIRE(p.opt);
    CHECK(p.opt->progname == "sv");
    CHECK_FALSE(p.opt->lsb);
    CHECK_FALSE(p.opt->verbose);
    CHECK(p.opt->timeout == 7);
    CHECK(p.opt->svdir == "/service/");
    CHECK(p.opt->command == "status");
    CHECK(p.opt->services == std::vector<std::string>{"a", "b"});
  }
  {
    auto p = parse({"/usr/bin/sv", "-v", "up", "a"});
    REQUIRE(p.opt);
    CHECK(p.opt->progname == "sv");
    CHECK(p.opt->verbose);
    CHECK(p.opt->timeout == 7);
  }
  {
    auto p = parse({"sv", "-w", "3", "up", "a"});
    REQUIRE(p.opt);
    CHECK(p.opt->verbose);
    CHECK(p.opt->timeout == 3);
  }
  {
    auto p = parse({"sv", "-vw12x", "--", "up", "-a"});
    REQUIRE(p.opt);
    CHECK(p.opt->verbose);
    CHECK(p.opt->timeout == 12);
    CHECK(p.opt->command == "up");
    CHECK(p.opt->services == std::vector<std::string>{"-a"});
  }
  {
    // runit's subgetopt: any word starting with "--" ends the options and is skipped.
    auto p = parse({"sv", "-v", "--w", "status", "a"});
    REQUIRE(p.opt);
    CHECK(p.opt->verbose);
    CHECK(p.opt->command == "status");
    CHECK(p.opt->services == std::vector<std::string>{"a"});
    auto q = parse({"sv", "--verbose", "-v", "a"});
    REQUIRE(q.opt);
    CHECK_FALSE(q.opt->verbose);
    CHECK(q.opt->command == "-v");
  }
  {
    // runit's scan_ulong wraps modulo 2^64; a lone "-" is the command.
    auto p = parse({"sv", "-w", "18446744073709551617", "-", "a"});
    REQUIRE(p.opt);
    CHECK(p.opt->timeout == 1);
    CHECK(p.opt->command == "-");
  }
  {
    env_guard w("SVWAIT", "2");
    env_guard d("SVDIR", "/x/y");
    auto p = parse({"sv", "down", "a"});
    REQUIRE(p.opt);
    CHECK(p.opt->timeout == 2);
    CHECK_FALSE(p.opt->verbose);  // SVWAIT sets the timeout, not -v
    CHECK(p.opt->svdir == "/x/y");
    auto q = parse({"sv", "-w5", "down", "a"});
    REQUIRE(q.opt);
    CHECK(q.opt->timeout == 5);  // -w overrides SVWAIT
  }
}

TEST_CASE("parse_options: LSB mode takes progname as the one service and ignores extra arguments", "[sv-options]") {
  auto p = parse({"/etc/init.d/foo", "-w", "4", "start", "bar", "baz"});
  REQUIRE(p.opt);
  CHECK(p.opt->lsb);
  CHECK(p.opt->progname == "foo");
  CHECK(p.opt->timeout == 4);
  CHECK(p.opt->command == "start");
  CHECK(p.opt->services == std::vector<std::string>{"foo"});
  auto q = parse({"sv.static", "status"});
  REQUIRE(q.opt);
  CHECK(q.opt->lsb);
  CHECK(q.opt->services == std::vector<std::string>{"sv.static"});
}

TEST_CASE("parse_options: usage errors print runit's messages", "[sv-options]") {
  struct row {
    std::vector<std::string> argv;
    std::string err;
  };
  const std::vector<row> rows = {
      {{"sv"}, usage},
      {{"sv", "status"}, usage},
      {{"sv", "-v"}, usage},
      {{"sv", "-w"}, "sv: option requires an argument -- w\n" + usage},
      {{"sv", "-x", "status", "a"}, "sv: illegal option -- x\n" + usage},
      {{"sv", "-vq", "status", "a"}, "sv: illegal option -- q\n" + usage},
      // Each compared with Debian's sv.
      {{"sv", "-x"}, "sv: illegal option -- x\n" + usage},
      {{"sv", "-vx"}, "sv: illegal option -- x\n" + usage},
      {{"sv", "-vw"}, "sv: option requires an argument -- w\n" + usage},
      {{"sv", "--"}, usage},
      {{"sv", "--w"}, usage},
      {{"sv", "-"}, usage},
      {{"/etc/init.d/foo"}, "usage: foo [-w sec] command\n\n"},
      {{"/etc/init.d/foo", "-x"}, "foo: illegal option -- x\nusage: foo [-w sec] command\n\n"},
  };
  for (const auto& r : rows) {
    std::string joined;
    for (auto& a : r.argv) joined += a + " ";
    INFO("argv: " << joined);
    auto p = parse(r.argv);
    CHECK_FALSE(p.opt);
    CHECK(p.err == r.err);
  }
  auto v = parse({"sv", "-V"});
  CHECK_FALSE(v.opt);
  REQUIRE(v.err.size() > usage.size());
  CHECK(v.err.substr(v.err.size() - usage.size()) == usage);
  CHECK(v.err.rfind("$Id: ", 0) == 0);
  CHECK(v.err.substr(0, v.err.find('\n')).size() == std::string("$Id: ").size() + 40 + 2);
}

namespace {

constexpr std::int64_t now = 1795734200;

supervise::status make(state st, pid_t pid, std::int64_t age, want w = want::up, bool paused = false,
                       bool term = false) {
  supervise::status s;
  s.time = supervise::tai64n::from_unix(now - age, 500);
  s.pid = pid;
  s.state = st;
  s.wants = w;
  s.paused = paused;
  s.got_term = term;
  return s;
}

struct line_row {
  const char* label;
  supervise::status s;
  bool down_file;
  const char* expected;
};

}  // namespace

TEST_CASE("status_line renders every example of spec/sv.md §6.3", "[sv-status-line]") {
  const std::vector<line_row> rows = {
      {"svc1", make(state::run, 11630, 1), false, "run: svc1: (pid 11630) 1s"},
      {"svc1", make(state::down, 0, 0, want::down), false, "down: svc1: 0s, normally up"},
      {"svc3", make(state::down, 0, 1, want::down), true, "down: svc3: 1s"},
      {"svc1", make(state::run, 12695, 1, want::up, true), false, "run: svc1: (pid 12695) 1s, paused"},
      {"svc1", make(state::run, 12695, 2, want::down), false, "run: svc1: (pid 12695) 2s, want down"},
      {"svc2", make(state::run, 13728, 1, want::down, false, true), false,
       "run: svc2: (pid 13728) 1s, want down, got TERM"},
      {"svc3", make(state::run, 14053, 2), true, "run: svc3: (pid 14053) 2s, normally down"},
      {"svc3", make(state::finish, 14286, 2, want::down), true,
       "finish: svc3: (pid 14286) 2s, normally down, want down"},
      {"svc5", make(state::down, 0, 1), false, "down: svc5: 1s, normally up, want up"},
      // The two halves of "run: svc4: (pid 14548) 1s; run: log: (pid 14547) 1s".
      {"svc4", make(state::run, 14548, 1), false, "run: svc4: (pid 14548) 1s"},
      {"log", make(state::run, 14547, 1), false, "run: log: (pid 14547) 1s"},
      {"log", make(state::down, 0, 1, want::down), false, "down: log: 1s, normally up"},
      // §7 and test vectors.
      {"svc1", make(state::run, 21974, 0), false, "run: svc1: (pid 21974) 0s"},
      {"svc2", make(state::run, 13728, 17, want::down, false, true), false,
       "run: svc2: (pid 13728) 17s, want down, got TERM"},
      {"/service/svc1", make(state::run, 12695, 13, want::down), false,
       "run: /service/svc1: (pid 12695) 13s, want down"},
      {"svc3", make(state::run, 22824, 1, want::down), true, "run: svc3: (pid 22824) 1s, normally down, want down"},
      // want exit is written and shown as want down.
      {"svc", make(state::run, 19055, 3, want::exit), false, "run: svc: (pid 19055) 3s, want down"},
      // Every flag at once, in the spec's order.
      {"all", make(state::run, 5, 9, want::down, true, true), true,
       "run: all: (pid 5) 9s, normally down, paused, want down, got TERM"},
      // Down: the pid-only flags are not shown.
      {"d", make(state::down, 0, 4, want::down, true, true), true, "down: d: 4s"},
      // A timestamp in the future shows 0s.
      {"future", make(state::run, 7, -30), false, "run: future: (pid 7) 0s"},
      // Large ages.
      {"old", make(state::down, 0, 86400 * 400), true, "down: old: 34560000s, want up"},
  };
  for (const auto& r : rows) {
    INFO("expected: " << r.expected);
    CHECK(sv::status_line(r.s, r.label, r.down_file, now) == r.expected);
  }
}

TEST_CASE("status_line: a status decoded from runsv's bytes renders as Debian's sv prints it", "[sv-status-line]") {
  // spec/test-vectors.md §2.7: "run, got TERM, want down", pid 13728.
  auto bytes = unit::from_hex("4000 0000 6b08 baaf 1626 8e1c a035 0000 0064 0101");
  auto s = supervise::decode(std::span<const std::byte>(bytes.data(), bytes.size()));
  REQUIRE(s);
  CHECK(sv::status_line(*s, "svc2", false, 1795734181 + 17) == "run: svc2: (pid 13728) 17s, want down, got TERM");
}

TEST_CASE("status_line: a want byte that is neither u nor d shows neither want up nor want down", "[sv-status-line]") {
  // As Debian's sv prints these bytes (the interop test compares with /usr/bin/sv).
  const auto running = unit::from_hex("4000 0000 6b08 baaf 1626 8e1c a035 0000 0064 0101");
  const auto down = unit::from_hex("4000 0000 6b08 baaf 1626 8e1c 0000 0000 0075 0000");
  for (int b : {int{'x'}, 0, int{'U'}, int{'D'}, 0xff}) {
    INFO("want byte " << b);
    auto r = running;
    auto d = down;
    r[17] = d[17] = std::byte(b);
    auto s = supervise::decode(std::span<const std::byte>(r.data(), r.size()));
    REQUIRE(s);
    CHECK(sv::status_line(*s, "svc2", false, 1795734181 + 17) == "run: svc2: (pid 13728) 17s, got TERM");
    s = supervise::decode(std::span<const std::byte>(d.data(), d.size()));
    REQUIRE(s);
    CHECK(sv::status_line(*s, "svc2", false, 1795734181 + 17) == "down: svc2: 17s, normally up");
  }
}

TEST_CASE("status_line: a state byte above 2 has no name and no colon before the label, and shows the pid",
          "[sv-status-line]") {
  // Debian's sv on these bytes: "svc2: (pid 13728) 17s, got TERM".
  auto bytes = unit::from_hex("4000 0000 6b08 baaf 1626 8e1c a035 0000 0075 0103");
  auto s = supervise::decode(std::span<const std::byte>(bytes.data(), bytes.size()));
  REQUIRE(s);
  CHECK(sv::status_line(*s, "svc2", false, 1795734181 + 17) == "svc2: (pid 13728) 17s, got TERM");
  bytes[19] = std::byte{0xff};
  s = supervise::decode(std::span<const std::byte>(bytes.data(), bytes.size()));
  REQUIRE(s);
  CHECK(sv::status_line(*s, "svc2", false, 1795734181 + 17) == "svc2: (pid 13728) 17s, got TERM");
}
