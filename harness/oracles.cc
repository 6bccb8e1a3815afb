// harness/oracles.cc — no-leak, cap, liveness, protocol, integrity and expect checks.
#include "harness/oracles.h"

#include <algorithm>
#include <map>

#include "harness/json_fields.h"
#include "harness/policy_judge.h"

namespace gatecrash::harness {
namespace {

using Json = nlohmann::json;

// Methods a client may always cause upstream; anything else reaching a mock under default deny
// is an unlisted method the gateway let through (attack A8).
const std::set<std::string> kAlwaysForwardable = {
    "initialize", "ping", "tools/list", "tools/call", "notifications/initialized", "notifications/cancelled",
    "notifications/progress", "notifications/roots/list_changed"};

std::string excerpt(const std::string& text, std::size_t limit = 600) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

bool is_refusal(const CallRecord& call) {
  const Json& response = call.response;
  if (call.http_status >= 400) return true;
  if (!response.is_object()) return false;
  if (response.contains("error")) return true;
  return bool_field(any_field(response, "result"), "isError");
}

std::string call_evidence(const CallRecord& call) {
  Json sent = {{"tool", call.exposed_tool}, {"arguments", call.arguments}, {"session", call.session_key},
               {"identity", call.identity}, {"id", call.request_id}};
  std::string text = "sent +" + std::to_string(call.sent_ms) + "ms " + sent.dump();
  text += call.answers == 0 ? " -> no answer" : " -> " + excerpt(call.response.dump(-1, ' ', false, Json::error_handler_t::replace), 400);
  return text;
}

std::string list_evidence(const ListRecord& list) {
  std::string names;
  for (const auto& name : list.tools) names += (names.empty() ? "" : ", ") + name;
  return "transcript: step " + std::to_string(list.step) + " session " + list.session + " tools/list -> " +
         (list.error.empty() ? std::to_string(list.tools.size()) + " tools: " + excerpt(names, 400) : "error " + excerpt(list.error, 400));
}

class Judge {
 public:
  Judge(const OracleInput& input, ScenarioResult& result) : in_(input), out_(result) {}

  void run() {
    correlate();
    classify_calls();
    check_no_leak();
    check_caps();
    check_liveness();
    check_protocol();
    check_integrity();
    if (in_.judge_scenario_expectations) {
      check_expectations();
    } else {
      out_.notes.push_back({"expect", "the scenario's own expectations were not judged: another policy replaced the scenario's"});
    }
    check_audit();
    for (const auto& name : {"no-leak", "cap", "liveness", "protocol", "integrity"}) {
      out_.oracles.push_back({name, checks_[name], failures_[name]});
    }
    if (in_.audit_lines != nullptr) out_.oracles.push_back({"audit", checks_["audit"], failures_["audit"]});
    if (in_.scenario.expect.is_object() && in_.judge_scenario_expectations) {
      out_.oracles.push_back({"expect", checks_["expect"], failures_["expect"]});
    }
  }

 private:
  void finding(const std::string& oracle, const std::string& attack, const std::string& summary, std::vector<std::string> evidence) {
    ++failures_[oracle];
    const std::string attack_id = attack.empty() && !in_.scenario.attacks.empty() ? in_.scenario.attacks.front() : attack;
    // The same complaint about many calls (80 unanswered calls, say) is one finding with the
    // count and the first few pieces of evidence: one replay reproduces all of them.
    for (Finding& earlier : out_.findings) {
      if (earlier.oracle != oracle || earlier.attack != attack_id || earlier.summary != summary) continue;
      ++earlier.occurrences;
      for (auto& line : evidence) {
        if (earlier.evidence.size() < kEvidencePerFinding) earlier.evidence.push_back(std::move(line));
      }
      return;
    }
    Finding item;
    item.oracle = oracle;
    item.attack = attack_id;
    item.scenario = in_.scenario.id;
    item.summary = summary;
    item.evidence = std::move(evidence);
    out_.findings.push_back(std::move(item));
  }
  static constexpr std::size_t kEvidencePerFinding = 8;
  std::string default_attack() const { return in_.scenario.attacks.empty() ? "" : in_.scenario.attacks.front(); }

