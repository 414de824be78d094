#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "supervise/errstr.hpp"

namespace {

struct errstr_row {
  int err;
  const char* name;
  const char* text;
};

// spec/README.md §4, every row Linux defines, in the spec's order.
const std::vector<errstr_row> errstr_rows = {
    {EINTR, "EINTR", "interrupted system call"},
    {ENOMEM, "ENOMEM", "out of memory"},
    {ENOENT, "ENOENT", "file does not exist"},
    {ETXTBSY, "ETXTBSY", "text busy"},
    {EIO, "EIO", "input/output error"},
    {EEXIST, "EEXIST", "file already exists"},
    {ETIMEDOUT, "ETIMEDOUT", "timed out"},
    {EINPROGRESS, "EINPROGRESS", "operation in progress"},
    {EAGAIN, "EAGAIN", "temporary failure"},
    {EPIPE, "EPIPE", "broken pipe"},
    {EPERM, "EPERM", "permission denied"},
    {EACCES, "EACCES", "access denied"},
    {ENXIO, "ENXIO", "device not configured"},
    {EPROTO, "EPROTO", "protocol error"},
    {EISDIR, "EISDIR", "is a directory"},
    {ECONNREFUSED, "ECONNREFUSED", "connection refused"},
    {ENOTDIR, "ENOTDIR", "not a directory"},
    {ESRCH, "ESRCH", "no such process"},
    {E2BIG, "E2BIG", "argument list too long"},
    {ENOEXEC, "ENOEXEC", "exec format error"},
    {EBADF, "EBADF", "file descriptor not open"},
    {ECHILD, "ECHILD", "no child processes"},
    {EDEADLK, "EDEADLK", "operation would cause deadlock"},
    {EFAULT, "EFAULT", "bad address"},
    {ENOTBLK, "ENOTBLK", "not a block device"},
    {EBUSY, "EBUSY", "device busy"},
    {EXDEV, "EXDEV", "cross-device link"},
    {ENODEV, "ENODEV", "device does not support operation"},
    {EINVAL, "EINVAL", "invalid argument"},
    {ENFILE, "ENFILE", "system cannot open more files"},
    {EMFILE, "EMFILE", "process cannot open more files"},
    {ENOTTY, "ENOTTY", "not a tty"},
    {EFBIG, "EFBIG", "file too big"},
    {ENOSPC, "ENOSPC", "out of disk space"},
    {ESPIPE, "ESPIPE", "unseekable descriptor"},
    {EROFS, "EROFS", "read-only file system"},
    {EMLINK, "EMLINK", "too many links"},
    {EDOM, "EDOM", "input out of range"},
    {ERANGE, "ERANGE", "output out of range"},
    {EALREADY, "EALREADY", "operation already in progress"},
    {ENOTSOCK, "ENOTSOCK", "not a socket"},
    {EDESTADDRREQ, "EDESTADDRREQ", "destination address required"},
    {EMSGSIZE, "EMSGSIZE", "message too long"},
    {EPROTOTYPE, "EPROTOTYPE", "incorrect protocol type"},
    {ENOPROTOOPT, "ENOPROTOOPT", "protocol not available"},
    {EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported"},
    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT", "socket type not supported"},
    {EOPNOTSUPP, "EOPNOTSUPP", "operation not supported"},
    {EPFNOSUPPORT, "EPFNOSUPPORT", "protocol family not supported"},
    {EAFNOSUPPORT, "EAFNOSUPPORT", "address family not supported"},
    {EADDRINUSE, "EADDRINUSE", "address already used"},
    {EADDRNOTAVAIL, "EADDRNOTAVAIL", "address not available"},
    {ENETDOWN, "ENETDOWN", "network down"},
    {ENETUNREACH, "ENETUNREACH", "network unreachable"},
    {ENETRESET, "ENETRESET", "network reset"},
    {ECONNABORTED, "ECONNABORTED", "connection aborted"},
    {ECONNRESET, "ECONNRESET", "connection reset"},
    {ENOBUFS, "ENOBUFS", "out of buffer space"},
    {EISCONN, "EISCONN", "already connected"},
    {ENOTCONN, "ENOTCONN", "not connected"},
    {ESHUTDOWN, "ESHUTDOWN", "socket shut down"},
    {ETOOMANYREFS, "ETOOMANYREFS", "too many references"},
    {ELOOP, "ELOOP", "symbolic link loop"},
    {ENAMETOOLONG, "ENAMETOOLONG", "file name too long"},
    {EHOSTDOWN, "EHOSTDOWN", "host down"},
    {EHOSTUNREACH, "EHOSTUNREACH", "host unreachable"},
    {ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
    {EUSERS, "EUSERS", "too many users"},
    {EDQUOT, "EDQUOT", "disk quota exceeded"},
    {ESTALE, "ESTALE", "stale NFS file handle"},
    {EREMOTE, "EREMOTE", "too many levels of remote in path"},
    {ENOLCK, "ENOLCK", "no locks available"},
    {ENOSYS, "ENOSYS", "system call not available"},
    {ENOSTR, "ENOSTR", "not a stream device"},
    {ETIME, "ETIME", "timer expired"},
    {ENOSR, "ENOSR", "out of stream resources"},
    {ENOMSG, "ENOMSG", "no message of desired type"},
    {EBADMSG, "EBADMSG", "bad message type"},
    {EIDRM, "EIDRM", "identifier removed"},
    {ENONET, "ENONET", "machine not on network"},
    {ENOLINK, "ENOLINK", "link severed"},
    {EADV, "EADV", "advertise error"},
    {ESRMNT, "ESRMNT", "srmount error"},
    {ECOMM, "ECOMM", "communication error"},
    {EMULTIHOP, "EMULTIHOP", "multihop attempted"},
    {EREMCHG, "EREMCHG", "remote address changed"},
};

}  // namespace

TEST_CASE("errstr: runit's text for every errno of the table", "[errstr]") {
  const auto row = GENERATE(from_range(errstr_rows));
  INFO(row.name);
  CHECK(std::string(supervise::errstr(row.err)) == row.text);
}

TEST_CASE("errstr: EWOULDBLOCK reads temporary failure (EAGAIN's row wins)", "[errstr]") {
  CHECK(std::string(supervise::errstr(EWOULDBLOCK)) == "temporary failure");
}

TEST_CASE("errstr: 0 is no error", "[errstr]") {
  CHECK(std::string(supervise::errstr(0)) == "no error");
}

TEST_CASE("errstr: values runit does not list are unknown error", "[errstr]") {
  for (int err : {-1, 100000, ENOTRECOVERABLE, EKEYEXPIRED}) {
    INFO(err);
    CHECK(std::string(supervise::errstr(err)) == "unknown error");
  }
}
