#include "runsvdir_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace test {

std::string runsvdir_under_test() {
  const char* env = std::getenv("RUNSVDIR_UNDER_TEST");
  if (env != nullptr && *env != '\0') return env;
  return RUNSVDIR_BIN;
}
std::string runsvchdir_under_test() { return RUNSVCHDIR_BIN; }

std::optional<proc_stat> read_proc_stat(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  // "PID (COMM) S PPID PGRP SESSION ...": COMM may hold spaces and ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  proc_stat st;
  int ppid = 0, pgrp = 0, session = 0;
  if (std::sscanf(text->c_str() + close + 1, " %c %d %d %d", &st.state, &ppid, &pgrp, &session) != 4)
    return std::nullopt;
  st.ppid = ppid;
  st.pgrp = pgrp;
  st.session = session;
  return st;
}

std::vector<std::string> proc_cmdline(pid_t pid) {
  std::vector<std::string> out;
  auto text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return out;
  std::size_t at = 0;
  while (at < text->size()) {
    auto nul = text->find('\0', at);
    if (nul == std::string::npos) nul = text->size();
    out.push_back(text->substr(at, nul - at));
    at = nul + 1;
  }
  return out;
}

std::optional<std::uint64_t> context_switches(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  std::uint64_t total = 0;
  int found = 0;
  for (const char* key : {"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"}) {
    auto at = text->find(std::string("\n") + key);
    if (at == std::string::npos) continue;
    total += std::strtoull(text->c_str() + at + 1 + std::strlen(key), nullptr, 10);
    ++found;
  }
  if (found != 2) return std::nullopt;
  return total;
}

