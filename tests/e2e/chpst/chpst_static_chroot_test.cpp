// A static chpst inside a chroot that holds no glibc, no NSS module and no
// /proc: only /etc/passwd, /etc/group, the static chpst and the static probe.
// It must still resolve a user and groups by name.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "chpst_support.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#ifdef STATIC_BINDIR

using namespace chpst_test;

namespace {

void copy_file(const std::string& from, const std::string& to) {
  auto data = test::read_file(from);
  REQUIRE(data);
  test::write_file(to, *data, 0755);
}

}  // namespace

TEST_CASE("static chpst resolves names from the chroot's files, without NSS", "[chpst][static][e2e]") {
  test::require_root("chroot");
  std::string static_chpst = std::string(STATIC_BINDIR) + "/chpst/chpst";
  REQUIRE(test::exists(static_chpst));
  test::temp_dir dir;
  std::string root = dir / "root";
  test::make_dir(root);
  test::make_dir(root + "/etc");
  test::write_file(root + "/etc/passwd", "root:x:0:0::/:/bin/sh\ncuser:x:777:778::/:/bin/sh\n");
  test::write_file(root + "/etc/group", "root:x:0:\ncgroup:x:779:\nother:x:780:cuser\n");
  copy_file(static_chpst, root + "/chpst");
  copy_file(probe(), root + "/probe");

  // chroot(8) runs /chpst inside the new root: everything it loads is there.
  auto named = test::run({"/usr/sbin/chroot", root, "/chpst", "-u", "cuser:cgroup:other", "/probe", "ids"});
  CHECK(named.err == "");
  CHECK(named.status.exit_code() == 0);
  CHECK(named.out == "uid=777/777/777 gid=779/779/779 groups=779,780\n");
  // The primary group from passwd; memberships in /etc/group are not added.
  auto primary = test::run({"/usr/sbin/chroot", root, "/chpst", "-u", "cuser", "/probe", "ids"});
  CHECK(primary.out == "uid=777/777/777 gid=778/778/778 groups=778\n");
  auto env = test::run({"/usr/sbin/chroot", root, "/chpst", "-U", "cuser:other", "/probe", "env"});
  CHECK(lines_with(env.out, "env=GID=") == std::vector<std::string>{"env=GID=780"});
  CHECK(lines_with(env.out, "env=UID=") == std::vector<std::string>{"env=UID=777"});
  auto setuidgid = test::run({"/usr/sbin/chroot", root, "/chpst", "-b", "setuidgid", "/chpst", "cuser", "/probe", "ids"});
  // -b only renames argv[0] of the exec'd chpst: it becomes the setuidgid personality.
  CHECK(setuidgid.out == "uid=777/777/777 gid=778/778/778 groups=778\n");
  auto unknown = test::run({"/usr/sbin/chroot", root, "/chpst", "-u", "nobody", "/probe"});
  CHECK(unknown.status.exit_code() == 111);
  CHECK(unknown.err == "chpst: fatal: unknown user/group: nobody\n");
  // Without /etc/group, a group lookup fails as glibc's does.
  REQUIRE(::unlink((root + "/etc/group").c_str()) == 0);
  auto nogroup = test::run({"/usr/sbin/chroot", root, "/chpst", "-u", "cuser:cgroup", "/probe"});
  CHECK(nogroup.status.exit_code() == 111);
  CHECK(nogroup.err == "chpst: fatal: unable to get password/group file entry: file does not exist\n");
}

#endif