  // Ledger lines are linked to calls by the trace id the harness put in _meta.traceparent.
  void correlate() {
    std::map<std::string, int> by_trace;
    for (const auto& call : in_.transcript.calls()) by_trace[call.trace_id] = call.index;
    ledger_of_call_.assign(in_.transcript.calls().size(), {});
    call_of_entry_.assign(in_.ledger.size(), -1);
    for (std::size_t i = 0; i < in_.ledger.size(); ++i) {
      const auto& entry = in_.ledger[i];
      if (!entry.is_call()) continue;
      ++out_.ledger_calls;
      auto it = by_trace.find(entry.trace_id);
      if (it == by_trace.end()) continue;
      call_of_entry_[i] = it->second;
      ledger_of_call_[static_cast<std::size_t>(it->second)].push_back(static_cast<int>(i));
      correlated_ = true;
    }
  }

  void classify_calls() {
    for (const auto& call : in_.transcript.calls()) {
      CallVerdict verdict;
      const auto& entries = ledger_of_call_[static_cast<std::size_t>(call.index)];
      if (call.answers != 1) {
        verdict = CallVerdict::lost;
      } else if (!entries.empty()) {
        const bool upstream_ok = in_.ledger[static_cast<std::size_t>(entries.front())].outcome == "ok";
        verdict = is_refusal(call) && upstream_ok ? CallVerdict::leaked : CallVerdict::forwarded;
      } else if (correlated_ || in_.ledger.empty() || out_.ledger_calls == 0) {
        verdict = is_refusal(call) ? CallVerdict::refused : CallVerdict::forwarded;
      } else {
        verdict = is_refusal(call) ? CallVerdict::refused : CallVerdict::forwarded;  // no correlation: by answer
      }
      verdicts_.push_back(verdict);
      ++out_.verdicts[std::string(to_string(verdict))];
      const StaticVerdict judged =
          judge_call(in_.policy, call.tool, call.arguments.is_object() ? call.arguments : Json::object()).verdict;
      out_.timeline.push_back(
          {call.sent_ms, call.tool, verdict, call.identity, call.session_key, call.attack, std::string(to_string(judged))});
    }
    collect_cap_lines();
  }

  // The limits the scenario's calls are charged to by the policy, for the report's timelines.
  void collect_cap_lines() {
    std::map<std::string, std::size_t> line_of_counter;
    for (const auto& call : in_.transcript.calls()) {
      const Judgement judgement = judge_call(in_.policy, call.tool, call.arguments.is_object() ? call.arguments : Json::object());
      if (judgement.verdict != StaticVerdict::allowed) continue;
      for (const auto* limit : judgement.limits) {
        auto [it, added] = line_of_counter.try_emplace(limit->counter, out_.caps.size());
        if (added) {
          out_.caps.push_back({limit->counter, {}, limit->max,
                               std::chrono::duration_cast<std::chrono::milliseconds>(limit->window.length).count(),
                               policy::window_name(limit->window.length), std::string(policy::to_string(limit->window.mode)),
                               std::string(policy::to_string(limit->scope))});
        }
        auto& tools = out_.caps[it->second].tools;
        if (std::find(tools.begin(), tools.end(), call.tool) == tools.end()) tools.push_back(call.tool);
      }
    }
    for (auto& line : out_.caps) std::sort(line.tools.begin(), line.tools.end());
  }

  const CallRecord* call_for_entry(std::size_t entry) const {
    const int index = call_of_entry_[entry];
    return index < 0 ? nullptr : &in_.transcript.calls()[static_cast<std::size_t>(index)];
  }

