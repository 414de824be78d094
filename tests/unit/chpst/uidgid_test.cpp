#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "supervise/fatal.hpp"
#include "uidgid.hpp"

namespace {

// A fixed account table (the seam between spec parsing and NSS).
class table final : public chpst::accounts {
 public:
  int fail_with = 0;
  chpst::lookup<chpst::user_ids> user(const std::string& name) override {
    if (fail_with) return {std::nullopt, fail_with};
    auto it = users.find(name);
    if (it == users.end()) return {};
    return {it->second, 0};
  }
  chpst::lookup<gid_t> group(const std::string& name) override {
    if (fail_with) return {std::nullopt, fail_with};
    auto it = groups.find(name);
    if (it == groups.end()) return {};
    return {it->second, 0};
  }
  std::map<std::string, chpst::user_ids> users{{"nobody", {65534, 65534}}, {"cuser", {777, 778}}};
  std::map<std::string, gid_t> groups{{"adm", 4}, {"daemon", 1}, {"cgroup", 779}};
};

std::string ids_text(const chpst::uidgid& ids) {
  std::string s = std::to_string(ids.uid) + ":";
  for (std::size_t i = 0; i < ids.gids.size(); ++i) s += (i ? "," : "") + std::to_string(ids.gids[i]);
  return s;
}

std::string extended(const std::string& spec, table& db) { return ids_text(chpst::resolve_extended(spec, db)); }

// The fatal line run_main would print (without the prefix), and its code.
std::string failure(const std::string& spec, table& db, bool ext = true) {
  try {
    if (ext) chpst::resolve_extended(spec, db);
    else chpst::resolve_plain(spec, db);
  } catch (const supervise::fatal_error& e) {
    CHECK(e.exit_code == 111);
    return supervise::diagnostic("chpst", "fatal", e.message, e.err);
  }
  return "no error";
}

}  // namespace

TEST_CASE("uidgid: named forms", "[chpst-uidgid]") {
  table db;
  CHECK(extended("nobody", db) == "65534:65534");
  CHECK(extended("nobody:adm", db) == "65534:4");
  CHECK(extended("nobody:adm:daemon", db) == "65534:4,1");
  CHECK(extended("cuser:cgroup", db) == "777:779");
}

TEST_CASE("uidgid: numeric forms (spec test vectors)", "[chpst-uidgid]") {
  table db;
  db.fail_with = EIO;  // nothing may be looked up
  CHECK(extended(":1:2:3:4", db) == "1:2,3,4");
  CHECK(extended(":1:", db) == "1:0");
  CHECK(extended(":5:6:7", db) == "5:6,7");
  CHECK(extended("::5", db) == "0:5");
  CHECK(extended(":1::3", db) == "1:0,3");
}

TEST_CASE("uidgid: invalid numeric forms name the text after the colon", "[chpst-uidgid]") {
  table db;
  CHECK(failure(":1", db) == "chpst: fatal: invalid uid/gids: 1\n");
  CHECK(failure(":1:x", db) == "chpst: fatal: invalid uid/gids: 1:x\n");
  CHECK(failure(":x", db) == "chpst: fatal: invalid uid/gids: x\n");
  CHECK(failure(":", db) == "chpst: fatal: invalid uid/gids: \n");
}

TEST_CASE("uidgid: at most 60 groups", "[chpst-uidgid]") {
  table db;
  std::string numeric = ":1";
  for (int i = 0; i < 60; ++i) numeric += ":" + std::to_string(i + 100);
  CHECK(chpst::resolve_extended(numeric, db).gids.size() == 60);
  CHECK(failure(numeric + ":7", db) == "chpst: fatal: invalid uid/gids: " + numeric.substr(1) + ":7\n");
  std::string named = "nobody";
  for (int i = 0; i < 61; ++i) named += i == 60 ? ":nosuchgroup" : ":adm";
  auto ids = chpst::resolve_extended(named, db);  // the 61st is ignored, never looked up
  CHECK(ids.gids.size() == 60);
}

TEST_CASE("uidgid: unknown names and failed lookups", "[chpst-uidgid]") {
  table db;
  CHECK(failure("nosuchuser", db) == "chpst: fatal: unknown user/group: nosuchuser\n");
  CHECK(failure("nobody:nosuchgroup", db) == "chpst: fatal: unknown user/group: nobody:nosuchgroup\n");
  CHECK(failure("nobody:", db) == "chpst: fatal: unknown user/group: nobody:\n");
  CHECK(failure("nobody:adm:", db) == "chpst: fatal: unknown user/group: nobody:adm:\n");
  CHECK(failure("", db) == "chpst: fatal: unknown user/group: \n");
  db.fail_with = ENOENT;
  CHECK(failure("nobody", db) == "chpst: fatal: unable to get password/group file entry: file does not exist\n");
}

TEST_CASE("uidgid: the plain form is one user name", "[chpst-uidgid]") {
  table db;
  CHECK(ids_text(chpst::resolve_plain("nobody", db)) == "65534:65534");
  CHECK(failure("nobody:adm", db, false) == "chpst: fatal: unknown account: nobody:adm\n");
  CHECK(failure(":1", db, false) == "chpst: fatal: unknown account: :1\n");
  db.fail_with = EACCES;
  CHECK(failure("nobody", db, false) == "chpst: fatal: unable to get password file entry: access denied\n");
}
