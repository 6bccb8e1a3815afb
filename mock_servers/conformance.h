// mock_servers/conformance.h — tools, resources and prompts for the official conformance suite.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/server_session.h"
#include "mock_servers/ledger.h"

namespace gatecrash::mock {

// State one conformance mock process shares across its sessions: which connection watches which
// resource. Thread-safe, because HTTP sessions may be served from different threads.
class ConformanceState {
 public:
  // Both return whether anything changed (subscribing twice, or unsubscribing from a resource
  // one does not watch, is accepted and changes nothing).
  bool subscribe(const std::string& conn, const std::string& uri);
  bool unsubscribe(const std::string& conn, const std::string& uri);
  std::vector<std::string> subscriptions(const std::string& conn) const;  // sorted
  // Drops everything `conn` watched (its session ended).
  void forget(const std::string& conn);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::string>> subscriptions_;
};

// Serves the fixtures that `@modelcontextprotocol/conformance@0.1.16` server scenarios call (the
// names of the conformance repo's examples/servers/typescript/everything-server.ts), and writes
// one ledger line per inbound message, like MockServerHandler. One handler per connection or
// HTTP session; the logging level set with logging/setLevel is per handler.
class ConformanceHandler final : public mcp::ServerHandler {
 public:
  ConformanceHandler(ConformanceState& state, Ledger& ledger, std::string conn);
  ~ConformanceHandler() override;
  ConformanceHandler(const ConformanceHandler&) = delete;
  ConformanceHandler& operator=(const ConformanceHandler&) = delete;

  mcp::ServerIdentity identity() const override;
  void on_request(const std::shared_ptr<mcp::RequestContext>& ctx) override;
  void on_inbound(const mcp::InboundRecord& record) override;

  // Sends notifications/message for `ctx` unless `level` is below the session's logging level.
  // Returns whether it was sent.
  bool send_log(mcp::RequestContext& ctx, std::string_view level, std::string text) const;

 private:
  void list_tools(mcp::RequestContext& ctx);
  void call_tool(const std::shared_ptr<mcp::RequestContext>& ctx);
  void list_resources(mcp::RequestContext& ctx);
  void list_resource_templates(mcp::RequestContext& ctx);
  void read_resource(mcp::RequestContext& ctx);
  void subscribe(mcp::RequestContext& ctx, bool on);
  void list_prompts(mcp::RequestContext& ctx);
  void get_prompt(mcp::RequestContext& ctx);
  void complete(mcp::RequestContext& ctx);
  void set_log_level(mcp::RequestContext& ctx);

  ConformanceState& state_;
  Ledger& ledger_;
  std::string conn_;
  int min_log_severity_ = 0;  // index into the RFC 5424 levels, debug = 0: everything by default
};

// The binary fixtures, built in code rather than pasted: a valid 1x1 red PNG (zlib stored block,
// real CRCs and Adler-32) and a valid 16-bit mono PCM WAV of a few milliseconds, both base64.
std::string fixture_png_base64();
std::string fixture_wav_base64();
std::string base64_encode(std::string_view bytes);

}  // namespace gatecrash::mock