std::optional<std::uint64_t> cpu_ticks(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  // After the command: state (field 3) ... utime (14), stime (15).
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(text->c_str() + close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                  &stime) != 2)
    return std::nullopt;
  return utime + stime;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* ent = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(ent->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    auto st = read_proc_stat(static_cast<pid_t>(pid));
    if (st && st->ppid == parent && st->state != 'Z' && st->state != 'X')
      out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool alive(pid_t pid) {
  auto st = read_proc_stat(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool inotify_watches(pid_t pid, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == -1) return false;
  char ino[32];
  std::snprintf(ino, sizeof ino, " ino:%lx ", static_cast<unsigned long>(st.st_ino));
  std::string fds = "/proc/" + std::to_string(pid) + "/fdinfo";
  DIR* d = ::opendir(fds.c_str());
  if (!d) return false;
  bool found = false;
  while (dirent* ent = ::readdir(d)) {
    if (ent->d_name[0] == '.') continue;
    auto text = read_file(fds + "/" + ent->d_name);
    if (!text) continue;
    for (std::size_t at = text->find("inotify wd:"); at != std::string::npos && !found;
         at = text->find("inotify wd:", at + 1)) {
      auto end = text->find('\n', at);
      found = text->substr(at, end == std::string::npos ? std::string::npos : end - at).find(ino) !=
              std::string::npos;
    }
    if (found) break;
  }
  ::closedir(d);
  return found;
}

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); !needle.empty() && at != std::string_view::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

void kill_tree(pid_t root) noexcept {
  if (root <= 0) return;
  try {
    // Frozen processes cannot fork, so once a pass finds nothing new the
    // list is complete.
    std::set<pid_t> frozen;
    std::vector<pid_t> todo{root};
    ::kill(root, SIGSTOP);
    frozen.insert(root);
    for (int pass = 0; pass < 50; ++pass) {
      bool grew = false;
      for (pid_t p : std::vector<pid_t>(frozen.begin(), frozen.end())) {
        for (pid_t c : children_of(p)) {
          if (frozen.insert(c).second) {
            ::kill(c, SIGSTOP);
            grew = true;
          }
        }
      }
      if (!grew) break;
    }
    for (pid_t p : frozen) ::kill(p, SIGKILL);
  } catch (...) {
    ::kill(root, SIGKILL);
  }
}

runsvdir_tree::runsvdir_tree(const std::string& runsv_binary) : dir_("runsvdir-test") {
  make_dir(bin());
  make_dir(service());
  make_dir(stage());
  REQUIRE(::symlink(runsv_binary.c_str(), (bin() + "/runsv").c_str()) == 0);
}

std::string runsvdir_tree::stage_service(std::string_view name, std::string_view run_body) const {
  std::string dir = stage() + "/" + std::string(name);
  make_dir(dir);
  write_script(dir + "/run", run_body);
  return dir;
}

std::string runsvdir_tree::add_service(std::string_view name, std::string_view run_body) const {
  std::string from = stage_service(name, run_body);
  std::string to = svc(name);
  REQUIRE(::rename(from.c_str(), to.c_str()) == 0);
  return to;
}

namespace {

process start_runsvdir(const runsvdir_tree& tree, std::vector<std::string> args, runsvdir_launch how) {
  std::vector<std::string> argv;
  if (how.close_std_fds) argv = {"/bin/sh", "-c", "exec \"$@\" <&- >&- 2>&-", "sh"};
  argv.insert(argv.end(), how.wrapper.begin(), how.wrapper.end());
  argv.push_back(std::move(how.binary));
  argv.insert(argv.end(), args.begin(), args.end());
  spawn_options o;
  o.cwd = how.cwd.empty() ? tree.root() : how.cwd;
  o.env = {tree.path_env()};
  o.new_session = true;
  return process(argv, o);
}

runsvdir_launch with_binary(std::string binary) {
  runsvdir_launch how;
  how.binary = std::move(binary);
  return how;
}

}  // namespace

runsvdir_instance::runsvdir_instance(const runsvdir_tree& tree, std::vector<std::string> args,
                                     std::string binary)
    : proc_(start_runsvdir(tree, std::move(args), with_binary(std::move(binary)))) {}

runsvdir_instance::runsvdir_instance(const runsvdir_tree& tree, std::vector<std::string> args,
                                     runsvdir_launch how)
    : proc_(start_runsvdir(tree, std::move(args), std::move(how))) {}

runsvdir_instance::~runsvdir_instance() {
  if (!proc_.poll_exit()) kill_tree(proc_.pid());
  proc_.wait_exit(5s);
}

std::vector<std::pair<std::string, pid_t>> runsvdir_instance::runsv_children() {
  std::vector<std::pair<std::string, pid_t>> out;
  for (pid_t c : children_of(proc_.pid())) {
    auto argv = proc_cmdline(c);
    if (argv.size() == 2 && argv[0] == "runsv") out.emplace_back(argv[1], c);
  }
  return out;
}

std::vector<pid_t> runsvdir_instance::runsv_for(std::string_view name) {
  std::vector<pid_t> out;
  for (const auto& [n, p] : runsv_children())
    if (n == name) out.push_back(p);
  return out;
}

pid_t runsvdir_instance::wait_runsv(std::string_view name, std::chrono::milliseconds timeout) {
  std::vector<pid_t> found;
  wait_until(
      [&] {
        proc_.drain();
        found = runsv_for(name);
        return found.size() == 1;
      },
      "one runsv for " + std::string(name), timeout,
      [&] { return std::to_string(found.size()) + " runsv; runsvdir stderr: " + proc_.err(); });
  return found.front();
}

void runsvdir_instance::wait_no_runsv(std::string_view name, std::chrono::milliseconds timeout) {
  wait_until(
      [&] {
        proc_.drain();
        return runsv_for(name).empty();
      },
      "no runsv for " + std::string(name), timeout, [&] { return "runsvdir stderr: " + proc_.err(); });
}

void runsvdir_instance::wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  wait_until(
      [&] {
        proc_.drain();
        return !alive(pid);
      },
      "pid " + std::to_string(pid) + " to exit", timeout);
}

pid_t runsvdir_instance::barrier(const runsvdir_tree& tree, std::string_view name) {
  tree.add_service(name);
  return wait_runsv(name);
}

std::string runsvdir_instance::title() {
  auto argv = proc_cmdline(proc_.pid());
  std::size_t at = !argv.empty() && argv.size() > 1 && argv[1].rfind("-P", 0) == 0 ? 3 : 2;
  return at < argv.size() ? argv[at] : std::string();
}

}  // namespace test
