#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace test {

namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      FAIL(errno_text("write " + path));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

temp_dir::temp_dir(std::string_view tag) {
  std::string pattern = "/tmp/" + std::string(tag) + ".XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) FAIL(errno_text("mkdtemp " + pattern));
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::operator/(std::string_view rel) const {
  return path_ + "/" + std::string(rel);
}

void write_file(const std::string& path, std::string_view content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) FAIL(errno_text("open " + path));
  write_all(fd, content, path);
  if (::fchmod(fd, mode) != 0) FAIL(errno_text("fchmod " + path));
  ::close(fd);
}

void append_file(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) FAIL(errno_text("open " + path));
  write_all(fd, content, path);
  ::close(fd);
}

void write_script(const std::string& path, std::string_view body) {
  write_file(path, "#!/bin/sh\n" + std::string(body), 0755);
}

void make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) FAIL(errno_text("mkdir " + path));
  if (::chmod(path.c_str(), mode) != 0) FAIL(errno_text("chmod " + path));
}

std::optional<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  auto text = read_file(path);
  if (!text) return lines;
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t nl = text->find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text->substr(start));
      break;
    }
    lines.push_back(text->substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string runnable_by_all(const std::string& path) {
  // Built on first use (inside a test, so a failure is reported there) and
  // destroyed with the other statics when the test process exits.
  static std::unique_ptr<temp_dir> dir;
  static std::map<std::string, std::string> copies;
  if (auto it = copies.find(path); it != copies.end()) return it->second;
  std::error_code ec;
  std::string real = std::filesystem::canonical(path, ec);
  if (ec) FAIL("runnable_by_all: " << path << ": " << ec.message());
  if (!dir) {
    dir = std::make_unique<temp_dir>("runit-test-bin");
    if (::chmod(dir->path().c_str(), 0755) != 0) FAIL(errno_text("chmod " + dir->path()));
  }
  auto data = read_file(real);
  if (!data) FAIL(errno_text("read " + real));
  // The base name of the path asked for, not of the file it links to: a
  // program may look at its name (the multi-call binary is chosen by it).
  // Two paths with one base name get copies in numbered subdirectories.
  std::string name = path.substr(path.rfind('/') + 1);
  std::string copy = *dir / name;
  for (int n = 2; exists(copy); ++n) {
    std::string sub = *dir / std::to_string(n);
    if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST) FAIL(errno_text("mkdir " + sub));
    copy = sub + "/" + name;
  }
  write_file(copy, *data, 0755);
  copies.emplace(path, copy);
  return copy;
}

}  // namespace test
