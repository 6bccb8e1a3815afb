// gateway/upstream_factory.h — builds the mcp::Upstream for one servers-file entry.
#pragma once

#include <memory>
#include <string>

#include "gateway/config.h"
#include "gateway/limits.h"
#include "mcp/upstream.h"

namespace boost::asio {
class io_context;
}

namespace gatecrash::gateway {

// A stdio entry becomes a StdioUpstream (a child in its own process group), an http entry an
// HttpUpstream. The gateway declares the client capabilities it can relay (sampling,
// elicitation, roots): whether a given client has them is checked per request.
std::unique_ptr<mcp::Upstream> make_upstream(boost::asio::io_context& io, const UpstreamSpec& spec,
                                             const GatewayLimits& limits, const std::string& stderr_path);

}  // namespace gatecrash::gateway
