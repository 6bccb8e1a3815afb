// harness/transcript.h — what the client engine sent and received during one scenario run.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gatecrash::harness {

using Json = nlohmann::json;

// One tools/call the harness sent (alone, pipelined, in a batch, or followed by a cancel).
struct CallRecord {
  int index = 0;  // order of sending within the scenario
  int step = 0;
  std::string session;
  std::string session_key;   // the session instance: a reconnect under one name is a new session
  std::string identity;
  std::string attack;
  std::string tool;          // as the scenario names it (upstream name)
  std::string exposed_tool;  // as sent to the gateway (after the profile's tool_names)
  Json arguments;
  std::string trace_id;      // 32 hex digits, in params._meta.traceparent
  std::string request_id;    // the JSON-RPC id as text
  std::string expect;        // "forwarded", "refused" or ""
  bool in_batch = false;
  bool cancelled = false;
  std::int64_t sent_ms = 0;
  std::int64_t sent_wall_ns = 0;  // CLOCK_REALTIME when sent, comparable with ledger t_ns
  std::int64_t answered_ms = -1;
  Json response;             // the first answer (null when none came)
  int answers = 0;           // how many answers carried this id
  int http_status = 0;
};

// Exact bytes sent by a `raw` step and what came back.
struct RawRecord {
  int step = 0;
  std::string session;
  std::string attack;
  std::string preview;  // the first bytes, printable
  std::vector<std::string> answers;
  std::optional<int> expect_error;
  bool expect_no_response = false;
  int http_status = 0;
  bool sent = true;
};

// A tools/list and its expectations.
struct ListRecord {
  int step = 0;
  std::string session;
  std::string attack;
  std::vector<std::string> tools;
  std::vector<std::string> expect_absent;
  std::vector<std::string> expect_present;
  std::string error;  // "" when the listing succeeded
};

// Something the protocol oracle must hear about that was seen while running.
struct ProtocolEvent {
  std::string session;
  std::string attack;
  std::string text;
};

class Transcript {
 public:
  Transcript() : start_(std::chrono::steady_clock::now()) {}
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  // A line of the human-readable transcript: "+123ms main > {...}".
  void log(const std::string& session, char direction, const std::string& text) {
    std::string line = "+" + std::to_string(now_ms()) + "ms " + session + " " + direction + " ";
    line += text.size() > 2000 ? text.substr(0, 2000) + "...(" + std::to_string(text.size()) + " bytes)" : text;
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  void event(ProtocolEvent event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  int add_call(CallRecord call) {
    std::lock_guard lock(mutex_);
    call.index = static_cast<int>(calls_.size());
    calls_.push_back(std::move(call));
    return static_cast<int>(calls_.size()) - 1;
  }
  template <typename Update>
  void update_call(int index, Update&& update) {
    std::lock_guard lock(mutex_);
    update(calls_[static_cast<std::size_t>(index)]);
  }
  void add_raw(RawRecord raw) {
    std::lock_guard lock(mutex_);
    raws_.push_back(std::move(raw));
  }
  void add_list(ListRecord list) {
    std::lock_guard lock(mutex_);
    lists_.push_back(std::move(list));
  }
  // Read after the run (no more writers).
  const std::vector<CallRecord>& calls() const { return calls_; }
  const std::vector<RawRecord>& raws() const { return raws_; }
  const std::vector<ListRecord>& lists() const { return lists_; }
  const std::vector<ProtocolEvent>& events() const { return events_; }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::vector<CallRecord> calls_;
  std::vector<RawRecord> raws_;
  std::vector<ListRecord> lists_;
  std::vector<ProtocolEvent> events_;
  std::vector<std::string> lines_;
};

}  // namespace gatecrash::harness
