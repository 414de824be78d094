#pragma once

#include <optional>
#include <sys/types.h>
#include <vector>

// What a PID 1 in a container needs (beyond runit): knowing it is one, the
// exit code the container should end with, and its children.

namespace supervise {

// The file holding the exit code a container's PID 1 ends with (decimal);
// stage 2, stage 3, a finish script or runsv (essential services) write it.
inline constexpr const char* exit_code_file = RUNIT_EXITCODE_FILE;

// The file that forces the choice either way (beyond runit): "0" or "no"
// in it means a real machine, anything else (an empty file too) a container.
inline constexpr const char* container_mode_file = RUNIT_CONTAINER_FILE;

enum class container_choice { container, machine, unknown };

// The explicit choice, if any: $RUNIT_CONTAINER ("1"/"yes" or "0"/"no"),
// else container_mode_file.
container_choice container_override();

// True when this process runs in a PID namespace other than the initial
// one (/proc/self/ns/pid differs from the host's); false on a real machine
// and when /proc is not mounted.
bool in_pid_namespace();

// True when this process runs in a container: the explicit choice if one
// was made, else a PID namespace of its own, else the marks container
// runtimes leave (/.dockerenv, /run/.containerenv, $container). Asked when
// it matters, not once at boot: /proc may be mounted only by stage 1.
bool in_container_environment();

// True when this process is PID 1 of a container: a container's init.
bool in_container();

// The number in exit_code_file, if it holds one (0..255).
std::optional<int> read_exit_code();
// Writes `code` to exit_code_file (via a temporary and rename).
void write_exit_code(int code);

// The pids whose parent is `parent`, from /proc.
std::vector<pid_t> children_of(pid_t parent);

// An exit status as a shell reports it: the code, or 128 + the signal.
int exit_code_of(int wait_status) noexcept;

}  // namespace supervise