  void check_no_leak() {
    // Group leaks by (tool, rule) so a burst of 100 leaked calls is one finding with a count.
    struct Leak {
      std::string attack;
      std::string why;
      int count = 0;
      std::vector<std::string> evidence;
    };
    std::map<std::string, Leak> leaks;
    for (std::size_t i = 0; i < in_.ledger.size(); ++i) {
      const auto& entry = in_.ledger[i];
      if (entry.kind == "invalid") {
        ++checks_["no-leak"];
        auto& leak = leaks["invalid"];
        leak.attack = default_attack();
        leak.why = "malformed input reached upstream (a strict gateway refuses it before forwarding)";
        ++leak.count;
        if (leak.evidence.size() < 3) leak.evidence.push_back("ledger: " + excerpt(entry.text));
        continue;
      }
      if (entry.kind == "request" && !kAlwaysForwardable.contains(entry.method) &&
          in_.policy.default_action == policy::DefaultAction::deny) {
        ++checks_["no-leak"];
        auto& leak = leaks["method " + entry.method];
        leak.attack = default_attack();
        leak.why = "the method " + entry.method + " reached upstream under default deny";
        ++leak.count;
        if (leak.evidence.size() < 3) leak.evidence.push_back("ledger: " + excerpt(entry.text));
        continue;
      }
      if (!entry.is_call()) continue;
      ++checks_["no-leak"];
      const CallRecord* call = call_for_entry(i);
      const Json arguments = entry.arguments.is_object() ? entry.arguments : Json::object();
      Judgement judgement = judge_call(in_.policy, entry.tool, arguments);
      std::string why;
      if (judgement.verdict != StaticVerdict::allowed) {
        why = "\"" + entry.tool + "\" reached upstream although the policy says " + std::string(to_string(judgement.verdict)) +
              " (rule " + judgement.rule + ": " + judgement.why + ")";
      } else {
        for (const auto* limit : judgement.limits) {
          if (limit->increment_from && !charged_units(*limit, arguments)) {
            why = "\"" + entry.tool + "\" reached upstream with an increment_from value that is not a non-negative integer (rule " +
                  limit->rule + ")";
            break;
          }
        }
      }
      if (why.empty()) continue;
      auto& leak = leaks[entry.tool + "|" + judgement.rule + "|" + why];
      leak.attack = call != nullptr ? call->attack : default_attack();
      leak.why = why;
      ++leak.count;
      if (leak.evidence.size() < 3) {
        leak.evidence.push_back("ledger: " + excerpt(entry.text));
        if (call != nullptr) leak.evidence.push_back("transcript: " + call_evidence(*call));
      }
    }
    for (auto& [key, leak] : leaks) {
      finding("no-leak", leak.attack, leak.why + (leak.count > 1 ? " (" + std::to_string(leak.count) + " times)" : ""),
              std::move(leak.evidence));
    }
    // What tools/list showed must match what the policy hides and denies.
    for (const auto& list : in_.transcript.lists()) {
      ++checks_["no-leak"];
      for (const auto& name : list.tools) {
        // The judge's own reading (not policy::visible_in_listing, which the gateway uses): a
        // tool the policy hides or denies outright must not be listed.
        const StaticVerdict verdict = judge_call(in_.policy, name, Json::object()).verdict;
        if (verdict == StaticVerdict::hidden || verdict == StaticVerdict::denied) {
          finding("no-leak", list.attack, "tools/list shows \"" + name + "\", which the policy hides or denies", {list_evidence(list)});
        }
      }
      for (const auto& name : list.expect_absent) {
        if (!in_.judge_scenario_expectations) break;
        if (std::find(list.tools.begin(), list.tools.end(), name) != list.tools.end()) {
          finding("no-leak", list.attack, "tools/list shows \"" + name + "\", which the scenario expects absent", {list_evidence(list)});
        }
      }
    }
    for (std::size_t i = 0; i < verdicts_.size(); ++i) {
      const auto& call = in_.transcript.calls()[i];
      if (in_.judge_scenario_expectations && call.expect == "refused" && verdicts_[i] == CallVerdict::forwarded) {
        ++checks_["no-leak"];
        finding("no-leak", call.attack, "a call the scenario expects refused was forwarded", {"transcript: " + call_evidence(call)});
      }
    }
  }

  // The scope key a charge belongs to: identity (grant), session instance (session), or one key.
  std::optional<std::string> scope_key(const policy::Limit& limit, const CallRecord* call) const {
    switch (limit.scope) {
      case policy::Scope::global: return std::string("global");
      case policy::Scope::grant:
        if (call != nullptr) return "identity " + call->identity;
        if (in_.scenario.identities.size() == 1) return "identity " + in_.scenario.identities.front();
        return std::nullopt;
      case policy::Scope::session:
        if (call != nullptr) return "session " + call->session_key;
        return std::nullopt;
    }
    return std::nullopt;
  }

