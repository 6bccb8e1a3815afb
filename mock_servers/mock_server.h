// mock_servers/mock_server.h — the MCP face of a catalog: answers requests and writes the ledger.
#pragma once

#include <string>

#include "mcp/server_session.h"
#include "mock_servers/catalog.h"
#include "mock_servers/ledger.h"

namespace gatecrash::mock {

// One handler per client connection or HTTP session (`conn` names it in the ledger); the
// catalog (server state) and ledger are shared by all connections of a process. Serves
// tools/list and tools/call; every other method is -32601, as for a server that declares only
// the tools capability.
class MockServerHandler final : public mcp::ServerHandler {
 public:
  MockServerHandler(Catalog& catalog, Ledger& ledger, std::string conn);

  mcp::ServerIdentity identity() const override;
  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override;
  void on_inbound(const mcp::InboundRecord& record) override;

 private:
  void list_tools(mcp::RequestContext& ctx);
  void call_tool(mcp::RequestContext& ctx);

  Catalog& catalog_;
  Ledger& ledger_;
  std::string conn_;
};

// The ledger line for one inbound record (exposed for tests).
nlohmann::json ledger_line(const mcp::InboundRecord& record, std::string_view server, std::string_view conn);

}  // namespace gatecrash::mock
