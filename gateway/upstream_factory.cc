// gateway/upstream_factory.cc — servers-file entry -> StdioUpstream or HttpUpstream.
#include "gateway/upstream_factory.h"

#include "mcp/http_upstream.h"
#include "mcp/stdio_upstream.h"

namespace gatecrash::gateway {

namespace {
const mcp::Json& relayed_capabilities() {
  static const mcp::Json kCapabilities = {{"sampling", mcp::Json::object()},
                                          {"elicitation", mcp::Json::object()},
                                          {"roots", mcp::Json::object()}};
  return kCapabilities;
}
const mcp::Json kClientInfo = {{"name", "gatecrash-gateway"}, {"version", "0.1.0"}};
}  // namespace

std::unique_ptr<mcp::Upstream> make_upstream(boost::asio::io_context& io, const UpstreamSpec& spec,
                                             const GatewayLimits& limits, const std::string& stderr_path) {
  mcp::Limits upstream_limits = limits.protocol;
  upstream_limits.request_timeout = limits.upstream_timeout;
  if (spec.kind == UpstreamKind::stdio) {
    mcp::StdioUpstreamOptions options;
    options.name = spec.name;
    options.command.argv.push_back(spec.command);
    options.command.argv.insert(options.command.argv.end(), spec.args.begin(), spec.args.end());
    options.command.env = spec.env;
    options.command.working_dir = spec.cwd;
    options.command.stderr_path = stderr_path;
    options.limits = upstream_limits;
    options.capabilities = relayed_capabilities();
    options.client_info = kClientInfo;
    return std::make_unique<mcp::StdioUpstream>(io, std::move(options));
  }
  mcp::HttpUpstreamOptions options;
  options.name = spec.name;
  options.url = spec.url;
  options.headers = spec.headers;
  options.limits = upstream_limits;
  options.capabilities = relayed_capabilities();
  options.client_info = kClientInfo;
  return std::make_unique<mcp::HttpUpstream>(io, std::move(options));
}

}  // namespace gatecrash::gateway
