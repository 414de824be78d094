// svlogd end to end on real directories: command line, directory errors,
// files and modes, timestamps, long lines, replacement, hostile input
// (spec/svlogd.md §1, §2, §3, §6, §16.1-§16.4, §16.7).

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

constexpr std::string_view usage_tail = " [-ttv] [-r c] [-R abc] [-l len] [-b buflen] dir ...\n\n";

}  // namespace

TEST_CASE("svlogd: usage and option errors (§16.1)", "[svlogd][cli]") {
  log_fixture f;
  auto r = run(ours(), {}, f.root.path(), "");
  CHECK(r.code == 111);
  CHECK(r.err == "usage: " + ours() + std::string(usage_tail));
  r = run(ours(), {"-x"}, f.root.path(), "");
  CHECK(r.code == 111);
  CHECK(r.err == "svlogd: illegal option -- x\nusage: " + ours() + std::string(usage_tail));
  r = run(ours(), {"-r"}, f.root.path(), "");
  CHECK(r.err == "svlogd: option requires an argument -- r\nusage: " + ours() + std::string(usage_tail));
  r = run(ours(), {"-V"}, f.root.path(), "");
  CHECK(r.code == 111);
  CHECK(r.err.rfind("$Id: ", 0) == 0);
  CHECK(r.err.find(" $\nusage: ") != std::string::npos);
  struct row {
    std::vector<std::string> args;
    int code;
  };
  const row rows[] = {
      {{"-r", "ab", "log"}, 111},     {{"-r", "", "log"}, 111},         {{"-l", "5000", "log"}, 111},
      {{"-l", "0", "-b", "1000", "log"}, 111}, {{"-b", "0", "-l", "1024", "log"}, 111},
      {{"-l", "999", "-b", "1000", "log"}, 0}, {{"-l", "abc", "-b", "1001", "log"}, 0},
      {{"-ttttt", "-b", "1025", "-l", "1024", "log"}, 0}, {{"-l20", "-b64", "-tv", "log"}, 0},
      {{"--", "log"}, 0},
  };
  for (const auto& row : rows) {
    INFO("args: " << Catch::Detail::stringify(row.args));
    auto rr = run(ours(), row.args, f.root.path(), "x\n");
    CHECK(rr.code == row.code);
    if (row.code == 111) CHECK(rr.err == "usage: " + ours() + std::string(usage_tail));
  }
}

TEST_CASE("svlogd: options end at the first non-option, a lone - is a directory", "[svlogd][cli]") {
  log_fixture f;
  auto r = run(ours(), {"log", "-t"}, f.root.path(), "a\n");
  CHECK(r.code == 0);
  CHECK(r.err == "svlogd: warning: unable to open log directory: -t: file does not exist\n");
  CHECK(f.text("current") == "a\n");
  r = run(ours(), {"-", "log"}, f.root.path(), "b\n");
  CHECK(r.err == "svlogd: warning: unable to open log directory: -: file does not exist\n");
  CHECK(f.text("current") == "a\nb\n");
}

TEST_CASE("svlogd: directory errors (§16.2)", "[svlogd][dirs]") {
  log_fixture f;
  auto r = run(ours(), {"nd"}, f.root.path(), "x\n");
  CHECK(r.code == 111);
  CHECK(r.err ==
        "svlogd: warning: unable to open log directory: nd: file does not exist\n"
        "svlogd: fatal: no functional log directories.\n");
  r = run(ours(), {"nd", "log"}, f.root.path(), "x\n");
  CHECK(r.code == 0);
  CHECK(r.err == "svlogd: warning: unable to open log directory: nd: file does not exist\n");
  write_file(f.root / "nf", "");
  r = run(ours(), {"nf"}, f.root.path(), "x\n");
  CHECK(r.code == 111);
  CHECK(r.err ==
        "svlogd: warning: unable to change directory: nf: not a directory\n"
        "svlogd: fatal: no functional log directories.\n");
  // The same directory twice: flock conflicts inside one process.
  r = run(ours(), {"log", "log"}, f.root.path(), "y\n");
  CHECK(r.code == 0);
  CHECK(r.err == "svlogd: warning: unable to lock directory: log: temporary failure\n");
  CHECK(f.text("current") == "x\ny\n");
}

TEST_CASE("svlogd: a locked directory is refused", "[svlogd][dirs]") {
  log_fixture f;
  svlogd_process first(ours(), {"log"}, f.root.path(), f.root / "err1");
  first.write("one\n");
  wait_until([&] { return f.text("current") == "one\n"; }, "the first svlogd to log");
  auto r = run(ours(), {"log"}, f.root.path(), "two\n");
  CHECK(r.code == 111);
  CHECK(r.err ==
        "svlogd: warning: unable to lock directory: log: temporary failure\n"
        "svlogd: fatal: no functional log directories.\n");
  first.close_input();
  REQUIRE(first.wait_exit());
  CHECK(f.text("current") == "one\n");
}

TEST_CASE("svlogd: standard input a directory", "[svlogd][dirs]") {
  log_fixture f;
  auto res = test::run({"/bin/sh", "-c", "exec \"$0\" log < log", ours()}, in_dir(f.root.path()));
  CHECK(res.status.exit_code() == 0);
  CHECK(res.err == "svlogd: warning: unable to read standard input: is a directory\n");
}

