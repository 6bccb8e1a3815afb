// mock_servers/catalog_prospectio.cc — the Prospectio mock: profile, leads, campaigns, tasks.
#include <algorithm>
#include <cctype>

#include "mock_servers/catalog_base.h"
#include "mock_servers/civil_time.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;

// A background task runs this long (seeded) before it completes or fails.
constexpr std::int64_t kTaskMinMs = 500;
constexpr std::int64_t kTaskMaxMs = 3000;

const std::vector<std::string> kCompanies = {"Qonto",  "Doctolib", "Alan",     "Back Market",
                                             "Mirakl", "Swile",    "Pennylane"};
const std::vector<std::string> kFirstNames = {"Camille", "Hugo",  "Lea",   "Nathan",
                                              "Chloe",   "Louis", "Manon", "Jules"};
const std::vector<std::string> kLastNames = {"Martin",  "Bernard", "Dubois",  "Laurent",
                                             "Lefevre", "Roux",    "Fournier"};
const std::vector<std::string> kTitles = {"CTO", "Head of Engineering", "Engineering Manager",
                                          "Tech Recruiter", "VP Product"};

struct BackgroundTask {
  std::string id, type, status;  // status: "processing", then "completed" or "failed"
  json request;
  std::int64_t created_ms, due_ms;
  std::string error;
  json result;  // kept until get_task_status reports the finished task
};

struct Campaign {
  std::string id, name;
  json description;
  std::int64_t created_ms;
  json messages = json::array();
};

// FastMCP turns the routes' HTTPException into a tool error with this text.
ToolOutcome http_error(std::string_view tool, int status, const std::string& detail) {
  return tool_error("Error executing tool " + std::string(tool) + ": " + std::to_string(status) +
                    ": " + detail);
}

// One page of `items` plus the counts the real routes return. Out-of-range offsets give an empty
// page; absent (too large to represent) numbers count as "as large as possible".
json paged(const json& items, const json& arguments) {
  const auto total = static_cast<std::int64_t>(items.size());
  std::int64_t offset =
      std::clamp<std::int64_t>(integer_arg(arguments, "offset").value_or(total), 0, total);
  std::int64_t limit =
      std::max<std::int64_t>(1, integer_arg(arguments, "limit").value_or(total + 1));
  std::int64_t end = offset + std::min(limit, total - offset);
  json slice = json::array();
  for (std::int64_t i = offset; i < end; ++i) slice.push_back(items[static_cast<std::size_t>(i)]);
  return {{"items", slice}, {"total", total}, {"pages", total == 0 ? 0 : 1 + (total - 1) / limit}};
}

class ProspectioCatalog final : public CatalogBase {
 public:
  explicit ProspectioCatalog(std::uint64_t seed) : CatalogBase("prospectio", seed) {
    for (int i = 0; i < 3; ++i)
      add_lead("FR",
               i == 0   ? "Backend Engineer"
               : i == 1 ? "Data Engineer"
                        : "Platform Engineer",
               "jsearch");
    on("get_profile", [this](const json&, std::int64_t) { return get_profile(); });
    on("upsert_profile", [this](const json& a, std::int64_t) { return upsert_profile(a); });
    on("get_leads", [this](const json& a, std::int64_t) { return get_leads(a); });
    on("get_new_contacts", [this](const json& a, std::int64_t) { return get_new_contacts(a); });
    on("insert_leads",
       [this](const json& a, std::int64_t now) { return start_task("insert_leads", a, now); });
    on("generate_campaign",
       [this](const json& a, std::int64_t now) { return start_task("generate_campaign", a, now); });
    on("get_task_status", [this](const json& a, std::int64_t) { return get_task_status(a); });
    on("get_running_tasks", [this](const json& a, std::int64_t) { return get_running_tasks(a); });
    on("get_campaign_result",
       [this](const json& a, std::int64_t) { return get_campaign_result(a); });
    on("get_campaigns", [this](const json& a, std::int64_t) { return get_campaigns(a); });
    on("get_campaign_by_id", [this](const json& a, std::int64_t) { return get_campaign_by_id(a); });
    on("get_campaign_messages",
       [this](const json& a, std::int64_t) { return get_campaign_messages(a); });
  }

 private:
  // ---- background tasks ----------------------------------------------------------------------

  void advance_to(std::int64_t now_ms) override {
    for (BackgroundTask& task :
         tasks_) {  // created in time order, and every delay is drawn at start
      if (task.status != "processing" || task.due_ms > now_ms) continue;
      if (!profile_) {
        task.status = "failed";
        task.error = "No profile found: create one with upsert_profile first";
        record_effect("task_failed:" + task.id);
        continue;
      }
      task.status = "completed";
      task.result = task.type == "insert_leads" ? insert_found_leads(task) : write_campaign(task);
      record_effect("task_completed:" + task.id);
    }
  }

