// The supervise/ directory runsv creates: names, types, modes, formats,
// symlinked supervise directories and a log that is not a directory.

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <sys/stat.h>
#include <dirent.h>

#include "fixture.hpp"

using namespace test;

namespace {

struct entry {
  char type;  // 'd', 'p', '-', 'l', '?'
  unsigned mode;
  long long size;
  bool operator==(const entry&) const = default;
};

std::map<std::string, entry> raw_listing(const std::string& dir) {
  std::map<std::string, entry> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* de = ::readdir(d)) {
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (::lstat((dir + "/" + name).c_str(), &st) != 0) continue;
    char t = S_ISDIR(st.st_mode) ? 'd' : S_ISFIFO(st.st_mode) ? 'p' : S_ISREG(st.st_mode) ? '-' : S_ISLNK(st.st_mode) ? 'l' : '?';
    out[name] = entry{t, static_cast<unsigned>(st.st_mode & 07777), static_cast<long long>(st.st_size)};
  }
  ::closedir(d);
  return out;
}

// One "name type mode size" line per entry, sorted, for readable failures.
std::string format(const std::map<std::string, entry>& m) {
  std::string out;
  for (const auto& [name, e] : m) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", e.mode);
    out += name + " " + e.type + " " + mode + " " + std::to_string(e.size) + "\n";
  }
  return out;
}

std::string listing(const std::string& dir) { return format(raw_listing(dir)); }

std::string format(const entry& e) { return format(std::map<std::string, entry>{{".", e}}); }

entry entry_of(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return entry{S_ISDIR(st.st_mode) ? 'd' : '?', static_cast<unsigned>(st.st_mode & 07777), 0};
}

std::string expected_listing(std::uint32_t pid) {
  auto pid_text = std::to_string(pid) + "\n";
  return format(std::map<std::string, entry>{{"control", {'p', 0600, 0}},
          {"lock", {'-', 0600, 0}},
          {"ok", {'p', 0600, 0}},
          {"pid", {'-', 0644, static_cast<long long>(pid_text.size())}},
          {"stat", {'-', 0644, 4}},
          {"status", {'-', 0644, 20}}});
}

}  // namespace

TEST_CASE("supervise/ holds exactly control lock ok pid stat status with the modes runit gives them", "[runsv][supervise]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto st = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));

  CHECK(format(entry_of(f.at("supervise"))) == format(entry{'d', 0700, 0}));
  CHECK(listing(f.at("supervise")) == expected_listing(st.pid));
  CHECK(read_pid_file(f.svc) == std::to_string(st.pid) + "\n");
  CHECK(read_stat(f.svc) == "run\n");
  // Nothing but the service's own files appeared in the service directory.
  auto top = raw_listing(f.svc);
  CHECK(top.size() == 2);
  CHECK(top.count("run") == 1);
  CHECK(top.count("supervise") == 1);
}

TEST_CASE("supervise as a symlink to a missing relative directory makes runsv create the target", "[runsv][supervise]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  make_dir(f.at("log"));
  write_script(f.at("log/run"), "exec cat > /dev/null\n");
  REQUIRE(::symlink("../svc-sup", f.at("supervise").c_str()) == 0);
  REQUIRE(::symlink("../../log-sup", f.at("log/supervise").c_str()) == 0);

  runsv_instance rs(f.svc);
  rs.wait_ready();
  auto st = wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_state(f.at("log"), "run\n", flags_hex(0, 'u', 0, 1));

  CHECK(format(entry_of(f.root / "svc-sup")) == format(entry{'d', 0700, 0}));
  CHECK(format(entry_of(f.root / "log-sup")) == format(entry{'d', 0700, 0}));
  CHECK(listing(f.root / "svc-sup") == expected_listing(st.pid));
  CHECK(raw_listing(f.root / "log-sup").count("status") == 1);
  CHECK(runsv_listening(f.at("log")));
  // The links stay links.
  CHECK(raw_listing(f.svc).at("supervise").type == 'l');
}

TEST_CASE("a log that is not a directory is warned about and ignored", "[runsv][supervise][log]") {
  service_fixture f;
  write_script(f.at("run"), "exec sleep 1000\n");
  write_file(f.at("log"), "not a dir\n");
  runsv_instance rs(f.svc);
  rs.wait_ready();
  wait_state(f.svc, "run\n", flags_hex(0, 'u', 0, 1));
  wait_until([&] { return rs.proc().err() == "runsv svc: warning: ./log: not a directory.\n"; },
             "the ./log warning", default_timeout, [&] { return "stderr: " + rs.proc().err(); });
  CHECK(f.text("log") == "not a dir\n");
}
