#include "uidgid.hpp"

#include <cerrno>
#include <grp.h>
#include <optional>
#include <string_view>
#include <unistd.h>

#include "chpst.hpp"
#include "supervise/fatal.hpp"
#include "supervise/scan.hpp"

namespace chpst {

namespace {

// ":uid:gid[:gid...]" without its leading ':' (runit's uidgids_set): the uid
// must be followed by ':', each gid is a possibly empty run of digits (empty
// is 0), and the whole text must be used.
std::optional<uidgid> parse_numeric(const std::string& s) {
  unsigned long id = 0;
  std::size_t p = supervise::scan_ulong(s, id);
  if (p >= s.size() || s[p] != ':') return std::nullopt;
  uidgid ids;
  ids.uid = static_cast<uid_t>(id);
  ++p;
  for (std::size_t i = 0; i < max_groups; ++i, ++p) {
    p += supervise::scan_ulong(std::string_view(s).substr(p), id);
    ids.gids.push_back(static_cast<gid_t>(id));
    if (p >= s.size() || s[p] != ':') break;
  }
  if (p < s.size()) return std::nullopt;
  return ids;
}

[[noreturn]] void die(const std::string& msg, int err = 0) {
  throw supervise::fatal_error{exit_fatal, msg, err};
}

}  // namespace

uidgid resolve_extended(const std::string& spec, accounts& db) {
  auto fail = [&](int err) -> uidgid {
    if (err != 0) die("unable to get password/group file entry", err);
    die("unknown user/group: " + spec);
  };
  if (!spec.empty() && spec[0] == ':') {
    auto ids = parse_numeric(spec.substr(1));
    if (!ids) die("invalid uid/gids: " + spec.substr(1));
    return *ids;
  }
  auto colon = spec.find(':');
  auto user = db.user(spec.substr(0, colon));
  if (!user.value) return fail(user.err);
  uidgid ids;
  ids.uid = user.value->uid;
  if (colon == std::string::npos) {
    ids.gids = {user.value->gid};
    return ids;
  }
  // Group names only; groups after the 60th are ignored, as runit does.
  std::size_t start = colon + 1;
  while (ids.gids.size() < max_groups) {
    auto next = spec.find(':', start);
    auto group = db.group(spec.substr(start, next == std::string::npos ? std::string::npos : next - start));
    if (!group.value) return fail(group.err);
    ids.gids.push_back(*group.value);
    if (next == std::string::npos) break;
    start = next + 1;
  }
  return ids;
}

uidgid resolve_plain(const std::string& name, accounts& db) {
  auto user = db.user(name);
  if (!user.value) {
    if (user.err != 0) die("unable to get password file entry", user.err);
    die("unknown account: " + name);
  }
  return uidgid{user.value->uid, {user.value->gid}};
}

void drop_privileges(const uidgid& ids) {
  if (::setgroups(ids.gids.size(), ids.gids.data()) == -1) die("unable to setgroups", errno);
  if (::setgid(ids.gids.front()) == -1) die("unable to setgid", errno);
  if (::setuid(ids.uid) == -1) die("unable to setuid", errno);
}

}  // namespace chpst
