// The bytes of a log directory's `current` (spec/svlogd.md §6.4, §7.1):
// queued in one buffer per directory and written once per read.
//
// runit writes each line with its own write(2) and applies the size rules
// to every write. Here a line that cannot reach a rotation (the common case)
// is one copy into the buffer; only a line that ends at or past the point
// where a rotation may happen goes through emit(), which applies runit's
// rules exactly. Without stamp and prefix the lines are written from the
// input buffer itself, without a copy.

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

#include "logdir.hpp"

namespace svlogd {

namespace {

// Pieces this large are written from where they are, not copied.
constexpr std::size_t direct_size = 4 * 1024;
// Written bytes after which the disk is asked to start writing them back.
constexpr std::size_t writeback_chunk = 1024 * 1024;

std::size_t line_length(const char* p, std::size_t left) {
  auto nl = static_cast<const char*>(std::memchr(p, '\n', left));
  return static_cast<std::size_t>(nl - p) + 1;
}

}  // namespace

// A line that leaves `current` below this size cannot rotate: neither the
// cut at s nor the check after a line end (size >= s - len, which wraps
// around when s < len, and then never fires) can apply.
unsigned long logdir::quiet_below() const noexcept {
  const unsigned long smax = cfg_.size;
  if (!smax) return ULONG_MAX;
  return smax >= set_.linelen ? smax - set_.linelen : smax;
}

void logdir::emit(std::string_view data) {
  const unsigned long smax = cfg_.size;
  if (!smax) {
    append(data);
    size_ += data.size();
    return;
  }
  while (!data.empty()) {
    if (size_ >= smax) rotate();
    std::size_t n = std::min<std::size_t>(data.size(), smax - size_);
    append(data.substr(0, n));
    size_ += n;
    const bool line_end = data[n - 1] == '\n';
    data.remove_prefix(n);
    // runit's check after each write; smax - len wraps when smax < len.
    if (line_end && size_ >= smax - set_.linelen) rotate();
  }
}

void logdir::set_stamp(std::string_view stamp) {
  deco_.assign(stamp);
  deco_ += cfg_.prefix;
}

void logdir::put_line(std::string_view a, std::string_view b) {
  const std::size_t n = deco_.size() + a.size() + b.size();
  if (size_ + n >= quiet_below() || n > buffer_size) {
    emit(deco_);
    emit(a);
    emit(b);
    return;
  }
  if (n > buffer_size - used_) flush();
  char* p = buffer_.get() + used_;
  for (std::string_view piece : {std::string_view(deco_), a, b})
    if (!piece.empty()) p = static_cast<char*>(std::memcpy(p, piece.data(), piece.size())) + piece.size();
  used_ += n;
  size_ += n;
}

void logdir::put_lines(std::string_view block) {
  if (deco_.empty()) return put_block(block);
  const std::size_t deco = deco_.size();
  const unsigned long quiet = quiet_below();
  while (!block.empty()) {
    const std::size_t len = line_length(block.data(), block.size());
    const std::size_t n = deco + len;
    if (size_ + n >= quiet || n > buffer_size - used_) {
      put_line(block.substr(0, len), {});
    } else {
      char* p = buffer_.get() + used_;
      std::memcpy(p, deco_.data(), deco);
      std::memcpy(p + deco, block.data(), len);
      used_ += n;
      size_ += n;
    }
    block.remove_prefix(len);
  }
}

// Complete lines without stamp or prefix: the block is the bytes to write.
// Up to the first line end that reaches quiet_below(), no line rotates: that
// much is one piece for emit(), which cuts it at s or rotates after it.
void logdir::put_block(std::string_view block) {
  // Without s, or with s < len, no line end rotates: emit() only cuts at s.
  if (!cfg_.size || cfg_.size < set_.linelen) return emit(block);
  const unsigned long quiet = cfg_.size - set_.linelen;
  while (!block.empty()) {
    // The first byte whose "\n" would leave current at `quiet` or more.
    const std::size_t from = size_ + 1 >= quiet ? 0 : quiet - size_ - 1;
    if (from >= block.size()) return emit(block);
    const std::size_t n = from + line_length(block.data() + from, block.size() - from);
    emit(block.substr(0, n));
    block.remove_prefix(n);
  }
}

void logdir::append(std::string_view data) {
  if (data.empty()) return;
  if (data.size() >= direct_size) {
    write_current({buffer_.get(), used_}, data);
    used_ = 0;
    return;
  }
  if (data.size() > buffer_size - used_) flush();
  std::memcpy(buffer_.get() + used_, data.data(), data.size());
  used_ += data.size();
}

void logdir::flush() {
  if (!used_ || !current_) return;
  write_current({buffer_.get(), used_}, {});
  used_ = 0;
}

// Writes `first` then `second`, in one writev(2) when both are there.
void logdir::write_current(std::string_view first, std::string_view second) {
  while (!first.empty() || !second.empty()) {
    iovec v[2] = {{const_cast<char*>(first.data()), first.size()},
                  {const_cast<char*>(second.data()), second.size()}};
    const bool both = !first.empty() && !second.empty();
    ssize_t n = ::writev(current_.get(), first.empty() ? v + 1 : v, both ? 2 : 1);
    if (n >= 0) {
      const auto done = static_cast<std::size_t>(n);
      unsynced_ += done;
      const std::size_t from_first = std::min(done, first.size());
      first.remove_prefix(from_first);
      second.remove_prefix(done - from_first);
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == ENOSPC && cfg_.min < cfg_.num && delete_for_space()) continue;
    pause("unable to write to current", err);
  }
  // The rotation's fsync() would otherwise find the whole file still to
  // write and wait for all of it; started now, the disk writes while svlogd
  // reads on. It changes nothing of what is written, nor when it is durable.
  if (unsynced_ >= writeback_chunk) {
    ::sync_file_range(current_.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    unsynced_ = 0;
  }
}

}  // namespace svlogd
