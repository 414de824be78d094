#include "proc_probe.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "temp_dir.hpp"

namespace test {

namespace {

std::string proc_path(pid_t pid, const char* rel) { return "/proc/" + std::to_string(pid) + "/" + rel; }

}  // namespace

proc_syscall read_proc_syscall(pid_t pid) {
  proc_syscall r;
  if (pid <= 0) return r;
  int fd = ::open(proc_path(pid, "syscall").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES || errno == EPERM) r.kind = proc_syscall::unreadable;
    return r;
  }
  char buf[64];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (n < 0) {
    if (err == EACCES || err == EPERM) r.kind = proc_syscall::unreadable;
    return r;
  }
  if (n == 0) return r;  // a zombie
  buf[n] = '\0';
  if (buf[0] == 'r') {  // "running"
    r.kind = proc_syscall::running;
    return r;
  }
  r.kind = proc_syscall::blocked;
  r.nr = std::strtol(buf, nullptr, 10);
  return r;
}

namespace {

// Every process whose parent is pid, by the ppid field of /proc/*/stat.
std::vector<pid_t> scan_children(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long p = std::strtol(e->d_name, &end, 10);
    if (p <= 0 || *end != '\0') continue;
    auto text = read_file(proc_path(static_cast<pid_t>(p), "stat"));
    if (!text) continue;
    auto close = text->rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(text->c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == pid)
      out.push_back(static_cast<pid_t>(p));
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::vector<pid_t> proc_children(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = ::opendir(proc_path(pid, "task").c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto text = read_file(proc_path(pid, "task/") + e->d_name + "/children");
    if (!text) {
      if (errno == ENOENT && exists(proc_path(pid, "task/") + e->d_name)) {
        ::closedir(d);
        return scan_children(pid);  // a kernel without CONFIG_PROC_CHILDREN
      }
      continue;
    }
    const char* p = text->c_str();
    char* end;
    for (long c = std::strtol(p, &end, 10); end != p; c = std::strtol(p, &end, 10)) {
      out.push_back(static_cast<pid_t>(c));
      p = end;
    }
  }
  ::closedir(d);
  return out;
}

bool proc_signal_pending(pid_t pid) {
  auto text = read_file(proc_path(pid, "status"));
  if (!text) return false;
  for (const char* field : {"\nSigPnd:", "\nShdPnd:"}) {
    auto at = text->find(field);
    if (at == std::string::npos) continue;
    if (std::strtoull(text->c_str() + at + 8, nullptr, 16) != 0) return true;
  }
  return false;
}

int unread_bytes(int fd) {
  int n = 0;
  if (::ioctl(fd, FIONREAD, &n) != 0) return -1;
  return n;
}

}  // namespace test
