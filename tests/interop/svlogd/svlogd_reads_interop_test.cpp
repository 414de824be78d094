// Standard input a regular file, so that our svlogd reads it in full
// 128 KiB chunks while Debian's reads 1 KiB at a time: lines that end exactly
// at a read's end, one byte after it, that begin at a read's start, that are
// longer than a read and than the output buffer, with rotations inside the
// reads. Both must leave the same files (stamps masked) and messages.

#include <catch2/catch.hpp>

#include "process.hpp"
#include "svlogd_support.hpp"
#include "temp_dir.hpp"

using namespace test;
using namespace test::svlogd;

namespace {

constexpr std::size_t read_size = 128 * 1024;  // ours, per read(2)

std::string line_of(std::size_t n, std::size_t seed) {
  std::string s = std::to_string(seed) + " ";
  while (s.size() < n) s += static_cast<char>('a' + (s.size() * 7 + seed) % 26);
  s.resize(n);
  return s + "\n";
}

// Short lines up to (but not across) the next multiple of read_size.
void fill_to_boundary(std::string& in, std::size_t& seed) {
  while (in.size() % read_size != 0) {
    std::size_t left = read_size - in.size() % read_size;
    in += line_of(left <= 200 ? left - 1 : 1 + (seed * 37) % 199, seed);
    ++seed;
  }
}

std::string edge_input() {
  std::string in;
  std::size_t seed = 1;
  in += line_of(read_size - 1, seed++);        // its "\n" is the last byte of read 1
  in += line_of(read_size, seed++);            // its "\n" is the first byte of read 3
  fill_to_boundary(in, seed);
  in += line_of(50, seed++);                   // begins a read
  for (int i = 0; i < 3000; ++i) in += line_of(1 + (seed * 53) % 199, seed), ++seed;
  in += line_of(300 * 1024, seed++);           // longer than the output buffer
  fill_to_boundary(in, seed);
  in += "\n";                                  // an empty line at a read's start
  for (int i = 0; i < 2000; ++i) in += line_of((seed * 31) % 120, seed), ++seed;
  return in + "unterminated";
}

struct outcome {
  int code;
  std::string err;
  std::map<std::string, file_info> files;
};

outcome run_from_file(const std::string& binary, const std::vector<std::string>& args, const std::string& config,
                      const std::string& input) {
  temp_dir root("svlogd-reads");
  make_dir(root / "log");
  write_file(root / "log/config", config);
  write_file(root / "input", input);
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" < input", binary};
  argv.insert(argv.end(), args.begin(), args.end());
  auto res = test::run(argv, in_dir(root.path()));
  return {res.status.exit_code(), mask(res.err), masked_snapshot(root / "log")};
}

}  // namespace

TEST_CASE("svlogd differential: 128 KiB reads from a regular file, lines at their edges, rotations inside",
          "[svlogd][interop][reads]") {
  const std::string input = edge_input();
  struct row {
    std::vector<std::string> args;
    std::string config;
  };
  const row rows[] = {
      {{"-tt", "log"}, "s100000\nn0\n"},
      {{"-t", "log"}, "s100000\nn0\npPRE: \n"},
      {{"log"}, "s100000\nn0\n"},
      {{"-ttt", "-v", "log"}, "s250000\nn0\ne*9\n"},
  };
  for (const auto& r : rows) {
    INFO("args " << Catch::Detail::stringify(r.args) << " config " << r.config);
    auto theirs = run_from_file(debian(), r.args, r.config, input);
    auto mine = run_from_file(ours(), r.args, r.config, input);
    CHECK(mine.code == theirs.code);
    CHECK(mine.err == theirs.err);
    REQUIRE(mine.files.size() == theirs.files.size());
    CHECK(theirs.files.size() > 5);
    for (const auto& [name, info] : theirs.files) {
      INFO("file " << name);
      REQUIRE(mine.files.count(name) == 1);
      CHECK(mine.files[name].mode == info.mode);
      CHECK(mine.files[name].content.size() == info.content.size());
      CHECK(mine.files[name].content == info.content);
    }
  }
}
