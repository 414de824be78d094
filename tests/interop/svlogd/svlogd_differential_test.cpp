// The same input through Debian's svlogd and ours: the same files, modes,
// contents and messages once timestamps are masked (spec/svlogd.md §16).
// Pruning of .u files is left out: there we follow 2.3.0, not Debian (§15).

#include <catch2/catch.hpp>

#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

struct outcome {
  int code;
  std::string err;
  std::map<std::string, file_info> files;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// Runs `binary` on a fresh "log" directory holding `files` (name, content,
// mode), with `input`; `closed_fd` is closed when svlogd starts.
outcome run_one(const std::string& binary, const std::vector<std::string>& args,
                const std::vector<std::tuple<std::string, std::string, mode_t>>& files, std::string_view input,
                int closed_fd = -1) {
  temp_dir root("svlogd-diff");
  make_dir(root / "log");
  for (const auto& [name, content, mode] : files) write_file(root / ("log/" + name), content, mode);
  auto r = run(binary, args, root.path(), input, 20s, closed_fd);
  return {r.code, mask(replace_all(r.err, binary, "svlogd")), masked_snapshot(root / "log")};
}

void compare(const std::vector<std::string>& args, const std::vector<std::tuple<std::string, std::string, mode_t>>& files,
             std::string_view input) {
  auto theirs = run_one(debian(), args, files, input);
  auto mine = run_one(ours(), args, files, input);
  INFO("args " << Catch::Detail::stringify(args));
  INFO("debian:\n" << describe(theirs.files) << "ours:\n" << describe(mine.files));
  CHECK(mine.code == theirs.code);
  CHECK(mine.err == theirs.err);
  CHECK(mine.files.size() == theirs.files.size());
  for (const auto& [name, info] : theirs.files) {
    INFO("file " << name);
    REQUIRE(mine.files.count(name) == 1);
    CHECK(mine.files[name].mode == info.mode);
    CHECK(mine.files[name].content == info.content);
  }
}

std::string lines(int n, int width) {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    std::string l = "line " + std::to_string(i) + " ";
    l.resize(static_cast<std::size_t>(width - 1), static_cast<char>('a' + i % 26));
    s += l + "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("svlogd differential: usage and option errors (§16.1)", "[svlogd][interop]") {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"-x"},
      {"-r"},
      {"-b"},
      {"-r", "ab", "log"},
      {"-r", "", "log"},
      {"-l", "5000", "log"},
      {"-l", "0", "-b", "1000", "log"},
      {"-b", "0", "-l", "1024", "log"},
      {"-l", "999", "-b", "1000", "log"},
      {"-l", "abc", "-b", "1001", "log"},
      {"-ttttt", "-b", "1025", "-l", "1024", "log"},
      {"log", "-t"},
      {"-", "log"},
      {"--", "log"},
      {"nd"},
      {"nd", "log"},
      {"log", "log"},
      // runit's sgetopt: any word starting with "--" ends the options.
      {"--x", "log"},
      {"-t", "--l", "log"},
      {"-t", "--"},
      {"-ttv", "log"},
      {"-tl", "20", "log"},
      {"-l20", "-b"},
      {"-v", "-x", "log"},
      {"-v", "-x"},
      {"-R"},
      {"-rab", "log"},
      // Sizes runit takes modulo 2^32 in its alloc(): they run.
      {"-b", "99999999999", "log"},
      {"-b", "99999999999999999999", "log"},
      {"-l", "99999999999", "-b", "99999999999999", "log"},
  };
  for (const auto& args : cases) compare(args, {}, "x\n");
}

TEST_CASE("svlogd differential: basic logging, modes, the last unterminated line", "[svlogd][interop]") {
  compare({"log"}, {}, "foo\n");
  compare({"log"}, {}, "a\nb");
  compare({"log"}, {}, "");
  compare({"log"}, {}, "\n\n\n");
  compare({"log"}, {{"current", "old\n", 0744}}, "new\n");
}

TEST_CASE("svlogd differential: timestamps and prefixes", "[svlogd][interop]") {
  for (const char* t : {"-t", "-tt", "-ttt", "-tttt"}) compare({t, "log"}, {{"config", "pP: \n", 0644}}, "one\n\ntwo\n");
}

