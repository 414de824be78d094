// svlogd's line path on a real log directory (spec/svlogd.md §6, §7.1):
// whatever the cut of the input into reads, every directory gets the bytes
// and the rotations that runit's per-line rules give, computed here by a
// small independent model; the stamp of a line is the time of the read of its
// first byte; a line longer than -l keeps its head and its tail apart.

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../unit_support.hpp"
#include "logdir.hpp"
#include "options.hpp"
#include "router.hpp"
#include "stamp.hpp"

using svlogd::stamp_kind;

namespace {

struct setup {
  unsigned long smax = 0;  // config s (0: never by size)
  std::string prefix;      // config p
  bool err_all = false;    // config e*: every line also to stderr
  stamp_kind stamp = stamp_kind::none;
  std::size_t len = 1000;  // -l
  bool replace = false;    // -r
  std::string replace_set;  // -R
};

std::string describe(const setup& s) {
  return "s" + std::to_string(s.smax) + " p'" + s.prefix + "'" + (s.err_all ? " e*" : "") + " -t level " +
         std::to_string(static_cast<int>(s.stamp)) + " -l " + std::to_string(s.len) + (s.replace ? " -r _" : "") +
         (s.replace_set.empty() ? "" : " -R " + s.replace_set);
}

// Read i happens at this time: each read has a stamp of its own.
timeval read_time(std::size_t i) {
  return {static_cast<time_t>(1700000000 + i), static_cast<suseconds_t>(i * 370 % 1000000)};
}

struct logged {
  std::vector<std::string> files;  // rotated logs in order, then current
  std::string err;                 // the standard-error copies
};

// The model: runit's svlogd line by line. A line is stamped when its first
// byte is read; the log gets stamp, prefix, the head (first len bytes,
// replaced) and the tail as it is; stderr gets the head and "..." when it
// has len bytes; a line left open at the end is logged only once its head
// is complete. Then the stream is cut into files byte by byte: rotate
// before a byte when current holds s bytes, and after a "\n" that leaves it
// within len of s (s - len wraps as an unsigned number).
logged model(const setup& s, const std::vector<std::string>& reads) {
  std::string out, err;
  auto replaced = [&](std::string head) {
    if (s.replace)
      for (char& c : head) {
        auto u = static_cast<unsigned char>(c);
        if (u < 32 || u > 126 || s.replace_set.find(c) != std::string::npos) c = '_';
      }
    return head;
  };
  auto put = [&](const std::string& line, std::size_t first_read, bool ended) {
    std::string stamp = s.stamp == stamp_kind::none ? "" : svlogd::format_stamp(s.stamp, read_time(first_read)) + " ";
    std::string head = replaced(line.substr(0, s.len));
    out += stamp + s.prefix + head + line.substr(head.size()) + (ended ? "\n" : "");
    if (s.err_all) err += stamp + s.prefix + head + (head.size() == s.len ? "..." : "") + "\n";
  };
  std::string line;
  std::size_t first_read = 0;
  bool open = false;
  for (std::size_t i = 0; i < reads.size(); ++i)
    for (char c : reads[i]) {
      if (!open) open = true, first_read = i, line.clear();
      if (c != '\n') {
        line += c;
        continue;
      }
      put(line, first_read, true);
      open = false;
    }
  if (open && line.size() >= s.len) put(line, first_read, false);
  logged l{{""}, err};
  unsigned long size = 0;
  for (char c : out) {
    if (s.smax && size >= s.smax) l.files.emplace_back(), size = 0;
    l.files.back() += c;
    ++size;
    if (s.smax && c == '\n' && size >= s.smax - s.len) l.files.emplace_back(), size = 0;
  }
  return l;
}

std::string config_text(const setup& s) {
  std::string c = "s" + std::to_string(s.smax) + "\nn0\n";
  if (!s.prefix.empty()) c += "p" + s.prefix + "\n";
  if (s.err_all) c += "e*\n";
  return c;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> v;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] == '@') v.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(v.begin(), v.end());
  return v;
}

