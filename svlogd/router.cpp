#include "router.hpp"

#include <cerrno>
#include <cstring>
#include <climits>
#include <poll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "pattern.hpp"
#include "stamp.hpp"
#include "supervise/fatal.hpp"
#include "supervise/fd.hpp"

namespace svlogd {

namespace {

constexpr const char* prog = "svlogd";
// -o holds back an open line up to this size, so that the lines of services
// sharing one standard output do not mix.
constexpr std::size_t max_held_line = 128 * 1024;

// The bytes of `data` to write at once to a standard output that is not a
// regular file: a pipe takes a write of at most PIPE_BUF bytes whole, so
// that the lines of several svlogd sharing it (a container's stdout) cannot
// mix; a larger write may be split where the pipe fills, and another
// writer's bytes land inside a line. Whole lines up to PIPE_BUF bytes, or a
// longer line alone (it cannot be kept whole anyway).
std::size_t stdout_piece(std::string_view data) {
  if (data.size() <= PIPE_BUF) return data.size();
  std::size_t nl = data.substr(0, PIPE_BUF).rfind('\n');
  if (nl != std::string_view::npos) return nl + 1;
  nl = data.find('\n', PIPE_BUF);
  return nl == std::string_view::npos ? data.size() : nl + 1;
}

// The length of the first line of `block`, with its "\n" (which is there).
std::size_t line_length(std::string_view block) {
  auto nl = static_cast<const char*>(std::memchr(block.data(), '\n', block.size()));
  return static_cast<std::size_t>(nl - block.data()) + 1;
}

}  // namespace

router::router(const options& o, std::vector<std::unique_ptr<logdir>>& dirs)
    : dirs_(dirs), stamp_kind_(o.stamp), len_(o.linelen), replace_(o.replace), replacement_(o.replacement) {
  if (o.out_name) {
    out_on_ = true;
    if (!o.out_name->empty()) out_prefix_ = *o.out_name + ": ";
    struct stat st;
    out_whole_ = ::fstat(1, &st) == 0 && S_ISREG(st.st_mode);
  }
  if (replace_) {
    for (int c = 0; c < 256; ++c) replace_table_[c] = c < 32 || c > 126;
    for (unsigned char c : o.replace_set) replace_table_[c] = true;
  }
}

void router::feed(std::string_view data, const timeval& tv) {
  stamp_.clear();
  if (stamp_kind_ != stamp_kind::none) {
    stamp_ = format_stamp(stamp_kind_, tv);
    stamp_ += ' ';
  }
  for (auto& d : dirs_)
    if (d->is_open()) d->set_stamp(stamp_);
  if (line_.active) data = continue_line(data);
  if (data.empty()) return;
  // The lines that end in this read, then the one that stays open.
  const void* last = ::memrchr(data.data(), '\n', data.size());
  std::size_t whole = last ? static_cast<std::size_t>(static_cast<const char*>(last) - data.data()) + 1 : 0;
  if (whole) whole_lines(data.substr(0, whole));
  data.remove_prefix(whole);
  if (data.empty()) return;
  line_.active = true;
  line_.stamp = stamp_;
  line_.head.clear();
  line_.head_done = false;
  continue_line(data);
}

// True when every line goes to every open directory as read, with only a
// stamp and a prefix added: no replacement, no pattern, no stderr or UDP
// copy. Then each directory takes a run of lines in one call.
bool router::plain_lines() const {
  if (replace_) return false;
  for (const auto& d : dirs_) {
    if (!d->is_open()) continue;
    const config& c = d->cfg();
    if (!c.rules.empty() || d->err_selected || c.udp.sin_port != 0) return false;
  }
  return true;
}

// `block`: complete lines, the last ending in "\n".
void router::whole_lines(std::string_view block) {
  if (plain_lines()) {
    if (out_on_) copy_out(block);
    for (auto& d : dirs_)
      if (d->is_open() && d->log_selected && !d->cfg().udp_only) d->put_lines(block);
    return;
  }
  while (!block.empty()) {
    const std::size_t n = line_length(block);
    whole_line(block.substr(0, n));
    block.remove_prefix(n);
  }
}

// The -o copy of complete lines that need no replacement.
void router::copy_out(std::string_view block) {
  if (stamp_.empty() && out_prefix_.empty()) {
    out_copy_.append(block);
    return;
  }
  while (!block.empty()) {
    const std::size_t n = line_length(block);
    out_copy_ += stamp_;
    out_copy_ += out_prefix_;
    out_copy_.append(block.substr(0, n));
    block.remove_prefix(n);
  }
}

// One line that began and ended in this read, with its "\n".
void router::whole_line(std::string_view text) {
  const std::string_view line = text.substr(0, text.size() - 1);
  std::string_view head = line.substr(0, std::min(line.size(), len_));
  const std::string_view rest = text.substr(head.size());  // the tail, never replaced, and "\n"
  if (replace_) {
    replaced_.assign(head);
    for (char& c : replaced_)
      if (replace_table_[static_cast<unsigned char>(c)]) c = replacement_;
    head = replaced_;
  }
  const bool cut = head.size() == len_;
  if (out_on_) {
    out_copy_ += stamp_;
    out_copy_ += out_prefix_;
    out_copy_ += head;
    out_copy_ += rest;
  }
  // Without replacement head, tail and "\n" are one piece of the input.
  const std::string_view first = replace_ ? head : text, second = replace_ ? rest : std::string_view{};
  for (auto& d : dirs_)
    if (d->is_open() && select(*d, stamp_, head, cut)) d->put_line(first, second);
}

// A line that spans reads, piece by piece. Returns what follows its "\n"
// (nothing if it does not end in `data`).
std::string_view router::continue_line(std::string_view data) {
  const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
  std::size_t seg = nl ? static_cast<std::size_t>(nl - data.data()) : data.size();
  std::string_view part = data.substr(0, seg);
  if (!line_.head_done) {
    std::size_t take = std::min(part.size(), len_ - line_.head.size());
    std::size_t at = line_.head.size();
    line_.head.append(part.substr(0, take));
    if (replace_)
      for (std::size_t i = at; i < line_.head.size(); ++i)
        if (replace_table_[static_cast<unsigned char>(line_.head[i])]) line_.head[i] = replacement_;
    part.remove_prefix(take);
    if (line_.head.size() == len_) finish_head();
  }
  // The rest of a long line goes to the log as it is, without replacement.
  if (!part.empty()) emit_tail(part);
  if (!nl) return {};
  if (!line_.head_done) finish_head();
  emit_tail("\n");
  line_.active = false;
  return data.substr(seg + 1);
}

// The head of the open line is complete: select it per directory, copy it
// to stderr and UDP, and queue it for the directories that log it.
void router::finish_head() {
  line_.head_done = true;
  const bool cut = line_.head.size() == len_;
  if (out_on_) {
    out_copy_ += line_.stamp;
    out_copy_ += out_prefix_;
    out_copy_ += line_.head;
  }
  for (auto& dp : dirs_) {
    logdir& d = *dp;
    if (!d.is_open() || !select(d, line_.stamp, line_.head, cut)) continue;
    d.emit(line_.stamp);
    d.emit(d.cfg().prefix);
    d.emit(line_.head);
  }
}

void router::emit_tail(std::string_view data) {
  if (out_on_) out_copy_ += data;
  for (auto& d : dirs_)
    if (d->is_open() && d->log_selected && !d->cfg().udp_only) d->emit(data);
}

// Decides whether `d` logs the line (its patterns over `head`), and makes
// the stderr and UDP copies; true when the line goes to d's current.
bool router::select(logdir& d, std::string_view stamp, std::string_view head, bool cut) {
  const config& c = d.cfg();
  if (!c.rules.empty()) {
    d.log_selected = true;
    d.err_selected = false;
    for (const auto& r : c.rules) {
      if (!pattern_match(r.pattern, head)) continue;
      if (r.op == '+') d.log_selected = true;
      else if (r.op == '-') d.log_selected = false;
      else if (r.op == 'e') d.err_selected = true;
      else d.err_selected = false;
    }
  }
  if (d.err_selected) {
    // At once, as runit: a rotation's -v messages come after it.
    err_copy_.assign(stamp);
    err_copy_ += c.prefix;
    err_copy_ += head;
    if (cut) err_copy_ += "...";
    err_copy_ += '\n';
    supervise::write_all(2, err_copy_);
  }
  if (!d.log_selected) return false;
  if (c.udp.sin_port != 0) send_udp(d, stamp, head, cut);
  return !c.udp_only;
}

void router::send_udp(logdir& d, std::string_view stamp, std::string_view head, bool cut) {
  const config& c = d.cfg();
  std::string line = std::string(stamp) + c.prefix + std::string(head);
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s == -1) {
    d.emit("warning: no udp socket available: " + line + "\n");
    return;
  }
  std::string payload = line + (cut ? "..." : "") + "\n";
  ssize_t n = ::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&c.udp),
                       sizeof c.udp);
  ::close(s);
  if (n != static_cast<ssize_t>(payload.size())) d.emit("warning: failure sending through udp: " + payload);
}

