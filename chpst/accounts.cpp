#include "accounts.hpp"

#include <cerrno>
#include <utility>

#include "account_file.hpp"

#ifndef CHPST_FILE_ACCOUNTS
#include <grp.h>
#include <pwd.h>
#endif

namespace chpst {

#ifndef CHPST_FILE_ACCOUNTS
lookup<user_ids> system_accounts::user(const std::string& name) {
  errno = 0;
  const struct passwd* pw = ::getpwnam(name.c_str());
  if (pw == nullptr) return {std::nullopt, errno};
  return {user_ids{pw->pw_uid, pw->pw_gid}, 0};
}

lookup<gid_t> system_accounts::group(const std::string& name) {
  errno = 0;
  const struct group* gr = ::getgrnam(name.c_str());
  if (gr == nullptr) return {std::nullopt, errno};
  return {gr->gr_gid, 0};
}
#endif

file_accounts::file_accounts(std::string passwd, std::string group)
    : passwd_(std::move(passwd)), group_(std::move(group)) {}

lookup<user_ids> file_accounts::user(const std::string& name) {
  auto text = slurp(passwd_.c_str());
  if (!text) return {std::nullopt, errno};
  auto entry = find_passwd(*text, name);
  if (!entry) return {};
  return {user_ids{entry->uid, entry->gid}, 0};
}

lookup<gid_t> file_accounts::group(const std::string& name) {
  auto text = slurp(group_.c_str());
  if (!text) return {std::nullopt, errno};
  auto entry = find_group(*text, name);
  if (!entry) return {};
  return {entry->gid, 0};
}

std::unique_ptr<accounts> default_accounts() {
#ifdef CHPST_FILE_ACCOUNTS
  return std::make_unique<file_accounts>();
#else
  return std::make_unique<system_accounts>();
#endif
}

}  // namespace chpst