TEST_CASE("svlogd: files and modes, the last unterminated line is dropped (§16.3)", "[svlogd][files]") {
  log_fixture f;
  auto r = run(ours(), {"log"}, f.root.path(), "foo\n");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  auto s = snapshot(f.log);
  REQUIRE(s.size() == 2);
  CHECK(s["current"].content == "foo\n");
  CHECK(s["current"].mode == 0744);
  CHECK(s["lock"].content.empty());
  CHECK(s["lock"].mode == 0600);
  run(ours(), {"log"}, f.root.path(), "a\nb");
  CHECK(f.text("current") == "foo\na\n");
}

TEST_CASE("svlogd: current is 0644 while written, 0744 after a clean close", "[svlogd][files]") {
  log_fixture f;
  svlogd_process p(ours(), {"-v", "log"}, f.root.path(), f.root / "err");
  p.write("x\n");
  wait_until([&] { return f.text("current") == "x\n"; }, "the line");
  CHECK(snapshot(f.log)["current"].mode == 0644);
  p.close_input();
  REQUIRE(p.wait_exit());
  CHECK(snapshot(f.log)["current"].mode == 0744);
  CHECK(p.err() == "svlogd: info: new: log/current\nsvlogd: info: close: log\n");
}

TEST_CASE("svlogd: timestamps (§16.4)", "[svlogd][stamps]") {
  log_fixture f;
  run(ours(), {"-t", "log"}, f.root.path(), "one\n\n");
  run(ours(), {"-tt", "log"}, f.root.path(), "two\n");
  run(ours(), {"-ttt", "log"}, f.root.path(), "three\n");
  run(ours(), {"-tttt", "log"}, f.root.path(), "four\n");
  auto lines = read_lines(f.at("current"));
  REQUIRE(lines.size() == 5);
  CHECK(mask(lines[0]) == "@TAI one");
  CHECK(mask(lines[1]) == "@TAI ");
  CHECK(mask(lines[2]) == "STAMP two");
  CHECK(lines[2][10] == '_');
  CHECK(mask(lines[3]) == "STAMP three");
  CHECK(lines[3][10] == 'T');
  CHECK(lines[4][10] == 'T');
  // The label is now (2^62 + 10 + unix seconds), nanoseconds usec*1000+500.
  auto secs = std::stoull(lines[0].substr(1, 16), nullptr, 16) - 0x400000000000000AULL;
  CHECK(std::llabs(static_cast<long long>(secs) - static_cast<long long>(::time(nullptr))) < 60);
  CHECK(std::stoul(lines[0].substr(17, 8), nullptr, 16) % 1000 == 500);
}

TEST_CASE("svlogd: long lines, replacement and the stderr copy (§16.7)", "[svlogd][lines]") {
  log_fixture f;
  write_file(f.at("config"), "e*\n");
  auto r = run(ours(), {"-r", "#", "-R", "b", "-l", "6", "-b", "7", "log"}, f.root.path(),
               "abcdefghij\x01klm\x01n\nabcd\nabcdef\nab\tc\xc3\xa9" "d\x7f\n");
  CHECK(r.code == 0);
  CHECK(f.text("current") == "a#cdefghij\x01klm\x01n\na#cd\na#cdef\na##c##d\x7f\n");
  CHECK(r.err == "a#cdef...\na#cd\na#cdef...\na##c##...\n");
}

TEST_CASE("svlogd: -R without -r uses '_', a later -r wins in any order (§6.3)", "[svlogd][lines]") {
  log_fixture f;
  run(ours(), {"-R", "ab", "log"}, f.root.path(), "abc\tdef\n");
  run(ours(), {"-R", "ab", "-r", ".", "log"}, f.root.path(), "abc\tdef\n");
  run(ours(), {"-r", ".", "-R", "ab", "log"}, f.root.path(), "abc\tdef\n");
  run(ours(), {"-r", ".", "log"}, f.root.path(), "abc\tdef\n");
  run(ours(), {"log"}, f.root.path(), "abc\tdef\n");
  CHECK(f.text("current") == "__c_def\n..c.def\n..c.def\nabc.def\nabc\tdef\n");
}

TEST_CASE("svlogd: hostile input: NUL bytes, a 10 MB line, no final newline", "[svlogd][lines]") {
  log_fixture f;
  write_file(f.at("config"), "s0\n");
  std::string nul("a\0b\0\n\0\n", 7);
  std::string big(10 * 1024 * 1024, 'x');
  big[5] = '\0';
  std::string input = nul + big + "\n" + "tail\n" + "unterminated";
  auto r = run(ours(), {"log"}, f.root.path(), input, 20s);
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  std::string got = f.text("current");
  CHECK(got.size() == nul.size() + big.size() + 1 + 5);
  CHECK(got == nul + big + "\ntail\n");
  // With replacement only the first len bytes are replaced; stderr gets the head.
  log_fixture g;
  write_file(g.at("config"), "s0\ne*\n");
  r = run(ours(), {"-r", "_", "log"}, g.root.path(), std::string("\0\0\n", 3) + big + "\n", 20s);
  CHECK(r.code == 0);
  std::string head = big.substr(0, 1000);
  head[5] = '_';
  CHECK(r.err == "__\n" + head + "...\n");
  CHECK(g.text("current") == "__\n" + head + big.substr(1000) + "\n");
}