void router::flush() {
  for (auto& d : dirs_) d->flush();
  write_stdout(false);
}

void router::finish() {
  flush();
  // A long line cut by EOF went out in part, as to the directories: end it,
  // so that the next writer on a shared stdout starts a line of its own.
  if (out_on_ && !out_copy_.empty() && out_copy_.back() != '\n') out_copy_ += '\n';
  write_stdout(true);
}

// -o: this read's complete lines to standard output, in one write to a
// file, else in writes of whole lines of at most PIPE_BUF bytes (a line
// still open stays queued, so that lines of services sharing the
// container's stdout do not mix, unless it is longer than a read; see
// stdout_piece). Nothing is dropped:
// EAGAIN waits for room, other errors pause 3 s and retry, as for current;
// only EPIPE/EBADF (no reader, no stdout) end the copy, with one warning.
void router::write_stdout(bool all) {
  if (!out_on_ || out_copy_.empty()) return;
  std::size_t n = out_copy_.size();
  if (!all && out_copy_.back() != '\n') {
    std::size_t nl = out_copy_.rfind('\n');
    std::size_t complete = nl == std::string::npos ? 0 : nl + 1;
    if (n - complete <= max_held_line) n = complete;
  }
  std::string_view data(out_copy_.data(), n);
  while (!data.empty()) {
    ssize_t w = ::write(1, data.data(), out_whole_ ? data.size() : stdout_piece(data));
    if (w >= 0) {
      data.remove_prefix(static_cast<std::size_t>(w));
      continue;
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      pollfd p{1, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    if (err == EPIPE || err == EBADF) {
      supervise::warn(prog, "unable to write to standard output, stopping the copy", err);
      out_on_ = false;
      out_copy_.clear();
      if (std::none_of(dirs_.begin(), dirs_.end(), [](const auto& d) { return d->is_open(); }))
        throw supervise::fatal_error{exit_fatal, "no functional log directories.", 0};
      return;
    }
    supervise::write_stderr(supervise::diagnostic(prog, "pausing", "unable to write to standard output", err));
    ::sleep(3);
  }
  out_copy_.erase(0, n);
}

}  // namespace svlogd
