// mcp/loopback_port.h — a free TCP port on 127.0.0.1, for starting servers that take a fixed port.
#pragma once

namespace gatecrash::mcp {

// Binds 127.0.0.1:0, reads the port the kernel chose and closes the socket. Another process can
// take the port before the caller's server binds it, so callers retry on a bind failure.
// Returns 0 when no port could be had.
int free_loopback_port();

}  // namespace gatecrash::mcp