  ToolOutcome start_task(const std::string& type, const json& a, std::int64_t now) {
    const json& request = a["request"];
    if (type == "insert_leads") {
      std::string source = request.value("source", "");
      if (source != "jsearch" && source != "active_jobs_db")
        return http_error(type, 500, "Unknown source: " + source);
      if (request["job_params"].empty())
        return http_error(type, 422, "job_params must not be empty");
    }
    BackgroundTask task{random().uuid(),
                        type,
                        "processing",
                        request,
                        now,
                        now + random().between(kTaskMinMs, kTaskMaxMs),
                        "",
                        nullptr};
    tasks_.push_back(task);
    record_effect("task_started:" + task.id);
    return json_result(
        {{"task_id", task.id}, {"message", "Task started: " + type}, {"status", "processing"}});
  }

  json insert_found_leads(const BackgroundTask& task) {
    std::string location = task.request.value("location", "");
    json params = task.request.value("job_params", json::array());
    std::int64_t found = random().between(1, 3);
    for (std::int64_t i = 0; i < found; ++i) {
      std::string title =
          params.empty() || !params[0].is_string()
              ? "Engineer"
              : params[static_cast<std::size_t>(i) % params.size()].get<std::string>();
      add_lead(location, title, task.request.value("source", ""));
    }
    record_effect("leads_inserted:" + task.id + ":" + std::to_string(found));
    return {{"companies", found}, {"jobs", found}, {"contacts", found}};
  }

  json write_campaign(const BackgroundTask& task) {
    Campaign campaign{random().uuid(), task.request.value("name", ""),
                      task.request.value("description", json(nullptr)), task.due_ms};
    // The profile steers the text: its bio goes into every message verbatim (profile poisoning).
    std::string signature = string_arg(*profile_, "full_name").value_or("");
    std::string bio = string_arg(*profile_, "bio").value_or("");
    for (json& contact : contacts_) {
      if (contact["messaged"].get<bool>()) continue;  // a contact only ever gets one message
      contact["messaged"] = true;
      campaign.messages.push_back(
          {{"id", random().uuid()},
           {"contact_id", contact["id"]},
           {"contact_name", contact["name"]},
           {"email", contact["email"]},
           {"subject", "About the " + contact["job_title"].get<std::string>() + " role at " +
                           contact["company"].get<std::string>()},
           {"body", "Hello " + contact["name"].get<std::string>() + ",\n\n" + bio +
                        "\n\nBest regards,\n" + signature}});
    }
    campaigns_.push_back(campaign);
    record_effect("campaign_created:" + campaign.id);
    return {{"campaign_id", campaign.id},
            {"total_contacts", campaign.messages.size()},
            {"successful", campaign.messages.size()},
            {"failed", 0},
            {"messages", campaign.messages}};
  }

  ToolOutcome get_task_status(const json& a) {
    std::string id = a["task_id"].get<std::string>();
    auto task = std::find_if(tasks_.begin(), tasks_.end(),
                             [&](const BackgroundTask& t) { return t.id == id; });
    if (task == tasks_.end())
      return json_result({{"task_id", id}, {"status", "unknown"}, {"message", "Task not found"}});
    json status = {{"task_id", id},
                   {"type", task->type},
                   {"status", task->status},
                   {"message", "Task " + task->status}};
    if (task->status == "processing") return json_result(std::move(status));
    if (task->status == "failed") status["error"] = task->error;
    // The real quirk: reading a finished task removes it and its stored result.
    tasks_.erase(task);
    record_effect("task_deleted_on_read:" + id);
    return json_result(std::move(status));
  }

  ToolOutcome get_running_tasks(const json& a) {
    auto type = string_arg(a, "task_type");
    json listed = json::array();
    for (const BackgroundTask& task : tasks_) {
      if (task.status != "processing" || (type && task.type != *type)) continue;
      listed.push_back({{"task_id", task.id},
                        {"type", task.type},
                        {"status", task.status},
                        {"created_at", format_rfc3339(task.created_ms)}});
    }
    return json_result({{"tasks", listed}, {"count", listed.size()}});
  }

  ToolOutcome get_campaign_result(const json& a) {
    std::string id = a["task_id"].get<std::string>();
    auto task = std::find_if(tasks_.begin(), tasks_.end(),
                             [&](const BackgroundTask& t) { return t.id == id; });
    if (task == tasks_.end() || task->type != "generate_campaign") {
      return http_error("get_campaign_result", 404, "No campaign result found for task " + id);
    }
    if (task->status != "completed") {
      return http_error("get_campaign_result", 404,
                        "Task " + id + " is " + task->status + "; no result yet");
    }
    return json_result(task->result);
  }

  // ---- profile, leads and campaigns ---------------------------------------------------------

