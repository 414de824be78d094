// Rotation, pruning, the processor, unclean current, signals and timers
// (spec/svlogd.md §7-§9, §11, §16.5-§16.9, §16.11, §16.13, §16.14).

#include <catch2/catch.hpp>

#include <csignal>
#include <unistd.h>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

// 22-byte lines: "line NN................\n".
std::string lines22(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    std::string l = "line " + std::to_string(i);
    l.resize(21, '.');
    s += l + "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("svlogd: s100 n3 rotation and pruning with -v (§16.5)", "[svlogd][rotate]") {
  log_fixture f;
  write_file(f.at("config"), "s100\nn3\n");
  auto r = run(ours(), {"-v", "-l", "20", "-b", "64", "log"}, f.root.path(), lines22(20));
  CHECK(r.code == 0);
  CHECK(mask(r.err) ==
        "svlogd: info: read: log/config\n"
        "svlogd: info: new: log/current\n"
        "svlogd: info: rename: log/current @TAI.s 88\n"
        "svlogd: info: rename: log/current @TAI.s 88\n"
        "svlogd: info: rename: log/current @TAI.s 88\n"
        "svlogd: info: rename: log/current @TAI.s 88\n"
        "svlogd: info: delete: log/@TAI.s\n"
        "svlogd: info: rename: log/current @TAI.s 88\n"
        "svlogd: info: delete: log/@TAI.s\n"
        "svlogd: info: close: log\n");
  auto s = masked_snapshot(f.log);
  INFO(describe(s));
  REQUIRE(s.size() == 6);
  for (const char* n : {"@TAI.s#1", "@TAI.s#2", "@TAI.s#3"}) {
    CHECK(s[n].mode == 0744);
    CHECK(s[n].content.size() == 88);
  }
  CHECK(s["current"].mode == 0744);
  CHECK(s["current"].content.empty());
  CHECK(concatenated_log(f.log) == lines22(20).substr(2 * 88));
}

TEST_CASE("svlogd: s10 splits lines at exactly s bytes (§16.6)", "[svlogd][rotate]") {
  log_fixture f;
  write_file(f.at("config"), "s10\nn0\n");
  run(ours(), {"log"}, f.root.path(), "aaaaaaaaaaaaaaaaaaaa1\nbbb\n");
  auto names = rotated(f.log);
  REQUIRE(names.size() == 2);
  CHECK(f.text(names[0]) == "aaaaaaaaaa");
  CHECK(f.text(names[1]) == "aaaaaaaaaa");
  CHECK(f.text("current") == "1\nbbb\n");
}

TEST_CASE("svlogd: an existing clean current is appended to and counts towards s", "[svlogd][rotate]") {
  log_fixture f;
  write_file(f.at("config"), "s100\n");
  write_file(f.at("current"), std::string(60, 'o') + "\n", 0744);
  auto r = run(ours(), {"-v", "-l", "20", "log"}, f.root.path(), lines22(1));
  CHECK(mask(r.err) ==
        "svlogd: info: read: log/config\nsvlogd: info: append: log/current\n"
        "svlogd: info: rename: log/current @TAI.s 83\nsvlogd: info: close: log\n");
}

TEST_CASE("svlogd: unclean current becomes .u, never processed (§16.9)", "[svlogd][rotate]") {
  log_fixture f;
  write_file(f.at("current"), "0123456789", 0644);
  auto r = run(ours(), {"-v", "log"}, f.root.path(), "new\n");
  CHECK(r.err == "svlogd: info: new: log/current\nsvlogd: info: close: log\n");
  auto s = masked_snapshot(f.log);
  INFO(describe(s));
  CHECK(s["@TAI.u#1"].mode == 0644);
  CHECK(s["@TAI.u#1"].content == "0123456789");
  CHECK(s["current"].content == "new\n");
  CHECK(s["current"].mode == 0744);
  // Empty with mode 0600: reused. Non-empty with owner-x only: appended to.
  log_fixture g;
  write_file(g.at("current"), "", 0600);
  r = run(ours(), {"-v", "log"}, g.root.path(), "a\n");
  CHECK(r.err == "svlogd: info: append: log/current\nsvlogd: info: close: log\n");
  log_fixture h;
  write_file(h.at("current"), "old\n", 0100);
  r = run(ours(), {"-v", "log"}, h.root.path(), "a\n");
  CHECK(r.err == "svlogd: info: append: log/current\nsvlogd: info: close: log\n");
  CHECK(h.text("current") == "old\na\n");
}

