// fuzz/gateway_session_fuzzer.cc — one whole client session, gateway to an in-memory upstream.
//
// The input is byte 0, a header, then what the client writes on the gateway's stdin
// (newline-delimited JSON-RPC), read as the stdio front reads it: LineFramer, blank lines skipped,
// an over-limit line refused as too_large, an unterminated last line taken at EOF.
//   bits 0-1  how the bytes arrive: 0 one line per read, 1 all in one read, 2 reads of 7 bytes,
//             3 reads of 64 bytes. Each read is one io handler and posts the next when it ends,
//             so what the upstream answered meanwhile runs between two reads.
//   bit 2     the upstream answers every tools/call with a JSON-RPC error
//   bit 3     the line limit is 256 bytes (otherwise the gateway's default)
//   bit 6     at most 2 tools/call in flight per session (otherwise the default)
// Seeds start with a printable header: '0'-'3' the modes, '4' upstream errors, '8' the small
// limit, 'A' all in one read with the in-flight cap.
//
// What runs is the gateway's own session code: mcp::ServerSession + gateway::SessionHandler + the
// Gateway core and its Enforcer, with the fixed policy kPolicy and one MemoryUpstream, which
// answers tools/list and tools/call on the io_context, never inside the call. A fresh Gateway per
// input (fresh counters); one io_context stepped with poll() only. No file, socket, thread or
// timer of the target's own: approval timeouts (ClientLink::post_after) are held and fired at EOF,
// as if that much time had passed.
//
// Properties (std::abort() on violation), besides no crash or sanitizer report:
//   1. After startup only tools/call reaches the upstream, naming byte-exactly read_file,
//      send_email or deploy, with object arguments and only name/arguments/_meta, and a progress
//      token (if any) of the gateway's own; send_email at most kEmailCap times per session and
//      only with a `to` its condition admits; deploy no more often than the client answered an
//      elicitation/create the gateway sent it. delete_file (deny), secret_tool (hide) and
//      run_shell (default deny) never reach it. An upstream result reaches the client only as the
//      answer to a tools/call that named that tool byte-exactly (no case folding or trimming).
//   2. One answer per request: every line the gateway writes is valid JSON-RPC; every response
//      answers something the client sent that was still owed an answer (a request id, or an
//      id-less refusal); at EOF, once everything has run, every request not named by a
//      notifications/cancelled has been answered, every id-less refusal sent, and nothing is
//      left in flight at the upstream.
//   3. tools/list shows only read_file, send_email and deploy.
#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/gateway.h"
#include "fuzz/memory_upstream.h"
#include "fuzz/fuzz_support.h"
#include "gateway/session_handler.h"
#include "mcp/stdio.h"
#include "policy/load.h"

namespace net = boost::asio;
using namespace gatecrash;
using mcp::Json;

namespace {

using fuzzing::require;

constexpr std::string_view kPolicy = R"({
  "version": "1",
  "default": "deny",
  "hide": ["secret_tool"],
  "tools": {
    "read_file": {},
    "delete_file": {"action": "deny", "reason": "destructive"},
    "send_email": {
      "limits": [{"counter": "send_email.session", "window": "day", "max": 3, "scope": "session"}],
      "args": [{"path": "args.to", "op": "regex", "value": "^[a-z]+@example\\.com$"}]
    },
    "deploy": {"action": "approve", "reason": "a person decides"}
  }
})";
constexpr int kEmailCap = 3;  // send_email's max above; a day is far longer than any input runs
// Every tool the upstream offers. Only the first three may be listed or reach it.
constexpr std::array<std::string_view, 6> kUpstreamTools = {
    "read_file", "send_email", "deploy", "delete_file", "secret_tool", "run_shell"};
constexpr std::size_t kVisibleTools = 3;
// The memory upstream's tools/call result text: this, then the tool's name.
constexpr std::string_view kDonePrefix = "done: ";

// Loaded once: a policy is immutable and shared; each input's Gateway has its own counters.
const std::shared_ptr<const policy::Policy>& fixed_policy() {
  static const std::shared_ptr<const policy::Policy> loaded = fuzzing::load_fixed_policy(kPolicy, "gateway_session_fuzzer");
  return loaded;
}