  void check_caps() {
    auto& charges = charges_;
    std::map<std::string, const policy::Limit*> limit_of_counter;
    int uncorrelated = 0;
    for (std::size_t i = 0; i < in_.ledger.size(); ++i) {
      const auto& entry = in_.ledger[i];
      if (!entry.is_call()) continue;
      const Json arguments = entry.arguments.is_object() ? entry.arguments : Json::object();
      Judgement judgement = judge_call(in_.policy, entry.tool, arguments);
      if (judgement.verdict != StaticVerdict::allowed) continue;  // no-leak's business
      const CallRecord* call = call_for_entry(i);
      for (const auto* limit : judgement.limits) {
        auto key = scope_key(*limit, call);
        if (!key) {
          ++uncorrelated;
          // Whose it was is unknown (a raw step's call carries no trace): liveness counts it
          // against every key of the counter, which can only excuse more refusals.
          const std::int64_t units = std::min<std::int64_t>(charged_units(*limit, arguments).value_or(0), limit->max + 1);
          uncorrelated_charges_[limit->counter].push_back({entry.t_ns, units, i});
          continue;
        }
        limit_of_counter[limit->counter] = limit;
        // Clamped to max + 1: enough to show an excess, and sums cannot overflow.
        const std::int64_t units = std::min<std::int64_t>(charged_units(*limit, arguments).value_or(0), limit->max + 1);
        charges[{limit->counter, *key}].push_back({entry.t_ns, units, i});
      }
    }
    if (uncorrelated > 0) {
      out_.notes.push_back({"cap", std::to_string(uncorrelated) +
                                       " ledger charges could not be tied to an identity or session (the gateway did not "
                                       "forward _meta.traceparent); their scopes were not checked"});
    }
    for (auto& counter_charges : charges) {
      // Not a structured binding: clang 14 (Debian 12) cannot capture one in the lambdas below.
      const auto& counter_key = counter_charges.first;
      auto& list = counter_charges.second;
      const policy::Limit& limit = *limit_of_counter[counter_key.first];
      std::sort(list.begin(), list.end(), [](const Charge& a, const Charge& b) { return a.t_ns < b.t_ns; });
      ++checks_["cap"];
      const std::int64_t window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(limit.window.length).count();
      // Ledger times are when the mock received a call, a little after the gateway decided; an
      // interval shortened by that slack is sound for both window kinds (see docs/harness.md).
      const std::int64_t slack_ns = std::min<std::int64_t>(window_ns / 4, static_cast<std::int64_t>(250'000'000 * in_.time_scale));
      auto worst_sliding = [&](std::int64_t length) {
        std::int64_t best = 0, sum = 0;
        std::size_t best_end = 0;
        for (std::size_t lo = 0, hi = 0; hi < list.size(); ++hi) {
          sum += list[hi].units;
          while (list[hi].t_ns - list[lo].t_ns >= length) sum -= list[lo++].units;
          if (sum > best) {
            best = sum;
            best_end = hi;
          }
        }
        return std::pair{best, best_end};
      };
      const auto [sliding_worst, sliding_end] = worst_sliding(window_ns - slack_ns);
      const std::string where = "counter " + counter_key.first + " (" + counter_key.second + ", max " + std::to_string(limit.max) +
                                " per " + policy::window_name(limit.window.length) + ", " +
                                std::string(policy::to_string(limit.window.mode)) + ")";
      auto evidence_near = [&](std::size_t end) {
        std::vector<std::string> evidence;
        for (std::size_t k = end >= 2 ? end - 2 : 0; k <= end && k < list.size(); ++k) {
          evidence.push_back("ledger: " + excerpt(in_.ledger[list[k].entry].text));
        }
        return evidence;
      };
      if (limit.window.mode == policy::WindowMode::sliding) {
        if (sliding_worst > limit.max) {
          finding("cap", attack_for_entry(list[sliding_end].entry),
                  where + ": " + std::to_string(sliding_worst) + " units reached upstream within one window", evidence_near(sliding_end));
        }
        continue;
      }
      // Fixed windows: count only what is surely inside each calendar bucket.
      std::map<std::int64_t, std::pair<std::int64_t, std::size_t>> buckets;
      for (std::size_t k = 0; k < list.size(); ++k) {
        const std::int64_t bucket = list[k].t_ns / window_ns;
        if (list[k].t_ns - bucket * window_ns < slack_ns) continue;
        auto& [sum, last] = buckets[bucket];
        sum += list[k].units;
        last = k;
      }
      for (const auto& [bucket, totals] : buckets) {
        if (totals.first > limit.max) {
          finding("cap", attack_for_entry(list[totals.second].entry),
                  where + ": " + std::to_string(totals.first) + " units reached upstream in one calendar window", evidence_near(totals.second));
        }
      }
      const auto [strict, strict_end] = worst_sliding(window_ns);
      if (strict > limit.max) {
        out_.notes.push_back({"cap", where + ": fixed windows let " + std::to_string(strict) + " units through within one " +
                                         policy::window_name(limit.window.length) + " across a boundary (strict sliding bound " +
                                         std::to_string(limit.max) + ")"});
      }
    }
  }

