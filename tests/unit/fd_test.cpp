#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "supervise/fd.hpp"
#include "unit_support.hpp"

namespace {

bool is_open(int raw) { return ::fcntl(raw, F_GETFD) != -1; }

struct pipe_pair {
  supervise::fd read_end;
  supervise::fd write_end;
};

pipe_pair make_pipe(int flags = O_CLOEXEC) {
  int p[2];
  REQUIRE(::pipe2(p, flags) == 0);
  return {supervise::fd{p[0]}, supervise::fd{p[1]}};
}

}  // namespace

TEST_CASE("fd: the destructor closes the descriptor", "[fd]") {
  int raw;
  {
    auto p = make_pipe();
    raw = p.read_end.get();
    REQUIRE(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));
}

TEST_CASE("fd: a default fd is invalid and closing it is a no-op", "[fd]") {
  supervise::fd f;
  CHECK_FALSE(f);
  CHECK(f.get() == -1);
  CHECK(f.close() == 0);
}

TEST_CASE("fd: moving transfers ownership", "[fd]") {
  auto p = make_pipe();
  const int raw = p.read_end.get();
  supervise::fd moved{std::move(p.read_end)};
  CHECK_FALSE(p.read_end);
  CHECK(moved.get() == raw);
  supervise::fd assigned;
  assigned = std::move(moved);
  CHECK(assigned.get() == raw);
  CHECK_FALSE(moved);
  CHECK(is_open(raw));
}

TEST_CASE("fd: move assignment closes the descriptor it held", "[fd]") {
  auto a = make_pipe();
  auto b = make_pipe();
  const int old_raw = a.read_end.get();
  a.read_end = std::move(b.read_end);
  CHECK_FALSE(is_open(old_raw));
  CHECK(a.read_end);
}

TEST_CASE("fd: release hands the descriptor out without closing it", "[fd]") {
  auto p = make_pipe();
  const int raw = p.read_end.release();
  CHECK_FALSE(p.read_end);
  CHECK(is_open(raw));
  ::close(raw);
}

TEST_CASE("fd: close closes once and leaves the object empty", "[fd]") {
  auto p = make_pipe();
  const int raw = p.write_end.get();
  CHECK(p.write_end.close() == 0);
  CHECK_FALSE(p.write_end);
  CHECK_FALSE(is_open(raw));
  CHECK(p.write_end.close() == 0);
}

TEST_CASE("open_fd: failure gives an invalid fd and errno", "[fd]") {
  unit::temp_dir tmp;
  errno = 0;
  auto f = supervise::open_fd((tmp / "missing").c_str(), O_RDONLY);
  CHECK_FALSE(f);
  CHECK(errno == ENOENT);
}

TEST_CASE("open_fd: creates with the given mode", "[fd]") {
  unit::temp_dir tmp;
  unit::umask_guard mask(022);
  auto f = supervise::open_fd((tmp / "new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(f);
  CHECK((unit::mode_of(tmp / "new") & 07777) == 0640);
}

TEST_CASE("write_all/read_some: bytes go through a pipe, EOF reads 0", "[fd]") {
  auto p = make_pipe();
  REQUIRE(supervise::write_all(p.write_end.get(), std::string_view("hello")));
  p.write_end.close();
  std::vector<std::byte> buf(16);
  CHECK(supervise::read_some(p.read_end.get(), buf) == 5);
  CHECK(std::string(reinterpret_cast<const char*>(buf.data()), 5) == "hello");
  CHECK(supervise::read_some(p.read_end.get(), buf) == 0);
}

TEST_CASE("write_all: a full non-blocking pipe fails with EAGAIN", "[fd]") {
  auto p = make_pipe(O_CLOEXEC | O_NONBLOCK);
  const std::string big(1 << 20, 'x');
  errno = 0;
  CHECK_FALSE(supervise::write_all(p.write_end.get(), big));
  CHECK(errno == EAGAIN);
}

TEST_CASE("read_some: an empty non-blocking pipe fails with EAGAIN", "[fd]") {
  auto p = make_pipe(O_CLOEXEC | O_NONBLOCK);
  std::vector<std::byte> buf(4);
  CHECK(supervise::read_some(p.read_end.get(), buf) == -1);
  CHECK(errno == EAGAIN);
}

TEST_CASE("write_all: a closed descriptor fails with EBADF", "[fd]") {
  auto p = make_pipe();
  const int raw = p.write_end.get();
  p.write_end.close();
  CHECK_FALSE(supervise::write_all(raw, std::string_view("x")));
  CHECK(errno == EBADF);
}

TEST_CASE("set_cloexec: sets and clears FD_CLOEXEC", "[fd]") {
  auto p = make_pipe(0);
  const int raw = p.read_end.get();
  CHECK((::fcntl(raw, F_GETFD) & FD_CLOEXEC) == 0);
  REQUIRE(supervise::set_cloexec(raw));
  CHECK((::fcntl(raw, F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(supervise::set_cloexec(raw, false));
  CHECK((::fcntl(raw, F_GETFD) & FD_CLOEXEC) == 0);
}

TEST_CASE("set_nonblock: sets and clears O_NONBLOCK", "[fd]") {
  auto p = make_pipe();
  const int raw = p.read_end.get();
  REQUIRE(supervise::set_nonblock(raw));
  CHECK((::fcntl(raw, F_GETFL) & O_NONBLOCK) != 0);
  REQUIRE(supervise::set_nonblock(raw, false));
  CHECK((::fcntl(raw, F_GETFL) & O_NONBLOCK) == 0);
}

TEST_CASE("set_cloexec/set_nonblock: a bad descriptor fails with EBADF", "[fd]") {
  auto p = make_pipe();
  const int raw = p.read_end.get();
  p.read_end.close();
  CHECK_FALSE(supervise::set_cloexec(raw));
  CHECK(errno == EBADF);
  CHECK_FALSE(supervise::set_nonblock(raw));
  CHECK(errno == EBADF);
}
