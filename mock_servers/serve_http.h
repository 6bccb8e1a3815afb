// mock_servers/serve_http.h — runs a mock over Streamable HTTP until SIGINT or SIGTERM.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "mcp/server_session.h"
#include "mock_servers/mock_server.h"

namespace gatecrash::mock {

using HandlerFactory = std::function<std::unique_ptr<mcp::ServerHandler>(const std::string& conn)>;

// `listen` is HOST:PORT (port 0 picks a free one). Prints "listening on URL" to stderr and, if
// `ready_file` is set, writes the URL there (atomically, by rename) once accepting. Returns the
// process exit code: 0 after a clean stop, 2 when the address is bad or cannot be bound.
// `hooks`, when given, is pointed at this server's strand timers and notify_all before the server
// accepts anything; it must outlive the call. `decoder`, when set, reads every POST body (the
// parsing personalities).
int serve_http(const std::string& listen, const std::string& ready_file,
               const HandlerFactory& make_handler, TransportHooks* hooks = nullptr,
               mcp::FrameDecoder decoder = {});

}  // namespace gatecrash::mock