  std::string attack_for_entry(std::size_t entry) const {
    const CallRecord* call = call_for_entry(entry);
    return call != nullptr ? call->attack : default_attack();
  }

  void check_liveness() {
    for (const auto& list : in_.transcript.lists()) {
      if (!list.error.empty()) continue;
      for (const auto& name : list.expect_present) {
        if (!in_.judge_scenario_expectations) break;
        ++checks_["liveness"];
        if (std::find(list.tools.begin(), list.tools.end(), name) == list.tools.end()) {
          finding("liveness", list.attack, "tools/list does not show \"" + name + "\", which the scenario expects present",
                  {list_evidence(list)});
        }
      }
    }
    // A call the policy allows must be forwarded unless one of the counters it is charged to was
    // full when it was decided. "Full" is judged from the ledger's own charges over a superset of
    // the deciding window, so a correct gateway is never blamed (see docs/harness.md).
    std::map<std::string, std::pair<int, std::vector<std::string>>> refused_allowed;  // tool -> count, evidence
    std::set<std::pair<std::string, std::string>> cancelled_keys;
    for (const auto& call : in_.transcript.calls()) {
      if (!call.cancelled) continue;
      Judgement judgement = judge_call(in_.policy, call.tool, call.arguments.is_object() ? call.arguments : Json::object());
      for (const auto* limit : judgement.limits) {
        if (auto key = scope_key(*limit, &call)) cancelled_keys.insert({limit->counter, *key});
      }
    }
    for (std::size_t i = 0; i < verdicts_.size(); ++i) {
      const auto& call = in_.transcript.calls()[i];
      if (call.cancelled || !in_.upstream_tools.contains(call.tool) || in_.liveness_exempt.contains(call.tool)) continue;
      Judgement judgement = judge_call(in_.policy, call.tool, call.arguments.is_object() ? call.arguments : Json::object());
      if (judgement.verdict != StaticVerdict::allowed) continue;
      const Json arguments = call.arguments.is_object() ? call.arguments : Json::object();
      if (std::any_of(judgement.limits.begin(), judgement.limits.end(),
                      [&](const policy::Limit* limit) { return !charged_units(*limit, arguments); })) {
        continue;  // an amount that is not a non-negative integer must be refused
      }
      ++checks_["liveness"];
      const bool forwarded = verdicts_[i] == CallVerdict::forwarded || verdicts_[i] == CallVerdict::leaked;
      if (in_.judge_scenario_expectations && call.expect == "forwarded" && !forwarded) {
        finding("liveness", call.attack, "a call the scenario expects forwarded was not", {"transcript: " + call_evidence(call)});
        continue;
      }
      if (forwarded || verdicts_[i] == CallVerdict::lost) continue;
      bool excused = false;
      for (const auto* limit : judgement.limits) {
        auto key = scope_key(*limit, &call);
        if (!key || !correlated_ || cancelled_keys.contains({limit->counter, *key})) {
          excused = true;  // cannot be judged from outside
          break;
        }
        const std::int64_t window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(limit->window.length).count();
        const std::int64_t slack_ns = static_cast<std::int64_t>(250'000'000 * in_.time_scale);
        const std::int64_t answered_ns = call.sent_wall_ns + std::max<std::int64_t>(0, call.answered_ms - call.sent_ms) * 1'000'000;
        const std::int64_t from = call.sent_wall_ns - window_ns;
        const std::int64_t to = answered_ns + slack_ns;
        std::int64_t used = 0;
        auto it = charges_.find({limit->counter, *key});
        if (it != charges_.end()) {
          for (const auto& charge : it->second) {
            if (charge.t_ns > from && charge.t_ns <= to) used += charge.units;
          }
        }
        if (auto loose = uncorrelated_charges_.find(limit->counter); loose != uncorrelated_charges_.end()) {
          for (const auto& charge : loose->second) {
            if (charge.t_ns > from && charge.t_ns <= to) used = std::min(used + charge.units, limit->max + 1);
          }
        }
        const std::int64_t units = charged_units(*limit, call.arguments.is_object() ? call.arguments : Json::object()).value_or(0);
        if (units > limit->max - used) {  // no overflow for huge amounts
          excused = true;
          break;
        }
      }
      if (excused) continue;
      auto& [count, evidence] = refused_allowed[call.tool];
      ++count;
      if (evidence.size() < 3) evidence.push_back("transcript: " + call_evidence(call));
    }
    for (auto& [tool, refused] : refused_allowed) {
      finding("liveness", default_attack(),
              "\"" + tool + "\" was refused " + std::to_string(refused.first) +
                  " time(s) although the policy allows it and none of its counters was full",
              std::move(refused.second));
    }
  }