// Our router and log directory, fed one read at a time.
logged actual(const setup& s, const std::vector<std::string>& reads) {
  unit::temp_dir tmp, err_dir;
  unit::write_file(tmp / "config", config_text(s));
  svlogd::options o;
  o.stamp = s.stamp;
  o.linelen = s.len;
  o.replace = s.replace;
  o.replace_set = s.replace_set;
  o.dirs = {tmp.path()};
  std::vector<std::unique_ptr<svlogd::logdir>> dirs;
  dirs.push_back(std::make_unique<svlogd::logdir>(tmp.path(), svlogd::dir_settings{false, s.len}));
  int home = ::open(".", O_RDONLY | O_CLOEXEC);
  REQUIRE(home >= 0);
  // The stderr copies go to a file: a pipe would fill up.
  int err = ::open((err_dir / "err").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  int saved = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
  ::dup2(err, 2);
  bool opened = dirs[0]->open(home);
  if (opened) {
    svlogd::router r(o, dirs);
    for (std::size_t i = 0; i < reads.size(); ++i) {
      r.feed(reads[i], read_time(i));
      r.flush();
    }
    r.finish();
    dirs[0]->close();
  }
  ::dup2(saved, 2);
  ::close(saved);
  ::close(err);
  ::close(home);
  REQUIRE(opened);
  logged l;
  for (const auto& n : names_in(tmp.path())) l.files.push_back(unit::read_file(tmp / n));
  l.files.push_back(unit::read_file(tmp / "current"));
  l.err = unit::read_file(err_dir / "err");
  return l;
}

std::vector<std::string> cut(std::string_view input, std::size_t size) {
  std::vector<std::string> reads;
  for (std::size_t at = 0; at < input.size(); at += size) reads.emplace_back(input.substr(at, size));
  return reads;
}

std::vector<std::string> cut_randomly(std::string_view input, unsigned seed, std::size_t max) {
  std::mt19937 rng(seed);
  std::vector<std::string> reads;
  for (std::size_t at = 0; at < input.size();) {
    std::size_t n = std::uniform_int_distribution<std::size_t>(1, max)(rng);
    reads.emplace_back(input.substr(at, n));
    at += n;
  }
  return reads;
}

// Lines of the given lengths (each then "\n"), of bytes that -r and -R
// replace and bytes they keep.
std::string lines_of(const std::vector<std::size_t>& lengths) {
  static const std::string bytes = "abcxyz*:\t\x01\x7f\xc3\xa9 0123456789";
  std::string s;
  std::size_t k = 0;
  for (std::size_t n : lengths) {
    for (std::size_t i = 0; i < n; ++i) s += bytes[k++ % bytes.size()];
    s += '\n';
  }
  return s;
}

// "" when equal, else where they first differ and the bytes around it (the
// files run to megabytes: printing them whole would drown the report).
std::string first_difference(const std::string& got, const std::string& want) {
  if (got == want) return "";
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  const std::size_t from = at < 40 ? 0 : at - 40;
  return "sizes " + std::to_string(got.size()) + " and " + std::to_string(want.size()) + ", first difference at " +
         std::to_string(at) + ": got [" + got.substr(from, 80) + "], want [" + want.substr(from, 80) + "]";
}

void check_same(const setup& s, const std::vector<std::string>& reads, const std::string& what) {
  INFO(describe(s) << ", " << what << ", " << reads.size() << " reads");
  logged want = model(s, reads);
  logged got = actual(s, reads);
  REQUIRE(got.files.size() == want.files.size());
  for (std::size_t i = 0; i < want.files.size(); ++i) {
    INFO("file " << i << " of " << want.files.size());
    CHECK(first_difference(got.files[i], want.files[i]) == "");
  }
  CHECK(first_difference(got.err, want.err) == "");
}

}  // namespace

TEST_CASE("svlogd router: a line is stamped by the read of its first byte, the lines of one read share it",
          "[svlogd][svlogd-router]") {
  setup s;
  s.stamp = stamp_kind::human;
  std::vector<std::string> reads = {"one\ntw", "o\nthree\n", "\nfour", "\n"};
  auto stamp = [](std::size_t i) { return svlogd::format_stamp(stamp_kind::human, read_time(i)) + " "; };
  logged got = actual(s, reads);
  REQUIRE(got.files.size() == 1);
  CHECK(got.files[0] == stamp(0) + "one\n" + stamp(0) + "two\n" + stamp(1) + "three\n" + stamp(2) + "\n" +
                            stamp(2) + "four\n");
  check_same(s, reads, "the model agrees");
}

TEST_CASE("svlogd router: every cut into reads gives runit's bytes, stamps and rotations", "[svlogd][svlogd-router]") {
  // Short lines around 16 bytes (one vector of the newline scan), empty
  // lines, and lines around -l.
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 40; ++n) lengths.push_back(n);
  for (std::size_t n : {63, 64, 65, 99, 100, 101, 199, 200, 201, 0, 0, 1, 15, 16, 17, 31, 32, 33}) lengths.push_back(n);
  const std::string input = lines_of(lengths) + "unterminated";
  std::vector<setup> setups(10);
  setups[1].stamp = stamp_kind::human;
  setups[2].stamp = stamp_kind::tai64n, setups[2].prefix = "pre: ", setups[2].smax = 300;
  setups[3].smax = 200, setups[3].len = 20;
  setups[4].smax = 10, setups[4].len = 20;  // s < len: lines split at s, no rotation after a line
  setups[5].stamp = stamp_kind::iso, setups[5].smax = 120, setups[5].len = 30, setups[5].err_all = true;
  setups[6].len = 16, setups[6].replace = true, setups[6].replace_set = "a*";
  setups[7].stamp = stamp_kind::human, setups[7].smax = 100, setups[7].len = 100;  // s == len
  setups[8].prefix = "p", setups[8].smax = 300, setups[8].len = 40;                 // a prefix, no stamp
  setups[9].stamp = stamp_kind::human, setups[9].smax = 200, setups[9].len = 250;  // stamps, s < len
  for (const auto& s : setups) {
    // s10 rotates hundreds of times per run, each with an fsync: fewer cuts.
    const bool tiny = s.smax && s.smax < 50;
    check_same(s, {input}, "one read");
    for (std::size_t size : {1, 2, 3, 7, 16, 17, 100})
      if (!tiny || size == 1 || size == 17) check_same(s, cut(input, size), "reads of " + std::to_string(size));
    for (unsigned seed = 1; seed <= (tiny ? 1 : 3); ++seed)
      check_same(s, cut_randomly(input, seed, 300), "random reads");
  }
}