TEST_CASE("svlogd: pruning keeps the .u waiting for its processor (2.3.0)", "[svlogd][rotate]") {
  log_fixture f;
  // n1 and a future-dated .s: after the rotation the new .u is the oldest
  // name but must not be deleted; the .s goes instead.
  write_file(f.at("config"), "n1\n!cat\n");
  write_file(f.at("@4fffffffffffffff00000000.s"), "future\n", 0744);
  write_file(f.at("@4000000000000000000000000.t"), "", 0644);
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err");
  p.write("one\n");
  wait_until([&] { return f.text("current") == "one\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return f.text("current").empty(); }, "the rotation");
  p.close_input();
  REQUIRE(p.wait_exit());
  auto s = masked_snapshot(f.log);
  INFO(describe(s) << p.err());
  CHECK(s.count("@TAI.s#1") == 1);
  CHECK(s["@TAI.s#1"].content == "one\n");
  CHECK(s.count("@TAI.s#2") == 0);
  CHECK(s.count("@TAI.u#1") == 0);
  CHECK(count(p.err(), "svlogd: info: delete: log/@4fffffffffffffff00000000.s\n") == 1);
}

TEST_CASE("svlogd: pruning deletes at most one file per rotation, .u files count", "[svlogd][rotate]") {
  log_fixture f;
  write_file(f.at("config"), "n2\n");
  write_file(f.at("@400000000000000100000000.s"), "a", 0744);
  write_file(f.at("@400000000000000200000000.u"), "b", 0744);
  write_file(f.at("@400000000000000300000000.x"), "c", 0744);
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err");
  p.write("one\n");
  wait_until([&] { return f.text("current") == "one\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return !exists(f.at("@400000000000000100000000.s")); }, "one deletion");
  CHECK(rotated(f.log).size() == 3);
  CHECK(rotated(f.log)[0] == "@400000000000000200000000.u");
  p.write("two\n");
  wait_until([&] { return f.text("current") == "two\n"; }, "the second line");
  p.signal(SIGALRM);
  wait_until([&] { return rotated(f.log).size() == 3 && rotated(f.log)[0] == "@400000000000000300000000.x"; },
             "the .u deleted next");
  p.close_input();
  REQUIRE(p.wait_exit());
}

TEST_CASE("svlogd: processor on ALRM (§16.8)", "[svlogd][processor]") {
  log_fixture f;
  write_file(f.at("config"), "!tr a-z A-Z\n");
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err");
  p.write("hello\n");
  wait_until([&] { return f.text("current") == "hello\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return count(p.err(), "processed:") == 1; }, "the processor", default_timeout,
             [&] { return p.err(); });
  p.close_input();
  REQUIRE(p.wait_exit());
  CHECK(mask(p.err()) ==
        "svlogd: info: read: log/config\n"
        "svlogd: info: new: log/current\n"
        "svlogd: info: sigalarm received.\n"
        "svlogd: info: rename: log/current @TAI.u 6\n"
        "svlogd: info: processing: log/@TAI.u\n"
        "svlogd: info: sigchild received.\n"
        "svlogd: info: processed: log/@TAI.s\n"
        "svlogd: info: close: log\n");
  auto s = masked_snapshot(f.log);
  INFO(describe(s));
  REQUIRE(s.size() == 5);
  CHECK(s["@TAI.s#1"].content == "HELLO\n");
  CHECK(s["@TAI.s#1"].mode == 0744);
  CHECK(s["current"].mode == 0744);
  CHECK(s["current"].content.empty());
  CHECK(s["state"].mode == 0644);
}

TEST_CASE("svlogd: a failing processor is restarted, state and newstate (§16.8)", "[svlogd][processor]") {
  log_fixture f;
  // Fails on its first run (no marker yet), succeeds on the second.
  write_file(f.at("config"),
             "!if [ -e ../marker ]; then echo \"state-was:$(cat <&4)\" >&5; cat; else : > ../marker; exit 3; fi\n");
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err");
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return count(p.err(), "processed:") == 1; }, "the processor", default_timeout,
             [&] { return p.err(); });
  p.close_input();
  REQUIRE(p.wait_exit());
  std::string err = mask(p.err());
  CHECK(err.find("svlogd: info: rename: log/current @TAI.u 2\n"
                 "svlogd: info: processing: log/@TAI.u\n"
                 "svlogd: info: sigchild received.\n"
                 "svlogd: warning: processor failed, restart: log\n"
                 "svlogd: info: processing: log/@TAI.u\n"
                 "svlogd: info: sigchild received.\n"
                 "svlogd: info: processed: log/@TAI.s\n") != std::string::npos);
  auto s = masked_snapshot(f.log);
  INFO(describe(s) << err);
  CHECK(s["@TAI.s#1"].content == "x\n");
  CHECK(s["state"].content == "state-was:\n");
  CHECK(s.count("newstate") == 0);
  CHECK(s.count("@TAI.u#1") == 0);
  CHECK(s.count("@TAI.t#1") == 0);
}

TEST_CASE("svlogd: a processor killed by a signal counts as success", "[svlogd][processor]") {
  log_fixture f;
  write_file(f.at("config"), "!echo killed-output; kill -9 $$\n");
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err");
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  p.signal(SIGALRM);
  wait_until([&] { return f.text("current").empty(); }, "the rotation");
  p.close_input();  // at EOF svlogd waits for the processor
  REQUIRE(p.wait_exit());
  auto s = masked_snapshot(f.log);
  INFO(describe(s) << p.err());
  CHECK(s["@TAI.s#1"].content == "killed-output\n");
  CHECK(p.err().empty());
}

TEST_CASE("svlogd: TERM mid-line waits for the newline and drops that line (§16.13)", "[svlogd][signals]") {
  log_fixture f;
  make_dir(f.root / "r5");
  svlogd_process p(ours(), {"-v", "r5"}, f.root.path(), f.root / "err");
  p.write("first\n");
  wait_until([&] { return read_file(f.root / "r5/current") == "first\n"; }, "the first line");
  p.signal(SIGALRM);
  wait_until([&] { return rotated(f.root / "r5").size() == 1; }, "the rotation");
  p.signal(SIGALRM);
  wait_until([&] { return count(p.err(), "sigalarm") == 2; }, "the second ALRM");
  p.write("partial");
  // svlogd has read "partial" once the pipe is empty; only then send TERM.
  wait_until([&] { return p.idle(); }, "svlogd to read the partial line");
  p.signal(SIGTERM);
  wait_until([&] { return count(p.err(), "sigterm") == 1; }, "the TERM");
  CHECK(p.running());
  p.write(" rest\nafter\n");
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(mask(p.err()) ==
        "svlogd: info: new: r5/current\n"
        "svlogd: info: sigalarm received.\n"
        "svlogd: info: rename: r5/current @TAI.s 6\n"
        "svlogd: info: sigalarm received.\n"
        "svlogd: info: sigterm received.\n"
        "svlogd: info: close: r5\n");
  CHECK(read_file(f.root / "r5/current") == "");
}

TEST_CASE("svlogd: TERM between lines exits at once with everything logged", "[svlogd][signals]") {
  log_fixture f;
  svlogd_process p(ours(), {"log"}, f.root.path(), f.root / "err");
  p.write(numbered_lines(1, 1000));
  wait_until([&] { return f.text("current").size() == numbered_lines(1, 1000).size(); }, "the lines");
  p.signal(SIGTERM);
  auto st = p.wait_exit();
  REQUIRE(st);
  CHECK(st->exit_code() == 0);
  CHECK(check_numbered(f.text("current"), 1, 1000) == "");
}

TEST_CASE("svlogd: t2 rotates at a fixed rhythm from the config load (§16.14)", "[svlogd][signals]") {
  log_fixture f;
  write_file(f.at("config"), "t2\n");
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err");
  auto start = std::chrono::steady_clock::now();
  p.write("a\n");
  wait_until([&] { return rotated(f.log).size() == 1; }, "the first timed rotation", 5s);
  auto first = std::chrono::steady_clock::now() - start;
  p.write("bc\n");
  wait_until([&] { return rotated(f.log).size() == 2; }, "the second timed rotation", 5s);
  auto second = std::chrono::steady_clock::now() - start;
  // Lower bounds only (a loaded machine only makes things later): the first
  // rotation comes t after the config load, the second 2t after it, not t
  // after the first line or the first rotation.
  CHECK(first >= 1900ms);
  CHECK(second >= 3900ms);
  auto names = rotated(f.log);
  CHECK(f.text(names[0]) == "a\n");
  CHECK(f.text(names[1]) == "bc\n");
  CHECK(count(mask(p.err()), "rename: log/current @TAI.s 2\n") == 1);
  CHECK(count(mask(p.err()), "rename: log/current @TAI.s 3\n") == 1);
}
