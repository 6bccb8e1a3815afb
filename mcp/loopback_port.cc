// mcp/loopback_port.cc — asks the kernel for a free loopback port.
#include "mcp/loopback_port.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace gatecrash::mcp {

int free_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code error;
  const boost::asio::ip::tcp::endpoint any_port(boost::asio::ip::make_address_v4("127.0.0.1"), 0);
  acceptor.open(any_port.protocol(), error);
  if (!error) acceptor.bind(any_port, error);
  if (error) return 0;
  const int port = acceptor.local_endpoint(error).port();
  return error ? 0 : port;
}

}  // namespace gatecrash::mcp