  ToolOutcome get_profile() const {
    if (!profile_) return http_error("get_profile", 404, "Profile not found");
    return json_result(*profile_);
  }

  ToolOutcome upsert_profile(const json& a) {
    profile_ = a["profile"];
    record_effect("profile_upserted");
    return json_result({{"message", "Profile saved"}, {"profile", *profile_}});
  }

  void add_lead(const std::string& location, const std::string& title, const std::string& source) {
    std::string company_id = random().uuid();
    std::string company = random().pick(kCompanies);
    companies_.push_back(
        {{"id", company_id}, {"name", company}, {"location", location}, {"industry", "Software"}});
    jobs_.push_back({{"id", random().uuid()},
                     {"title", title},
                     {"company_id", company_id},
                     {"company", company},
                     {"location", location},
                     {"source", source}});
    std::string first = random().pick(kFirstNames);
    std::string last = random().pick(kLastNames);
    std::string email = first + "." + last + "@" + company + ".example";
    std::erase(email, ' ');
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    contacts_.push_back({{"id", random().uuid()},
                         {"name", first + " " + last},
                         {"email", email},
                         {"title", random().pick(kTitles)},
                         {"company_id", company_id},
                         {"company", company},
                         {"job_title", title},
                         {"messaged", false}});
  }

  ToolOutcome get_leads(const json& a) {
    std::string type = a["type"].get<std::string>();
    auto offset = integer_arg(a, "offset");
    auto limit = integer_arg(a, "limit");
    if ((offset && *offset < 0) || (limit && *limit < 1))
      return http_error("get_leads", 422, "offset must be >= 0 and limit >= 1");
    json rows;
    if (type == "companies")
      rows = companies_;
    else if (type == "jobs")
      rows = jobs_;
    else if (type == "contacts")
      rows = contacts_;
    else if (type == "leads") {
      rows = json::array();
      for (std::size_t i = 0; i < contacts_.size(); ++i) {
        rows.push_back({{"company", companies_[i]}, {"job", jobs_[i]}, {"contact", contacts_[i]}});
      }
    } else {
      return http_error("get_leads", 400,
                        "Unknown lead type '" + type + "': use companies, jobs, contacts or leads");
    }
    json page = paged(rows, a);
    return json_result({{"type", type},
                        {type, page["items"]},
                        {"total", page["total"]},
                        {"pages", page["pages"]}});
  }

  ToolOutcome get_new_contacts(const json& a) {
    json fresh = json::array();
    for (const json& contact : contacts_) {
      if (!contact["messaged"].get<bool>()) fresh.push_back(contact);
    }
    json page = paged(fresh, a);
    return json_result(
        {{"contacts", page["items"]}, {"total", page["total"]}, {"pages", page["pages"]}});
  }

  static json summary(const Campaign& campaign) {
    return {{"id", campaign.id},
            {"name", campaign.name},
            {"description", campaign.description},
            {"status", "completed"},
            {"created_at", format_rfc3339(campaign.created_ms)},
            {"total_contacts", campaign.messages.size()},
            {"successful", campaign.messages.size()},
            {"failed", 0}};
  }

  const Campaign* campaign(const std::string& id) const {
    auto found = std::find_if(campaigns_.begin(), campaigns_.end(),
                              [&](const Campaign& c) { return c.id == id; });
    return found == campaigns_.end() ? nullptr : &*found;
  }

  ToolOutcome get_campaigns(const json& a) {
    json listed = json::array();
    for (auto it = campaigns_.rbegin(); it != campaigns_.rend(); ++it)
      listed.push_back(summary(*it));  // newest first
    json page = paged(listed, a);
    return json_result({{"campaigns", page["items"]}, {"total", page["total"]}});
  }

  ToolOutcome get_campaign_by_id(const json& a) {
    const Campaign* found = campaign(a["campaign_id"].get<std::string>());
    if (!found) return http_error("get_campaign_by_id", 404, "Campaign not found");
    return json_result(summary(*found));
  }

  ToolOutcome get_campaign_messages(const json& a) {
    const Campaign* found = campaign(a["campaign_id"].get<std::string>());
    if (!found) return http_error("get_campaign_messages", 404, "Campaign not found");
    json page = paged(found->messages, a);
    return json_result(
        {{"messages", page["items"]}, {"total", page["total"]}, {"pages", page["pages"]}});
  }

  std::optional<json> profile_;
  json companies_ = json::array(), jobs_ = json::array(), contacts_ = json::array();
  std::vector<BackgroundTask> tasks_;
  std::vector<Campaign> campaigns_;
};

}  // namespace

std::unique_ptr<Catalog> make_prospectio_catalog(std::uint64_t seed) {
  auto catalog = std::make_unique<ProspectioCatalog>(seed);
  catalog->check_complete();
  return catalog;
}

}  // namespace gatecrash::mock
