// svlogd's timestamps (spec/svlogd.md §6.5, §16.4) and the names of rotated
// logs (§7.3), the latter on a real directory.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <dirent.h>
#include <sys/time.h>
#include <string>
#include <vector>

#include "../unit_support.hpp"
#include "logdir.hpp"
#include "stamp.hpp"
#include "supervise/tai64.hpp"

using svlogd::format_stamp;
using svlogd::stamp_kind;

TEST_CASE("stamp: the three formats of one instant", "[svlogd-stamp]") {
  timeval tv{1700000000, 123456};
  CHECK(format_stamp(stamp_kind::none, tv).empty());
  CHECK(format_stamp(stamp_kind::tai64n, tv) == "@400000006553f10a075bcbf4");
  CHECK(format_stamp(stamp_kind::human, tv) == "2023-11-14_22:13:20.12345");
  CHECK(format_stamp(stamp_kind::iso, tv) == "2023-11-14T22:13:20.12345");
}

TEST_CASE("stamp: the §16.4 decoding example", "[svlogd-stamp]") {
  timeval tv{1795734497, 169912};
  CHECK(format_stamp(stamp_kind::tai64n, tv) == "@400000006b08bbeb0a20a8b4");
  CHECK(format_stamp(stamp_kind::human, tv) == "2026-11-26_23:08:17.16991");
}

TEST_CASE("stamp: the fraction is truncated, never rounded, fields are zero-padded", "[svlogd-stamp]") {
  CHECK(format_stamp(stamp_kind::human, timeval{0, 0}) == "1970-01-01_00:00:00.00000");
  CHECK(format_stamp(stamp_kind::tai64n, timeval{0, 0}) == "@400000000000000a000001f4");
  CHECK(format_stamp(stamp_kind::human, timeval{59, 999999}) == "1970-01-01_00:00:59.99999");
  CHECK(format_stamp(stamp_kind::iso, timeval{946684799, 9}) == "1999-12-31T23:59:59.00000");
  CHECK(format_stamp(stamp_kind::iso, timeval{951782400, 10}) == "2000-02-29T00:00:00.00001");
}

TEST_CASE("stamp: UTC whatever TZ says", "[svlogd-stamp]") {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "Asia/Tokyo", 1);
  ::tzset();
  auto s = format_stamp(stamp_kind::human, timeval{1700000000, 123456});
  if (old) ::setenv("TZ", saved.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
  CHECK(s == "2023-11-14_22:13:20.12345");
}

namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> v;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') v.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(v.begin(), v.end());
  return v;
}

bool rotated_name(const std::string& n, char suffix) {
  if (n.size() != 27 || n[0] != '@' || n[25] != '.' || n[26] != suffix) return false;
  for (int i = 1; i < 25; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(n[i])) || std::isupper(static_cast<unsigned char>(n[i])))
      return false;
  return true;
}

}  // namespace

TEST_CASE("rotation: names are @ + 24 lower-case hex of now + .s, each new", "[svlogd-stamp]") {
  unit::temp_dir tmp;
  int home = ::open(".", O_RDONLY | O_CLOEXEC);
  REQUIRE(home >= 0);
  svlogd::logdir d(tmp.path(), {false, 1000});
  REQUIRE(d.open(home));
  timeval before;
  ::gettimeofday(&before, nullptr);
  for (int i = 0; i < 5; ++i) {
    d.emit("x\n");
    d.flush();
    d.rotate();
  }
  d.close();
  ::close(home);
  auto names = entries(tmp.path());
  // 5 rotated logs, current and lock; the names sort in creation order.
  REQUIRE(names.size() == 7);
  for (int i = 0; i < 5; ++i) {
    INFO(names[i]);
    CHECK(rotated_name(names[i], 's'));
    auto label = supervise::tai64n::parse_label(names[i].substr(0, 25));
    REQUIRE(label);
    CHECK(label->unix_seconds() >= before.tv_sec);
    CHECK(label->nano % 1000 == 500);
  }
  CHECK(names[5] == "current");
  CHECK(names[6] == "lock");
}
