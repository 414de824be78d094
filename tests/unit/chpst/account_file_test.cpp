#include <catch2/catch.hpp>

#include <cerrno>

#include "account_file.hpp"
#include "accounts.hpp"
#include "../unit_support.hpp"

using chpst::parse_group_line;
using chpst::parse_passwd_line;

TEST_CASE("account files: a passwd line gives name, uid and gid", "[chpst-accounts]") {
  auto e = parse_passwd_line("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin");
  REQUIRE(e);
  CHECK(e->name == "nobody");
  CHECK(e->uid == 65534);
  CHECK(e->gid == 65534);
  auto short_line = parse_passwd_line("cuser:x:777:778");
  REQUIRE(short_line);
  CHECK(short_line->gid == 778);
}

TEST_CASE("account files: blank, comment and malformed passwd lines are skipped", "[chpst-accounts]") {
  CHECK_FALSE(parse_passwd_line(""));
  CHECK_FALSE(parse_passwd_line("# root:x:0:0"));
  CHECK_FALSE(parse_passwd_line("nocolons"));
  CHECK_FALSE(parse_passwd_line("a:x:1"));
  CHECK_FALSE(parse_passwd_line("a:x::1:"));
  CHECK_FALSE(parse_passwd_line("a:x:1x:1:"));
  CHECK_FALSE(parse_passwd_line("a:x:4294967296:1:"));
  CHECK_FALSE(parse_passwd_line(":x:1:1:"));
}

TEST_CASE("account files: a group line gives name and gid", "[chpst-accounts]") {
  auto g = parse_group_line("adm:x:4:syslog,alice");
  REQUIRE(g);
  CHECK(g->name == "adm");
  CHECK(g->gid == 4);
  CHECK(parse_group_line("cgroup:x:779:"));
  CHECK(parse_group_line("nomembers:x:12"));
  CHECK_FALSE(parse_group_line("bad:x:"));
  CHECK_FALSE(parse_group_line("#adm:x:4:"));
}

TEST_CASE("account files: the first entry with the name wins", "[chpst-accounts]") {
  std::string passwd = "root:x:0:0::/:/bin/sh\n\n# c\ncuser:x:777:778::/:/bin/sh\ncuser:x:1:1::/:\nlast:x:9:9";
  auto u = chpst::find_passwd(passwd, "cuser");
  REQUIRE(u);
  CHECK(u->uid == 777);
  CHECK(chpst::find_passwd(passwd, "last"));
  CHECK_FALSE(chpst::find_passwd(passwd, "cuse"));
  CHECK_FALSE(chpst::find_passwd(passwd, ""));
  auto g = chpst::find_group("a:x:1:\nb:x:2:\n", "b");
  REQUIRE(g);
  CHECK(g->gid == 2);
}

TEST_CASE("account files: file_accounts reads the files at every lookup", "[chpst-accounts]") {
  unit::temp_dir dir;
  unit::write_file(dir / "passwd", "cuser:x:777:778::/:/bin/sh\n");
  unit::write_file(dir / "group", "cgroup:x:779:\n");
  chpst::file_accounts db(dir / "passwd", dir / "group");
  auto u = db.user("cuser");
  REQUIRE(u.value);
  CHECK(u.value->uid == 777);
  CHECK(u.value->gid == 778);
  CHECK(db.group("cgroup").value == gid_t{779});
  auto none = db.user("nobody");
  CHECK_FALSE(none.value);
  CHECK(none.err == 0);
  unit::write_file(dir / "group", "other:x:5:\n");
  CHECK_FALSE(db.group("cgroup").value);
}

TEST_CASE("account files: a missing file is a failed lookup with ENOENT", "[chpst-accounts]") {
  unit::temp_dir dir;
  chpst::file_accounts db(dir / "passwd", dir / "group");
  auto u = db.user("root");
  CHECK_FALSE(u.value);
  CHECK(u.err == ENOENT);
  CHECK(db.group("root").err == ENOENT);
}
