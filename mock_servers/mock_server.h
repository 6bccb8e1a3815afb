// mock_servers/mock_server.h — the MCP face of a catalog: answers requests and writes the ledger.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "mcp/server_session.h"
#include "mock_servers/behaviors.h"
#include "mock_servers/catalog.h"
#include "mock_servers/ledger.h"

namespace gatecrash::mock {

// What a handler may ask of the loop that serves it beyond answering the request at hand. One
// per process, filled by the serving loop before the first request arrives.
struct TransportHooks {
  // Runs `fn` after `delay` where handlers run. The default sleeps and then runs it inline, which
  // is right for stdio (one client, nothing else to serve meanwhile); HTTP uses a strand timer.
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> run_after =
      [](std::chrono::milliseconds delay, std::function<void()> fn) {
        std::this_thread::sleep_for(delay);
        fn();
      };
  // Sends an unrelated notification (params omitted) to every client session of the process.
  std::function<void(const std::string& method)> notify_all = [](const std::string&) {};
};

// One handler per client connection or HTTP session (`conn` names it in the ledger); the
// catalog (server state) and ledger are shared by all connections of a process. Serves
// tools/list and tools/call; every other method is -32601, as for a server that declares only
// the tools capability. `behaviors` and `hooks` are per process too and must outlive every
// handler and every answer it schedules (answers may be sent after the handler is gone).
class MockServerHandler final : public mcp::ServerHandler {
 public:
  MockServerHandler(Catalog& catalog, Ledger& ledger, std::string conn, Behaviors& behaviors,
                    const TransportHooks& hooks);

  mcp::ServerIdentity identity() const override;
  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override;
  void on_inbound(const mcp::InboundRecord& record) override;

 private:
  void refresh_behaviors();
  void list_tools(mcp::RequestContext& ctx);
  void call_tool(const std::shared_ptr<mcp::RequestContext>& ctx);
  void elicit_then_answer(const std::shared_ptr<mcp::RequestContext>& ctx, const CallPlan& plan);
  [[noreturn]] void crash_unanswered(const mcp::RequestContext& ctx);

  Catalog& catalog_;
  Ledger& ledger_;
  std::string conn_;
  Behaviors& behaviors_;
  const TransportHooks& hooks_;
};

// The ledger line for one inbound record (exposed for tests).
nlohmann::json ledger_line(const mcp::InboundRecord& record, std::string_view server, std::string_view conn);

}  // namespace gatecrash::mock
