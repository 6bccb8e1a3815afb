// mock_servers/main.cc — gatecrash-mock: a stateful mock MCP server that ledgers every message.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mcp/stdio.h"
#include "mock_servers/behaviors.h"
#include "mock_servers/catalog.h"
#include "mock_servers/conformance.h"
#include "mock_servers/ledger.h"
#include "mock_servers/mock_server.h"
#include "mock_servers/serve_http.h"

namespace {

struct Options {
  std::string catalog;
  std::string transport = "stdio";
  std::string listen = "127.0.0.1:0";
  std::string ledger;
  std::uint64_t seed = 1;
  std::string ready_file;
  std::vector<std::string> behaviors;
  std::string control;
  bool check = false;
};

int run(const Options& options, const gatecrash::mock::BehaviorOptions& behavior_options) {
  using namespace gatecrash;
  if (options.catalog == "conformance" && behavior_options.any()) {
    throw mock::BehaviorError("--behavior is not available with --catalog conformance");
  }
  if (options.catalog == "conformance" && !options.control.empty()) {
    throw mock::BehaviorError("--control is not available with --catalog conformance");
  }
  std::unique_ptr<mock::Catalog> catalog;
  std::unique_ptr<mock::Behaviors> behaviors;
  std::unique_ptr<mock::ConformanceState> conformance;
  if (options.catalog == "conformance") {
    conformance = std::make_unique<mock::ConformanceState>();
  } else {
    catalog = mock::make_catalog(options.catalog, options.seed);
    behaviors = std::make_unique<mock::Behaviors>(behavior_options, catalog->tools());
    if (!options.control.empty()) {
      behaviors->watch_control_file(options.control, options.behaviors);
      behaviors->refresh();  // a control file already there is checked before serving
    }
  }
  if (options.check) return 0;
  if (options.ledger.empty()) throw std::invalid_argument("--ledger is required");
  mock::Ledger ledger(options.ledger);
  // Frames go through the parsing personality when one is on, or may be switched on later by the
  // control file; otherwise through the strict codec, as every real server reads them.
  mcp::FrameDecoder decoder;
  if (behaviors && (!behavior_options.parser.strict() || !options.control.empty())) {
    decoder = [&behaviors](std::string_view text, const mcp::Limits& limits) {
      return behaviors->decode(text, limits);
    };
  }
  mock::TransportHooks hooks;  // pointed at the session or the HTTP server by the serving loop
  auto make_handler = [&](const std::string& conn) -> std::unique_ptr<mcp::ServerHandler> {
    if (conformance) return std::make_unique<mock::ConformanceHandler>(*conformance, ledger, conn);
    return std::make_unique<mock::MockServerHandler>(*catalog, ledger, conn, *behaviors, hooks);
  };

  if (options.transport == "stdio") {
    auto handler = make_handler("stdio:" + std::to_string(::getpid()));
    return mcp::serve_stdio(*handler, STDIN_FILENO, STDOUT_FILENO, mcp::default_limits(),
                            [&hooks](mcp::ServerSession* session) {
                              if (session) hooks.notify_all = [session](const std::string& method) { session->notify(method); };
                              else hooks = mock::TransportHooks{};  // the session is about to go
                            },
                            decoder) == 0
               ? 0
               : 1;
  }
  return mock::serve_http(options.listen, options.ready_file, make_handler, &hooks, std::move(decoder));
}

}  // namespace

int main(int argc, char** argv) {
  // A client that goes away must not kill us mid-write; the write then fails and we exit.
  ::signal(SIGPIPE, SIG_IGN);
  // Started with fd 0, 1 or 2 closed, the ledger would get that number, and a message meant for
  // stderr would land in it: the standard descriptors are made to exist first.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && ::open("/dev/null", O_RDWR) == -1) return 2;
  }
  Options options;
  CLI::App app{"gatecrash-mock: a stateful mock MCP server that writes every received message to a ledger"};
  std::vector<std::string> names = gatecrash::mock::catalog_names();
  names.push_back("conformance");
  app.add_option("--catalog", options.catalog, "server to imitate")->required()->check(CLI::IsMember(names));
  app.add_option("--transport", options.transport, "stdio or http")->check(CLI::IsMember({"stdio", "http"}));
  app.add_option("--listen", options.listen, "HOST:PORT for http (port 0 = any free port)");
  app.add_option("--ledger", options.ledger, "JSON Lines file every received message is appended to (required unless --check)");
  app.add_option("--seed", options.seed, "seed of the server's initial state and job outcomes");
  app.add_option("--ready-file", options.ready_file, "http: write the URL here once listening");
  app.add_option("--behavior", options.behaviors,
                 "malicious or faulty upstream behaviour, repeatable (not with conformance):\n" +
                     gatecrash::mock::behavior_help())
      ->allow_extra_args(false);  // one NAME=VALUE per --behavior
  app.add_option("--control", options.control,
                 "JSON file of {\"NAME\": VALUE} behaviours, re-read when it changes: switches behaviour mid-run");
  app.add_flag("--check", options.check,
               "check the flags, behaviours and control file against the catalog, then exit (0 or 2)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return run(options, gatecrash::mock::parse_behaviors(options.behaviors));
  } catch (const std::exception& e) {
    std::cerr << "gatecrash-mock: " << e.what() << "\n";
    return 2;
  }
}