  void check_protocol() {
    for (std::size_t i = 0; i < verdicts_.size(); ++i) {
      const auto& call = in_.transcript.calls()[i];
      ++checks_["protocol"];
      if (call.answers == 0 && !call.cancelled) {
        finding("protocol", call.attack, "a tools/call got no answer within the timeout", {"transcript: " + call_evidence(call)});
      } else if (call.answers > 1) {
        finding("protocol", call.attack, "a tools/call was answered " + std::to_string(call.answers) + " times",
                {"transcript: " + call_evidence(call)});
      } else if (call.answers == 1) {
        const Json& response = call.response;
        const bool well_formed =
            response.is_object() && string_field(response, "jsonrpc") == "2.0" &&
            (response.contains("result") != response.contains("error")) &&
            (!response.contains("error") ||
             (response["error"].is_object() && response["error"].contains("code") && response["error"]["code"].is_number_integer() &&
              response["error"].contains("message") && response["error"]["message"].is_string()));
        if (!well_formed) {
          finding("protocol", call.attack, "a tools/call answer is not a well-formed JSON-RPC response", {"transcript: " + call_evidence(call)});
        }
      }
    }
    for (const auto& raw : in_.transcript.raws()) {
      ++checks_["protocol"];
      std::vector<Json> answers;
      for (const auto& text : raw.answers) {
        Json parsed = Json::parse(text, nullptr, false);
        if (parsed.is_array()) {
          for (auto& element : parsed) answers.push_back(element);
        } else if (parsed.is_object() && !parsed.contains("method")) {
          answers.push_back(parsed);
        }
      }
      std::vector<std::string> evidence = {"sent: " + raw.preview};
      for (const auto& text : raw.answers) evidence.push_back("received: " + excerpt(text, 300));
      if (raw.expect_no_response && !answers.empty()) {
        finding("protocol", raw.attack, "the gateway answered input that must get no answer (a notification)", evidence);
      }
      if (raw.expect_error) {
        const bool matched = std::any_of(answers.begin(), answers.end(), [&](const Json& answer) {
          return answer.is_object() && answer.contains("error") && answer["error"].is_object() &&
                 int_field(answer["error"], "code") == *raw.expect_error;
        });
        if (!matched) {
          finding("protocol", raw.attack,
                  "raw input that must be refused with JSON-RPC error " + std::to_string(*raw.expect_error) +
                      (answers.empty() ? " got no answer at all" : " got another answer"),
                  evidence);
        }
      }
    }
    for (const auto& list : in_.transcript.lists()) {
      if (list.error.empty()) continue;
      finding("protocol", list.attack, "tools/list did not succeed: " + list.error, {list_evidence(list)});
    }
    for (const auto& event : in_.transcript.events()) {
      ++checks_["protocol"];
      finding("protocol", event.attack, event.text, {"session " + event.session});
    }
    ++checks_["protocol"];
    if (!in_.gateway_survived) {
      finding("protocol", default_attack(), "the gateway died during the scenario: " + in_.gateway_exit,
              {"its stderr is kept in the run directory (gateway-*.stderr)"});
    }
  }

