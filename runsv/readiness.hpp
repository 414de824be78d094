#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "supervise/spawn.hpp"

// Beyond runit, s6's notification-fd: ./run gets the write end of a pipe as
// that descriptor and writes a newline when it is ready; runsv records it in
// supervise/ready (removed whenever ./run starts or ends). runit's status
// bytes do not change.

namespace runsv {

class readiness {
 public:
  readiness(boost::asio::io_context& io, std::string prefix) : io_(io), prefix_(std::move(prefix)) {}
  // Before ./run is spawned: forgets the last readiness and, with a
  // notification-fd file, gives `spec` the pipe's write end.
  void prepare(supervise::spawn_spec& spec);
  // ./run ended or could not start.
  void reset();

 private:
  void arm();

  boost::asio::io_context& io_;
  std::string prefix_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> pipe_;  // the read end
};

}  // namespace runsv