TEST_CASE("svlogd differential: size rotation and pruning (§16.5, §16.6)", "[svlogd][interop]") {
  compare({"-v", "-l", "20", "-b", "64", "log"}, {{"config", "s100\nn3\n", 0644}}, lines(20, 22));
  compare({"log"}, {{"config", "s10\nn0\n", 0644}}, "aaaaaaaaaaaaaaaaaaaa1\nbbb\n");
  compare({"-v", "log"}, {{"config", "s2k\nn4\n", 0644}}, lines(300, 37));
  compare({"-v", "log"}, {{"config", "s 100\n", 0644}}, lines(50, 30));  // s0: never rotates
  compare({"-v", "-tt", "log"}, {{"config", "s1000\nn0\n", 0644}}, lines(200, 61));
  compare({"-v", "-l", "20", "log"}, {{"config", "s100\n", 0644}, {"current", std::string(60, 'o') + "\n", 0744}},
          lines(3, 22));
}

TEST_CASE("svlogd differential: long lines, replacement, stderr copies (§16.7)", "[svlogd][interop]") {
  compare({"-r", "#", "-R", "b", "-l", "6", "-b", "7", "log"}, {{"config", "e*\n", 0644}},
          "abcdefghij\x01klm\x01n\nabcd\nabcdef\nab\tc\xc3\xa9" "d\x7f\n");
  compare({"-R", "ab", "log"}, {}, "abc\tdef\n");
  compare({"-r:", "-R", "fb", "log"}, {}, "foo\nbar\nbaz\n");
  compare({"-l", "10", "-b", "20", "log"}, {{"config", "s0\ne*\n", 0644}},
          std::string("\0nul\0\n", 6) + std::string(100000, 'L') + "\nshort\n");
}

TEST_CASE("svlogd differential: patterns and the config file's quirks", "[svlogd][interop]") {
  compare({"log"}, {{"config", "-*\n+a*\n-ab*\n", 0644}}, "a\nab\nabc\nb\n");
  compare({"-tt", "log"}, {{"config", "pA: \n-*\n+a*\ne*x\nE*xx\n", 0644}}, "abc\nbcd\nax\naxx\nbx\n");
  compare({"log"}, {{"config", "e*pid*\ne*: *: pid *\n-+a\n", 0644}},
          "tcpsvd: info: pid 1977\npid x\naaa\nb\n");
  compare({"log"}, {{"config", "e*\nE", 0644}}, "kept on stderr\n");  // a last 1-byte line is ignored
  compare({"log"}, {{"config", "U127.0.0.1:0\nu1.2.3\nu127.0.0.1:x\n", 0644}}, "lost\n");
  compare({"-v", "log"}, {{"config", "# comment\nxjunk\n\nn5\r\n", 0644}}, "x\n");
}

TEST_CASE("svlogd differential: unclean current (§16.9)", "[svlogd][interop]") {
  compare({"-v", "log"}, {{"current", "0123456789", 0644}}, "new\n");
  compare({"-v", "log"}, {{"current", "", 0600}}, "a\n");
  compare({"-v", "log"}, {{"current", "old\n", 0100}}, "a\n");
}

TEST_CASE("svlogd differential: what a processor inherits (§9.2)", "[svlogd][interop]") {
  // s5: the second line rotates the first; ls lists the processor shell's
  // descriptors.
  const std::vector<std::tuple<std::string, std::string, mode_t>> files = {
      {"config", "s5\n!ls /proc/$$/fd\n", 0644}};
  compare({"log"}, files, "abcd\nx\n");
  auto mine = run_one(ours(), {"log"}, files, "abcd\nx\n");
  INFO(describe(mine.files));
  CHECK(mine.files["@TAI.s#1"].content == "0\n1\n2\n4\n5\n");
}

TEST_CASE("svlogd differential: started with descriptor 1 or 2 closed", "[svlogd][interop]") {
  for (int fd : {1, 2}) {
    INFO("closed fd " << fd);
    auto theirs = run_one(debian(), {"-v", "log"}, {}, "one\ntwo\n", fd);
    auto mine = run_one(ours(), {"-v", "log"}, {}, "one\ntwo\n", fd);
    INFO("debian:\n" << describe(theirs.files) << "ours:\n" << describe(mine.files));
    CHECK(mine.code == theirs.code);
    CHECK(mine.err == theirs.err);
    CHECK(describe(mine.files) == describe(theirs.files));
  }
}

TEST_CASE("svlogd differential: started with standard input closed", "[svlogd][interop]") {
  // Debian's svlogd opens "." as fd 0 and then fails to read it ("unable to
  // read standard input: is a directory"); ours reads /dev/null there. Both
  // log nothing and exit 0 at once.
  auto theirs = run_one(debian(), {"log"}, {}, "", 0);
  auto mine = run_one(ours(), {"log"}, {}, "", 0);
  INFO("debian:\n" << describe(theirs.files) << theirs.err << "ours:\n" << describe(mine.files) << mine.err);
  CHECK(mine.code == 0);
  CHECK(mine.code == theirs.code);
  CHECK(mine.err.empty());
  CHECK(describe(mine.files) == describe(theirs.files));
}