TEST_CASE("svlogd router: lines longer than -l across reads keep head and tail apart", "[svlogd][svlogd-router]") {
  // The head (-r/-R, stderr copy with "...", patterns) ends inside a later
  // read than the one the line began in; the tail spans reads too; a line
  // of exactly len bytes also gets "..."; an open long line at EOF is
  // logged as far as it came.
  const std::string input = lines_of({5, 9, 10, 11, 25, 40, 3}) + std::string(37, 'q');
  for (std::size_t len : {9, 10}) {
    setup s;
    s.len = len, s.replace = true, s.replace_set = "xq", s.err_all = true, s.stamp = stamp_kind::tai64n;
    for (std::size_t size : {1, 4, 6, 13}) check_same(s, cut(input, size), "reads of " + std::to_string(size));
    s.smax = 30;
    for (std::size_t size : {1, 6, 13}) check_same(s, cut(input, size), "reads of " + std::to_string(size));
  }
}

TEST_CASE("svlogd router: rotations inside one read, also in the middle of a stamp", "[svlogd][svlogd-router]") {
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < 1000; ++i) lengths.push_back((i * 7919) % 181);
  const std::string input = lines_of(lengths);
  for (auto stamp : {stamp_kind::none, stamp_kind::human})
    for (unsigned long smax : {999UL, 1000UL, 1001UL, 4096UL, 50000UL}) {
      setup s;
      s.stamp = stamp, s.smax = smax, s.len = 100;
      check_same(s, {input}, "one read");
      check_same(s, cut(input, 32768), "reads of 32 KiB");
      check_same(s, cut_randomly(input, static_cast<unsigned>(smax), 5000), "random reads");
    }
}

TEST_CASE("svlogd router: reads and lines at and beyond the directory's buffer size", "[svlogd][svlogd-router]") {
  const std::size_t buf = svlogd::logdir::buffer_size;
  // Short lines filling more than the buffer in one read; single lines of
  // exactly the buffer size, one less and one more (with and without their
  // stamp), and around the 64 KiB pieces that are written without a copy.
  std::vector<std::size_t> lengths(14000, 20);
  for (std::size_t n : {buf - 27, buf - 26, buf - 25, buf - 1, buf, buf + 1, std::size_t{65535}, std::size_t{65536},
                        std::size_t{65537}, std::size_t{5}})
    lengths.push_back(n);
  const std::string input = lines_of(lengths) + "x";
  for (auto stamp : {stamp_kind::none, stamp_kind::human})
    for (unsigned long smax : {0UL, 700000UL}) {
      setup s;
      s.stamp = stamp, s.smax = smax, s.len = 1000;
      check_same(s, {input}, "one read");
      check_same(s, cut(input, buf), "reads of the buffer size");
      check_same(s, cut(input, 128 * 1024), "reads of 128 KiB");
      check_same(s, cut(input, 65536 + 3), "reads of 64 KiB + 3");
    }
}

TEST_CASE("svlogd router: a line that ends exactly len bytes before s rotates, one byte earlier does not",
          "[svlogd][svlogd-router]") {
  // s100 -l 20: current rotates after a line once it holds 80 bytes. The
  // first line ends at 78..82 bytes (stamp and prefix included), through
  // each path: plain block, stamped lines, lines selected one by one.
  for (int k = -2; k <= 2; ++k)
    for (auto stamp : {stamp_kind::none, stamp_kind::human})
      for (bool err_all : {false, true}) {
        setup s;
        s.smax = 100, s.len = 20, s.stamp = stamp, s.err_all = err_all, s.prefix = err_all ? "P" : "";
        const std::size_t deco = (stamp == stamp_kind::none ? 0 : 26) + s.prefix.size();
        const std::string input = lines_of({static_cast<std::size_t>(80 + k) - 1 - deco, 5, 5, 30});
        INFO("the first line ends at " << 80 + k);
        // The model itself: a first file of just that line iff it ends at 80 or later.
        logged want = model(s, {input});
        CHECK((want.files[0].size() == static_cast<std::size_t>(80 + k)) == (k >= 0));
        check_same(s, {input}, "one read");
        check_same(s, cut(input, 7), "reads of 7");
      }
}