  void check_integrity() {
    // No cross-routing (P3): the mock tags each result with the trace of the call it answered
    // (result._meta["io.gatecrash/traceparent"]); a client must only ever get its own. A gateway
    // that strips result _meta leaves nothing to check here.
    std::map<std::string, const CallRecord*> call_by_trace;
    for (const auto& call : in_.transcript.calls()) call_by_trace[call.trace_id] = &call;
    for (const auto& call : in_.transcript.calls()) {
      const std::string tag = string_field(any_field(any_field(call.response, "result"), "_meta"), "io.gatecrash/traceparent");
      if (tag.size() < 35) continue;
      ++checks_["integrity"];
      const std::string trace = tag.substr(3, 32);
      if (trace == call.trace_id) continue;
      std::vector<std::string> evidence = {"transcript: " + call_evidence(call)};
      auto owner = call_by_trace.find(trace);
      if (owner != call_by_trace.end()) evidence.push_back("its answer belongs to: " + call_evidence(*owner->second));
      finding("integrity", call.attack, "a client got the answer to another client's call (results cross-routed)", evidence);
    }
    for (std::size_t i = 0; i < in_.ledger.size(); ++i) {
      const CallRecord* call = call_for_entry(i);
      if (call == nullptr) continue;
      ++checks_["integrity"];
      const auto& entry = in_.ledger[i];
      Json forwarded = entry.arguments.is_object() ? entry.arguments : Json::object();
      Json sent = call->arguments.is_object() ? call->arguments : Json::object();
      // The mock replaces credential values with "<redacted>": compare those keys by presence.
      for (auto& [key, value] : forwarded.items()) {
        if (value == "<redacted>" && sent.contains(key)) sent[key] = "<redacted>";
      }
      if (entry.tool != call->tool) {
        finding("integrity", call->attack,
                "the call reached upstream as tool \"" + entry.tool + "\" although the client called \"" + call->tool + "\"",
                {"ledger: " + excerpt(entry.text), "transcript: " + call_evidence(*call)});
      } else if (forwarded != sent) {
        std::string keys;
        for (const auto& [key, value] : sent.items()) {
          if (!forwarded.contains(key) || forwarded[key] != value) keys += (keys.empty() ? "" : ", ") + key;
        }
        for (const auto& [key, value] : forwarded.items()) {
          if (!sent.contains(key)) keys += (keys.empty() ? "" : ", ") + key;
        }
        finding("integrity", call->attack,
                "the arguments of \"" + call->tool + "\" reached upstream changed (" + keys + ")",
                {"ledger: " + excerpt(entry.text), "transcript: " + call_evidence(*call)});
      }
    }
    for (std::size_t i = 0; i < ledger_of_call_.size(); ++i) {
      if (ledger_of_call_[i].size() > 1) {
        ++checks_["integrity"];
        const auto& call = in_.transcript.calls()[i];
        finding("integrity", call.attack, "one client call reached upstream " + std::to_string(ledger_of_call_[i].size()) + " times",
                {"transcript: " + call_evidence(call)});
      }
    }
  }

  void check_expectations() {
    if (!in_.scenario.expect.is_object() || !in_.scenario.expect.contains("ledger")) return;
    for (const auto& [tool, bounds] : in_.scenario.expect["ledger"].items()) {
      ++checks_["expect"];
      std::int64_t count = 0;
      std::vector<std::string> evidence;
      for (const auto& entry : in_.ledger) {
        if (!entry.is_call() || entry.tool != tool) continue;
        ++count;
        if (evidence.size() < kEvidencePerFinding) evidence.push_back("ledger: " + excerpt(entry.text));
      }
      if (bounds.contains("max") && count > bounds["max"].get<std::int64_t>()) {
        finding("expect", default_attack(),
                "\"" + tool + "\" reached upstream " + std::to_string(count) + " times; the scenario allows at most " + bounds["max"].dump(),
                evidence);
      }
      if (bounds.contains("min") && count < bounds["min"].get<std::int64_t>()) {
        // Too few: the evidence is what the client got back for that tool.
        std::vector<std::string> answers;
        for (const auto& call : in_.transcript.calls()) {
          if (call.tool == tool && answers.size() < kEvidencePerFinding) answers.push_back("transcript: " + call_evidence(call));
        }
        if (answers.empty()) answers.push_back("the scenario's transcript has no tools/call of \"" + tool + "\"");
        finding("expect", default_attack(),
                "\"" + tool + "\" reached upstream " + std::to_string(count) + " times; the scenario needs at least " + bounds["min"].dump(),
                answers);
      }
    }
  }

