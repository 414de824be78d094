#pragma once

// runit-init (spec/runit.md §3): as process 1 it becomes runit; otherwise
// "runit-init 0" asks runit to halt and "runit-init 6" to reboot, through the
// stopit/reboot flag files and a CONT to process 1.

namespace runit {

inline constexpr int init_exit_ok = 0;
inline constexpr int init_exit_usage = 0;  // sic: runit's usage exits 0
inline constexpr int init_exit_fail = 111;

int init_main(int argc, char** argv);

}  // namespace runit
