#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "accounts.hpp"

// User and group specifications (spec/chpst.md §4) and the ids they name.

namespace chpst {

// At most this many groups are used (runit's limit).
inline constexpr std::size_t max_groups = 60;

struct uidgid {
  uid_t uid = 0;
  std::vector<gid_t> gids;  // never empty once resolved; gids[0] is the gid
};

// Resolves chpst's -u/-U form: "user", "user:group[:group...]" (names), or
// ":uid:gid[:gid...]" (numbers, nothing looked up). Throws fatal_error(111)
// with runit's "invalid uid/gids", "unable to get password/group file
// entry" or "unknown user/group" message.
uidgid resolve_extended(const std::string& spec, accounts& db);

// Resolves the setuidgid/envuidgid form: the whole text is a user name, the
// gid is its primary group. Throws "unable to get password file entry" or
// "unknown account".
uidgid resolve_plain(const std::string& name, accounts& db);

// setgroups(exactly ids.gids), setgid(gids[0]), setuid(uid), in that order,
// each checked: a failure throws before anything later runs.
void drop_privileges(const uidgid& ids);

}  // namespace chpst
