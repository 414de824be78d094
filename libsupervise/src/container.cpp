#include "supervise/container.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "supervise/fd.hpp"

namespace supervise {

namespace {

// The inode of the initial PID namespace (PROC_PID_INIT_INO in the kernel).
constexpr const char* initial_pid_ns = "pid:[4026531836]";

}  // namespace

container_choice container_override() {
  auto parse = [](std::string_view v) {
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
    if (v == "0" || v == "no") return container_choice::machine;
    return container_choice::container;
  };
  if (const char* env = std::getenv("RUNIT_CONTAINER"); env && *env) return parse(env);
  if (auto text = read_file(container_mode_file)) return parse(*text);
  return container_choice::unknown;
}

bool in_container_environment() {
  switch (container_override()) {
    case container_choice::container: return true;
    case container_choice::machine: return false;
    case container_choice::unknown: break;
  }
  if (in_pid_namespace()) return true;
  if (::access("/.dockerenv", F_OK) == 0 || ::access("/run/.containerenv", F_OK) == 0) return true;
  const char* runtime = std::getenv("container");
  return runtime && *runtime;
}

bool in_container() { return ::getpid() == 1 && in_container_environment(); }

bool in_pid_namespace() {
  char link[64];
  ssize_t n = ::readlink("/proc/self/ns/pid", link, sizeof link - 1);
  if (n <= 0) return false;
  link[n] = '\0';
  return std::strcmp(link, initial_pid_ns) != 0;
}

std::optional<int> read_exit_code() {
  fd f = open_fd(exit_code_file, O_RDONLY | O_CLOEXEC);
  if (!f) return std::nullopt;
  char buf[16];
  ssize_t n = read_some(f.get(), std::as_writable_bytes(std::span{buf, sizeof buf - 1}));
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  char* end = nullptr;
  long v = std::strtol(buf, &end, 10);
  if (end == buf || v < 0 || v > 255) return std::nullopt;
  return static_cast<int>(v);
}

void write_exit_code(int code) {
  (void)replace_file(exit_code_file, std::to_string(code) + "\n");
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> kids;
  DIR* d = ::opendir("/proc");
  if (!d) return kids;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string path = std::string("/proc/") + e->d_name + "/stat";
    fd f = open_fd(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (!f) continue;
    char buf[512];
    ssize_t n = read_some(f.get(), std::as_writable_bytes(std::span{buf, sizeof buf - 1}));
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const char* close = std::strrchr(buf, ')');
    if (!close) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(close + 1, " %c %d", &state, &ppid) == 2 && ppid == parent)
      kids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  ::closedir(d);
  return kids;
}

int exit_code_of(int wait_status) noexcept {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace supervise
