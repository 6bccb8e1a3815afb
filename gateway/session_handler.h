// gateway/session_handler.h — one client session of the gateway: lists, decides, forwards.
#pragma once

#include <memory>

#include "gateway/gateway.h"
#include "mcp/server_session.h"

namespace gatecrash::gateway {

// The ServerHandler behind each client session (one per stdio gateway, one per HTTP session).
// ServerSession has already refused what is malformed (parse errors, duplicate keys, depth and
// size caps, invalid envelopes, batches the negotiated version forbids, calls before
// initialize); this decides and forwards what is left. Runs on the session's front only.
class SessionHandler final : public mcp::ServerHandler {
 public:
  // `on_close` runs when the session ends (the handler is destroyed), e.g. to count sessions.
  SessionHandler(Gateway& gateway, std::shared_ptr<ClientLink> link, std::function<void()> on_close = {});
  ~SessionHandler() override;

  mcp::ServerIdentity identity() const override { return gateway_.identity(); }
  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override;

  const std::shared_ptr<ClientLink>& link() const { return link_; }

 private:
  void list_tools(const std::shared_ptr<mcp::RequestContext>& ctx);
  void relay(const std::shared_ptr<mcp::RequestContext>& ctx);
  static bool is_relayed(const std::string& method);
  bool offered(const std::string& method) const;
  void call_tool(const std::shared_ptr<mcp::RequestContext>& ctx);
  void ask_approval(const std::shared_ptr<mcp::RequestContext>& ctx, const CatalogTool& tool,
                    policy::Call call, policy::Decision decision, Json meta);
  void forward(const std::shared_ptr<mcp::RequestContext>& ctx, const CatalogTool& tool, Json arguments,
               Json meta);
  void attach_to_client(const std::shared_ptr<mcp::RequestContext>& ctx, const std::shared_ptr<ForwardedCall>& call);

  Gateway& gateway_;
  std::shared_ptr<ClientLink> link_;
  std::function<void()> on_close_;
#ifdef GATECRASH_SEEDED_DEFECTS
  std::function<void(const mcp::ClientAnswer&)> defect_after_answer_;  // taken by the next attach_to_client
  std::uint64_t defect_batch_frame_ = 0;  // batch_first_only: the frame whose first call was allowed
#endif
};

}  // namespace gatecrash::gateway