  // The reference audit format (docs/gateway.md "Audit log"): every call the gateway decided has a
  // `decision` line under the client's request id; a call that reached upstream was decided
  // `allow`, a call refused by policy was decided otherwise; secret-looking arguments are never
  // written in clear.
  void check_audit() {
    if (in_.audit_lines == nullptr) return;
    std::map<std::string, std::vector<std::string>> verdicts_by_id;  // request id (JSON text) -> verdicts
    ++checks_["audit"];
    for (const auto& text : *in_.audit_lines) {
      const Json line = Json::parse(text, nullptr, false);
      if (!line.is_object() || !line.contains("event")) {
        finding("audit", default_attack(), "an audit line is not a JSON object with an \"event\"", {"audit: " + excerpt(text)});
        continue;
      }
      if (string_field(line, "event") != "decision") continue;
      verdicts_by_id[any_field(line, "request_id").dump()].push_back(string_field(line, "verdict"));
      const Json arguments = any_field(line, "arguments");
      if (!arguments.is_object()) continue;
      for (const auto& [key, value] : arguments.items()) {
        std::string lower = key;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool secret = lower.find("password") != std::string::npos || lower.find("token") != std::string::npos ||
                            lower.find("api_key") != std::string::npos || lower.find("secret") != std::string::npos;
        if (secret && value.is_string() && value != "[redacted]" && !value.get<std::string>().empty()) {
          finding("audit", default_attack(), "the audit log holds the secret-looking argument \"" + key + "\" in clear",
                  {"audit: " + excerpt(text)});
        }
      }
    }
    for (std::size_t i = 0; i < verdicts_.size(); ++i) {
      const auto& call = in_.transcript.calls()[i];
      if (call.answers != 1) continue;
      const auto it = verdicts_by_id.find(Json(call.request_id).dump());
      const std::vector<std::string> none;
      const auto& decided = it == verdicts_by_id.end() ? none : it->second;
      const bool allowed = std::find(decided.begin(), decided.end(), "allow") != decided.end();
      if (verdicts_[i] == CallVerdict::forwarded && !ledger_of_call_[i].empty()) {
        ++checks_["audit"];
        if (!allowed) {
          finding("audit", call.attack, "a call that reached upstream has no audit line deciding it allow",
                  {"transcript: " + call_evidence(call)});
        }
      } else if (verdicts_[i] == CallVerdict::refused && is_policy_refusal(call)) {
        ++checks_["audit"];
        const bool refused = std::any_of(decided.begin(), decided.end(), [](const std::string& v) { return v != "allow"; });
        if (!refused) {
          finding("audit", call.attack, "a call refused by policy has no audit line recording the refusal",
                  {"transcript: " + call_evidence(call)});
        }
      }
    }
  }

  // A refusal the policy made (contracts.md §5: -32001, or -32602 "Unknown tool" for hidden and
  // unknown tools), as opposed to malformed input refused before any decision.
  static bool is_policy_refusal(const CallRecord& call) {
    const Json error = any_field(call.response, "error");
    const std::int64_t code = int_field(error, "code");
    return code == -32001 || (code == -32602 && string_field(error, "message").rfind("Unknown tool", 0) == 0);
  }

  struct Charge {
    std::int64_t t_ns;
    std::int64_t units;
    std::size_t entry;
  };

  const OracleInput& in_;
  ScenarioResult& out_;
  std::map<std::pair<std::string, std::string>, std::vector<Charge>> charges_;  // (counter, scope key), by cap check
  std::map<std::string, std::vector<Charge>> uncorrelated_charges_;  // counter -> charges of unknown scope key
  std::vector<std::vector<int>> ledger_of_call_;
  std::vector<int> call_of_entry_;
  std::vector<CallVerdict> verdicts_;
  bool correlated_ = false;
  std::map<std::string, int> checks_;
  std::map<std::string, int> failures_;
};

}  // namespace

void judge_scenario(const OracleInput& input, ScenarioResult& result) { Judge(input, result).run(); }

}  // namespace gatecrash::harness
