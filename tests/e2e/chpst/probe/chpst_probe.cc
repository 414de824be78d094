// chpst_probe: the program the chpst tests exec. It reports the process
// state it was started with, one "key=value" line per item asked for, so a
// test sees what chpst really set up, from inside the exec'd program.
// Built static too (for the chroot test), so: no NSS, no iostream.
//
//   ids        uid=R/E/S gid=R/E/S groups=G1,G2 (from the system calls)
//   status     the Uid:, Gid: and Groups: lines of /proc/self/status
//   session    sid_is_pid=0|1 pgrp_is_pid=0|1
//   nice       nice=N
//   cwd        cwd=PATH
//   root       root=PATH (readlink /proc/self/root)
//   argv0      argv0=TEXT
//   env        env=ENTRY, one line per entry, in environ order
//   fds        fd0=open|closed fd1=... fd2=...
//   limits     /proc/self/limits without its header
//   lock:PATH  lock=held-elsewhere|free (a new open file of PATH, LOCK_NB)
//   exists:PATH  exists=PATH:0|1
//   out:PATH   write everything to PATH (0644) instead of stdout
//   exit:N     exit with status N after reporting
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <string>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

extern char** environ;

namespace {

std::string out;

std::string file_text(const char* path) {
  std::string text;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

void line(const std::string& text) { out += text + "\n"; }

void ids() {
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  ::getresuid(&ru, &eu, &su);
  ::getresgid(&rg, &eg, &sg);
  gid_t groups[256];
  int n = ::getgroups(256, groups);
  std::string g;
  for (int i = 0; i < n; ++i) g += (i ? "," : "") + std::to_string(groups[i]);
  line("uid=" + std::to_string(ru) + "/" + std::to_string(eu) + "/" + std::to_string(su) +
       " gid=" + std::to_string(rg) + "/" + std::to_string(eg) + "/" + std::to_string(sg) +
       " groups=" + g);
}

void status() {
  std::string text = file_text("/proc/self/status");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string l = text.substr(pos, nl - pos);
    if (l.rfind("Uid:", 0) == 0 || l.rfind("Gid:", 0) == 0 || l.rfind("Groups:", 0) == 0) line(l);
    pos = nl + 1;
  }
}

void limits() {
  std::string text = file_text("/proc/self/limits");
  size_t nl = text.find('\n');
  out += nl == std::string::npos ? text : text.substr(nl + 1);
}

void lock(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    line(std::string("lock=cannot-open:") + std::strerror(errno));
    return;
  }
  line(::flock(fd, LOCK_EX | LOCK_NB) == 0 ? "lock=free" : "lock=held-elsewhere");
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  const char* out_path = nullptr;
  int code = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "ids") ids();
    else if (a == "status") status();
    else if (a == "session")
      line(std::string("sid_is_pid=") + (::getsid(0) == ::getpid() ? "1" : "0") +
           " pgrp_is_pid=" + (::getpgrp() == ::getpid() ? "1" : "0"));
    else if (a == "nice") {
      errno = 0;
      line("nice=" + std::to_string(::getpriority(PRIO_PROCESS, 0)));
    } else if (a == "cwd") {
      char buf[4096];
      line(std::string("cwd=") + (::getcwd(buf, sizeof buf) ? buf : "?"));
    } else if (a == "root") {
      char buf[4096];
      ssize_t n = ::readlink("/proc/self/root", buf, sizeof buf - 1);
      line("root=" + std::string(buf, n > 0 ? static_cast<size_t>(n) : 0));
    } else if (a == "argv0") line(std::string("argv0=") + argv[0]);
    else if (a == "env") {
      for (char** e = environ; e && *e; ++e) line(std::string("env=") + *e);
    } else if (a == "fds") {
      std::string l;
      for (int fd = 0; fd < 3; ++fd)
        l += (fd ? " fd" : "fd") + std::to_string(fd) + (::fcntl(fd, F_GETFD) == -1 ? "=closed" : "=open");
      line(l);
    } else if (a == "limits") limits();
    else if (a.rfind("lock:", 0) == 0) lock(argv[i] + 5);
    else if (a.rfind("exists:", 0) == 0)
      line("exists=" + a.substr(7) + (::access(argv[i] + 7, F_OK) == 0 ? ":1" : ":0"));
    else if (a.rfind("out:", 0) == 0) out_path = argv[i] + 4;
    else if (a.rfind("exit:", 0) == 0) code = std::atoi(argv[i] + 5);
    else line("unknown=" + a);
  }
  int fd = 1;
  if (out_path) fd = ::open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) (void)!::write(fd, out.data(), out.size());
  return code;
}