void drain(net::io_context& io) {
  io.restart();
  io.poll();
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::optional<std::string> id_key(const Json& raw) {
  if (raw.is_number_integer()) return mcp::RequestId(raw.get<std::int64_t>()).key();
  if (raw.is_string()) return mcp::RequestId(raw.get<std::string>()).key();
  return std::nullopt;
}

// Whether send_email's arguments pass its condition, `^[a-z]+@example\.com$` on `to`.
bool admitted_recipient(const Json& arguments) {
  auto to = arguments.find("to");
  if (to == arguments.end() || !to->is_string()) return false;
  const std::string& text = to->get_ref<const std::string&>();
  constexpr std::string_view kDomain = "@example.com";
  if (text.size() <= kDomain.size() || !std::string_view(text).ends_with(kDomain)) return false;
  for (std::size_t i = 0; i + kDomain.size() < text.size(); ++i) {
    if (text[i] < 'a' || text[i] > 'z') return false;
  }
  return true;
}

// What the client sent and was answered, and what reached the upstream: the properties' state.
class SessionLedger {
 public:
  // Before the session handles a decoded line: what it owes for it, mirroring ServerSession's
  // accounting: a frame error or a refused batch gets one answer without the elements' ids;
  // otherwise each request and each invalid element gets one.
  NOT_UNDER_TEST void expect(const std::variant<mcp::Frame, mcp::DecodeError>& decoded,
                             const mcp::ServerSession& session) {
    if (auto* failure = std::get_if<mcp::DecodeError>(&decoded)) {
      owe(failure->id);
      return;
    }
    const mcp::Frame& frame = std::get<mcp::Frame>(decoded);
    if (frame.is_batch &&
        !(session.initialized() && mcp::allows_batches(session.client()->version))) {
      owe(std::nullopt);
      return;
    }
    for (const auto& element : frame.elements) {
      if (auto* failure = std::get_if<mcp::DecodeError>(&element)) {
        owe(failure->id);
        continue;
      }
      const mcp::Message& message = std::get<mcp::Message>(element);
      if (auto* request = std::get_if<mcp::Request>(&message)) {
        owe(request->id);
        if (request->method == "tools/call" && request->params.is_object() &&
            request->params.contains("name") && request->params["name"].is_string()) {
          called_[request->id.key()].insert(request->params["name"].get<std::string>());
        }
      } else if (auto* notification = std::get_if<mcp::Notification>(&message)) {
        if (notification->method == "notifications/cancelled" && notification->params.is_object() &&
            notification->params.contains("requestId")) {
          if (auto key = id_key(notification->params["requestId"])) cancelled_.insert(*key);
        }
      } else if (auto* response = std::get_if<mcp::Response>(&message)) {
        client_results_.insert(response->id.key());
      }
    }
  }

  void expect_too_large() { owe(std::nullopt); }

  // Every line the gateway writes to the client.
  NOT_UNDER_TEST void on_outbound(const mcp::Outbound& out) {
    if (out.text.empty()) return;
    auto decoded = mcp::decode_frame(out.text);
    require(std::holds_alternative<mcp::Frame>(decoded));
    for (const auto& element : std::get<mcp::Frame>(decoded).elements) {
      require(std::holds_alternative<mcp::Message>(element));
      const mcp::Message& message = std::get<mcp::Message>(element);
      if (auto* request = std::get_if<mcp::Request>(&message)) {
        if (request->method == "elicitation/create") elicitations_.insert(request->id.key());
      } else if (auto* response = std::get_if<mcp::Response>(&message)) {
        settle(response->id);
        check_listing(response->result);
        check_called_name(response->id, response->result);
      } else if (auto* error = std::get_if<mcp::ErrorResponse>(&message)) {
        settle(error->id);
      }
    }
  }

  // Every request that reaches the upstream.
  NOT_UNDER_TEST void on_forwarded(const std::string& method, const Json& params) {
    if (!serving_) {
      require(method == "tools/list");  // the gateway pinning the catalog at startup
      return;
    }
    require(method == "tools/call");
    require(params.is_object());
    for (const auto& [key, value] : params.items()) {
      require(key == "name" || key == "arguments" || key == "_meta");
    }
    auto name = params.find("name");
    require(name != params.end() && name->is_string());
    auto arguments = params.find("arguments");
    require(arguments != params.end() && arguments->is_object());
    if (auto meta = params.find("_meta"); meta != params.end()) {
      require(meta->is_object());
      if (auto token = meta->find("progressToken"); token != meta->end()) {
        require(token->is_string() && token->get_ref<const std::string&>().starts_with("gc-p-"));
      }
    }
    const std::string& tool = name->get_ref<const std::string&>();
    if (tool == "read_file") return;
    if (tool == "send_email") {
      require(++emails_ <= kEmailCap);
      require(admitted_recipient(*arguments));
      return;
    }
    require(tool == "deploy");
    ++deploys_;
  }

  void start_serving() { serving_ = true; }

  // At EOF, after everything has run.
  NOT_UNDER_TEST void check_complete() const {
    for (const auto& [key, count] : owed_) require(count == 0 || cancelled_.count(key));
    require(owed_without_id_ == 0);
    std::size_t approvable = 0;  // elicitations the client answered with a result
    for (const auto& key : elicitations_) approvable += client_results_.count(key);
    require(static_cast<std::size_t>(deploys_) <= approvable);
  }

 private:
  void owe(const std::optional<mcp::RequestId>& id) {
    if (id) {
      ++owed_[id->key()];
    } else {
      ++owed_without_id_;
    }
  }

  void settle(const std::optional<mcp::RequestId>& id) {
    if (!id) {
      require(owed_without_id_ > 0);
      --owed_without_id_;
      return;
    }
    auto it = owed_.find(id->key());
    require(it != owed_.end() && it->second > 0);
    --it->second;
  }

  // An upstream result ("done: <tool>", see MemoryUpstream) answers a tools/call that named
  // exactly that tool: the gateway matched the client's name byte for byte, not folded or trimmed.
  void check_called_name(const mcp::RequestId& id, const Json& result) const {
    if (!result.is_object() || !result.contains("content") || !result["content"].is_array() ||
        result["content"].empty()) {
      return;
    }
    const Json& first = result["content"][0];
    if (!first.is_object() || !first.contains("text") || !first["text"].is_string()) return;
    const std::string& text = first["text"].get_ref<const std::string&>();
    if (!text.starts_with(kDonePrefix)) return;
    auto names = called_.find(id.key());
    require(names != called_.end() && names->second.count(text.substr(kDonePrefix.size())));
  }

  static void check_listing(const Json& result) {
    if (!result.is_object()) return;
    auto tools = result.find("tools");
    if (tools == result.end() || !tools->is_array()) return;
    for (const Json& tool : *tools) {
      require(tool.is_object() && tool.contains("name") && tool["name"].is_string());
      const std::string& name = tool["name"].get_ref<const std::string&>();
      bool visible = false;
      for (std::size_t i = 0; i < kVisibleTools; ++i) {
        visible = visible || name == kUpstreamTools[i];
      }
      require(visible);
    }
  }

  std::map<std::string, int> owed_;  // request id key -> answers still owed
  int owed_without_id_ = 0;
  std::set<std::string> cancelled_;       // ids the client cancelled: their answers may never come
  std::set<std::string> elicitations_;    // elicitation/create ids the gateway sent
  std::set<std::string> client_results_;  // ids the client sent a result for
  std::map<std::string, std::set<std::string>> called_;  // request id key -> tool names it called
  bool serving_ = false;
  int emails_ = 0;
  int deploys_ = 0;
};

// The stdio front without its descriptors: the same framing, session and handler, fed from memory.
class MemoryFront {
 public:
  MemoryFront(net::io_context& io, gateway::Gateway& core, SessionLedger& ledger)
      : io_(io),
        ledger_(ledger),
        limits_(core.limits().protocol),
        framer_(limits_.max_message_bytes) {
    link_ = std::make_shared<gateway::ClientLink>();
    link_->identity = "fuzz-client";
    link_->session = "fuzz-session";
    link_->post = [&io](std::function<void()> fn) { net::dispatch(io, std::move(fn)); };
    link_->post_after = [this](std::chrono::milliseconds, std::function<void()> fn) {
      timers_.push_back(std::move(fn));
    };
    link_->notify = [&io, this](std::string method, Json params) {
      net::dispatch(io, [this, method = std::move(method), params = std::move(params)]() mutable {
        if (session_) session_->notify(std::move(method), std::move(params));
      });
    };
    handler_ = std::make_unique<gateway::SessionHandler>(core, link_);
    session_ = std::make_unique<mcp::ServerSession>(
        *handler_, [this](mcp::Outbound out) { ledger_.on_outbound(out); }, limits_,
        [] { return std::int64_t{0}; });
  }
  ~MemoryFront() {
    session_.reset();
    handler_.reset();
    link_->post_after = [](std::chrono::milliseconds, std::function<void()>) {};
    link_->notify = [](std::string, Json) {};
  }
  MemoryFront(const MemoryFront&) = delete;
  MemoryFront& operator=(const MemoryFront&) = delete;

  // One read's bytes, as StdioFront::State::on_bytes takes them.
  void read(std::string_view bytes) {
    framer_.feed(
        bytes, [this](std::string_view line) { receive_line(line); },
        [this](std::string_view excerpt) {
          mcp::DecodeError too_large{
              mcp::ErrorObject{mcp::error_code::kInvalidRequest,
                               "Invalid request: line exceeds the limit of " +
                                   std::to_string(limits_.max_message_bytes) + " bytes",
                               nullptr},
              std::nullopt, "too_large"};
          ledger_.expect_too_large();
          session_->receive(excerpt, too_large);
        });
  }

  // As StdioFront::State::on_eof: an unterminated last line is still a message.
  void end_of_input() {
    if (framer_.discarding() || is_blank(framer_.partial())) return;
    const std::string last = framer_.partial();
    receive_line(last);
  }

  // Approval timeouts come due, each as the io handler its timer would have run. False when none
  // was pending.
  bool fire_timers() {
    if (timers_.empty()) return false;
    for (auto& timer : std::exchange(timers_, {})) net::post(io_, std::move(timer));
    return true;
  }

 private:
  // ServerSession::receive(text) is receive(text, decode_frame(text, limits)); decoding here
  // instead lets the ledger read the very frame the session handles, without a second parse.
  void receive_line(std::string_view line) {
    if (is_blank(line)) return;
    auto decoded = mcp::decode_frame(line, limits_);
    ledger_.expect(decoded, *session_);
    session_->receive(line, std::move(decoded));
  }

  net::io_context& io_;
  SessionLedger& ledger_;
  mcp::Limits limits_;
  mcp::LineFramer framer_;
  std::shared_ptr<gateway::ClientLink> link_;
  std::unique_ptr<gateway::SessionHandler> handler_;
  std::unique_ptr<mcp::ServerSession> session_;
  std::vector<std::function<void()>> timers_;
};

// Hands the client's bytes to the front one read at a time, each read an io handler that posts the
// next: answers the upstream posted during one read run before the next read.
class ChunkedReader {
 public:
  ChunkedReader(net::io_context& io, MemoryFront& front, std::string_view bytes, std::uint8_t mode)
      : io_(io), front_(front), rest_(bytes), mode_(mode) {}

  void next() {
    if (rest_.empty()) {
      front_.end_of_input();
      return;
    }
    std::size_t n = rest_.size();
    if (mode_ == 0) n = std::min(rest_.find('\n'), rest_.size() - 1) + 1;  // through the newline
    if (mode_ == 2) n = std::min<std::size_t>(7, n);
    if (mode_ == 3) n = std::min<std::size_t>(64, n);
    front_.read(rest_.substr(0, n));
    rest_.remove_prefix(n);
    net::post(io_, [this]() { next(); });
  }

 private:
  net::io_context& io_;
  MemoryFront& front_;
  std::string_view rest_;
  std::uint8_t mode_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t header = data[0];
  const std::string_view client_bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  static net::io_context io;
  static gateway::AuditLog audit;  // disabled: writes nothing

  SessionLedger ledger;
  gateway::GatewayOptions options;
  options.servers.push_back(gateway::UpstreamSpec{});
  options.servers.back().name = "memory";
  if (header & 0x08) options.limits.protocol.max_message_bytes = 256;
  if (header & 0x40) options.limits.max_in_flight_per_session = 2;
  std::vector<std::unique_ptr<mcp::Upstream>> upstreams;
  auto upstream = std::make_unique<gatecrash::fuzzing::MemoryUpstream>(
      io, std::vector<std::string>(kUpstreamTools.begin(), kUpstreamTools.end()), (header & 0x04) != 0,
      [&ledger](const std::string& method, const Json& params) { ledger.on_forwarded(method, params); },
      [](const Json& params) { return std::string(kDonePrefix) + params.value("name", ""); });
  const gatecrash::fuzzing::MemoryUpstream& memory = *upstream;
  upstreams.push_back(std::move(upstream));
  {
    gateway::Gateway core(io, std::move(options), fixed_policy(), audit, std::move(upstreams));
    std::optional<std::optional<gateway::ConfigError>> started;
    core.start(
        [&started](std::optional<gateway::ConfigError> error) { started = std::move(error); });
    drain(io);
    require(started.has_value() && !started->has_value());
    ledger.start_serving();
    {
      MemoryFront front(io, core, ledger);
      ChunkedReader reader(io, front, client_bytes, header & 0x03);
      net::post(io, [&reader]() { reader.next(); });
      drain(io);
      for (int round = 0; round < 4 && front.fire_timers(); ++round) drain(io);
      ledger.check_complete();
      require(memory.in_flight() == 0);  // every forwarded call was answered or cancelled
    }
    core.stop([] {});
    drain(io);
  }
  drain(io);
  return 0;
}
