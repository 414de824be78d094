#pragma once

// runit's own errno texts (spec/README.md §4), not strerror().

namespace supervise {

// The runit text for errno value `err`: "file does not exist" for ENOENT,
// "no error" for 0, "unknown error" for values runit does not list.
// Async-signal-safe: returns a pointer to a static string.
const char* errstr(int err) noexcept;

}  // namespace supervise
