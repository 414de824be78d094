#include "service_table.hpp"

#include <algorithm>

namespace runsvdir {

service_entry* service_table::find(const service_key& key) {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

service_entry& service_table::add(const service_key& key) { return entries_[key]; }

void service_table::erase(const service_key& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  for (const auto& name : it->second.names) names_.erase(name);
  if (it->second.pid) pids_.erase(it->second.pid);
  entries_.erase(it);
}

std::optional<service_key> service_table::key_of(const std::string& name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::optional<service_key> service_table::link(const std::string& name, const service_key& key) {
  std::optional<service_key> orphan;
  auto it = names_.find(name);
  if (it != names_.end()) {
    if (it->second == key) return std::nullopt;
    orphan = unlink(name);
  }
  service_entry* e = find(key);
  if (!e) return orphan;
  e->names.push_back(name);
  names_.emplace(name, key);
  return orphan;
}

std::optional<service_key> service_table::unlink(const std::string& name) {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  service_key key = it->second;
  names_.erase(it);
  service_entry* e = find(key);
  if (!e) return std::nullopt;
  std::erase(e->names, name);
  if (e->names.empty()) return key;
  return std::nullopt;
}

void service_table::clear_names() {
  names_.clear();
  for (auto& [key, entry] : entries_) entry.names.clear();
}

void service_table::set_pid(const service_key& key, pid_t pid) {
  service_entry* e = find(key);
  if (!e) return;
  if (e->pid) pids_.erase(e->pid);
  e->pid = pid;
  if (pid) pids_[pid] = key;
}

std::optional<service_key> service_table::take_pid(pid_t pid) {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return std::nullopt;
  service_key key = it->second;
  pids_.erase(it);
  if (service_entry* e = find(key)) e->pid = 0;
  return key;
}

void service_table::drop_pid(const service_key& key) {
  service_entry* e = find(key);
  if (!e || !e->pid) return;
  pids_.erase(e->pid);
  e->pid = 0;
}

}  // namespace runsvdir
