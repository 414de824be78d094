#include "supervise/container.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "supervise/fd.hpp"

namespace supervise {

namespace {

// The inode of the initial PID namespace (PROC_PID_INIT_INO in the kernel).
constexpr const char* initial_pid_ns = "pid:[4026531836]";

}  // namespace

bool in_container() { return ::getpid() == 1 && in_pid_namespace(); }

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
  std::string tmp = std::string(exit_code_file) + ".new";
  fd f = open_fd(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (!f) return;
  std::string text = std::to_string(code) + "\n";
  if (write_all(f.get(), text) && f.close() == 0) ::rename(tmp.c_str(), exit_code_file);
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
