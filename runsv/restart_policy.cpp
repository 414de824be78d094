#include "restart_policy.hpp"

#include <algorithm>

namespace runsv {

restart_decision decide_restart(restart_history& h, const restart_config& cfg,
                                std::chrono::steady_clock::time_point now) {
  restart_decision d;
  if (cfg.limit && cfg.limit->first > 0) {
    h.exits.push_back(now);
    while (!h.exits.empty() && now - h.exits.front() > std::chrono::seconds(cfg.limit->second))
      h.exits.pop_front();
    if (h.exits.size() >= static_cast<std::size_t>(cfg.limit->first)) {
      h.exits.clear();
      h.backoff_step = 0;
      d.give_up = true;
      d.policy = "given-up\n";
      return d;
    }
  }
  if (cfg.backoff && cfg.backoff->first > 0) {
    const std::chrono::milliseconds first{cfg.backoff->first};
    const std::chrono::milliseconds most{std::max(cfg.backoff->second, cfg.backoff->first)};
    if (now - h.run_started >= most) h.backoff_step = 0;
    d.delay = first;
    for (int i = 0; i < h.backoff_step && d.delay < most; ++i) d.delay *= 2;
    d.delay = std::min(d.delay, most);
    ++h.backoff_step;
  }
  if (!h.exits.empty() || d.delay.count())
    d.policy = "exits " + std::to_string(h.exits.size()) + " backoff " + std::to_string(d.delay.count()) + "\n";
  return d;
}

}  // namespace runsv
