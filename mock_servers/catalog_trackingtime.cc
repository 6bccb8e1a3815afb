// mock_servers/catalog_trackingtime.cc — the TrackingTime mock: time entries and timers.
#include <algorithm>
#include <cctype>
#include <variant>

#include "mock_servers/catalog_base.h"
#include "mock_servers/civil_time.h"
#include "mock_servers/trackingtime_workspace.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;
using namespace trackingtime;

constexpr std::int64_t kDefaultPageSize = 100;
constexpr std::int64_t kMaxPageSize = 1000;
constexpr std::int64_t kMaxRecurringEntries = 1000;  // one create_event call may not make more
constexpr std::int64_t kMaxRepeatEvery = 10'000;
constexpr std::int64_t kMaxPage = 1'000'000'000;

// The real API wraps every answer in {"response": {...}, "data": ...}.
ToolOutcome api_result(json data) {
  return json_result(
      {{"response", {{"status", 200}, {"message", "ok"}}}, {"data", std::move(data)}});
}
ToolOutcome api_error(const std::string& message) {
  return tool_error("TrackingTime API error: " + message);
}

// "users" and "custom_fields" may come as an array of objects or as a string: JSON text, or
// comma-separated ids. Returns an array of objects, or nullopt when the text means nothing.
std::optional<json> object_list(const json& arguments, std::string_view key) {
  auto found = arguments.find(key);
  if (found == arguments.end() || found->is_null()) return std::nullopt;
  if (found->is_array()) return *found;
  if (!found->is_string()) return std::nullopt;
  json parsed = json::parse(found->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_array()) return parsed;
  json ids = json::array();
  json holder = {{"id", nullptr}};
  std::string text = found->get<std::string>();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    holder["id"] = text.substr(start, comma - start);
    auto id = integer_arg(holder, "id");
    if (!id) return std::nullopt;
    ids.push_back({{"id", *id}});
    start = comma + 1;
  }
  return ids;
}

class TrackingTimeCatalog final : public CatalogBase {
 public:
  explicit TrackingTimeCatalog(std::uint64_t seed)
      : CatalogBase("trackingtime", seed), ws_(seeded_workspace(random())) {
    bind("get_me", &TrackingTimeCatalog::get_me, /*needs_account=*/false);
    bind("list_workspaces", &TrackingTimeCatalog::list_workspaces, false);
    bind("list_events", &TrackingTimeCatalog::list_events);
    bind("list_company_events", &TrackingTimeCatalog::list_company_events);
    bind("get_event", &TrackingTimeCatalog::get_event);
    bind("list_users", &TrackingTimeCatalog::list_users);
    bind("get_user", &TrackingTimeCatalog::get_user);
    bind("list_user_tasks", &TrackingTimeCatalog::list_user_tasks);
    bind("list_user_projects", &TrackingTimeCatalog::list_user_projects);
    bind("list_user_trackables", &TrackingTimeCatalog::list_user_trackables);
    bind("list_projects", &TrackingTimeCatalog::list_projects);
    bind("list_tasks", &TrackingTimeCatalog::list_tasks);
    bind("list_customers", &TrackingTimeCatalog::list_customers);
    bind("get_task", &TrackingTimeCatalog::get_task);
    bind("create_task", &TrackingTimeCatalog::create_task);
    bind("update_task", &TrackingTimeCatalog::update_task);
    bind("create_customer", &TrackingTimeCatalog::create_customer);
    bind("update_customer", &TrackingTimeCatalog::update_customer);
    bind("create_project", &TrackingTimeCatalog::create_project);
    bind("update_project", &TrackingTimeCatalog::update_project);
    bind("create_event", &TrackingTimeCatalog::create_event);
    bind("update_event", &TrackingTimeCatalog::update_event);
    bind("track_task", &TrackingTimeCatalog::track_task);
    bind("stop_task", &TrackingTimeCatalog::stop_task);
    bind("create_custom_field", &TrackingTimeCatalog::create_custom_field);
    bind("create_enum_option", &TrackingTimeCatalog::create_enum_option);
  }

 private:
  using Tool = ToolOutcome (TrackingTimeCatalog::*)(const json&, std::int64_t);

  // Every tool but get_me/list_workspaces works inside the workspace named by account_id (or
  // the caller's only workspace). Credentials in app_password/api_token are accepted and never
  // echoed; the transport may carry them instead.
  void bind(const std::string& name, Tool tool, bool needs_account = true) {
    on(name, [this, tool, needs_account](const json& a, std::int64_t now) {
      if (needs_account && a.contains("account_id")) {
        auto account = integer_arg(a, "account_id");
        if (!account || *account != ws_.account_id) {
          return api_error("you have no access to account " + a["account_id"].dump() +
                           "; your workspaces: " + std::to_string(ws_.account_id) + " (" +
                           ws_.name + ")");
        }
      }
      return (this->*tool)(a, now);
    });
  }

  void advance_to(std::int64_t) override {
  }  // timers are measured when stopped, nothing runs on its own

  // ---- shared helpers ------------------------------------------------------------------------

  static std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }
  static bool status_wanted(const json& a, const std::string& status, const std::string& fallback) {
    std::string filter = upper(string_arg(a, "filter").value_or(fallback));
    return filter == "ALL" || filter == status;
  }

  static json page(const json& a, json items) {
    std::int64_t number = std::clamp<std::int64_t>(integer_arg(a, "page").value_or(0), 0, kMaxPage);
    std::int64_t size = std::clamp<std::int64_t>(
        integer_arg(a, "page_size").value_or(kDefaultPageSize), 1, kMaxPageSize);
    json slice = json::array();
    for (std::int64_t i = number * size;
         i < std::min<std::int64_t>((number + 1) * size, static_cast<std::int64_t>(items.size()));
         ++i) {
      slice.push_back(std::move(items[static_cast<std::size_t>(i)]));
    }
    return slice;
  }

  // Applies "users" (assignees) after checking every id; returns an error message or "".
  std::string assign_users(const json& a, std::vector<std::int64_t>& users) {
    auto listed = object_list(a, "users");
    if (!listed)
      return a.contains("users") ? "users must be a list of {id} objects or comma-separated ids"
                                 : "";
    std::vector<std::int64_t> ids;
    for (const json& entry : *listed) {
      auto id = entry.is_object() ? integer_arg(entry, "id") : std::nullopt;
      if (!id || !ws_.user(*id))
        return "unknown user " +
               (entry.is_object() && entry.contains("id") ? entry["id"].dump() : entry.dump());
      ids.push_back(*id);
    }
    users = ids;
    return "";
  }

  // Applies "custom_fields" values onto `target`; returns an error message or "".
  std::string set_custom_fields(const json& a, json& target) {
    auto listed = object_list(a, "custom_fields");
    if (!listed)
      return a.contains("custom_fields") ? "custom_fields must be a list of {id, value} objects"
                                         : "";
    for (const json& entry : *listed) {
      auto id = entry.is_object() ? integer_arg(entry, "id") : std::nullopt;
      if (!id || !ws_.custom_field(*id)) return "unknown custom field " + entry.dump();
      target[std::to_string(*id)] = entry.value("value", json(nullptr));
    }
    return "";
  }

  // Resolves a project by id, or by name (created when missing). 0 when neither is given.
  std::optional<std::int64_t> resolve_project(const json& a, std::string* problem) {
    if (a.contains("project_id") && !a["project_id"].is_null() && a["project_id"] != "") {
      auto id = integer_arg(a, "project_id");
      if (!id || !ws_.project(*id)) {
        *problem = "project " + a["project_id"].dump() + " not found";
        return std::nullopt;
      }
      return *id;
    }
    auto name = string_arg(a, "project_name");
    if (!name) return 0;
    for (const Project& project : ws_.projects) {
      if (project.name == *name) return project.id;
    }
    ws_.projects.push_back({ws_.new_id(), *name, "ACTIVE", 0, true, 0.0, {ws_.me}});
    record_effect("project_created:" + std::to_string(ws_.projects.back().id));
    return ws_.projects.back().id;
  }

  std::optional<std::int64_t> resolve_customer(const json& a, std::string* problem) {
    if (a.contains("customer_id") && !a["customer_id"].is_null() && a["customer_id"] != "") {
      auto id = integer_arg(a, "customer_id");
      if (!id || !ws_.customer(*id)) {
        *problem = "customer " + a["customer_id"].dump() + " not found";
        return std::nullopt;
      }
      return *id;
    }
    auto name = string_arg(a, "customer_name");
    if (!name) return std::nullopt;
    for (const Customer& customer : ws_.customers) {
      if (customer.name == *name) return customer.id;
    }
    ws_.customers.push_back({ws_.new_id(), *name, "ACTIVE"});
    record_effect("customer_created:" + std::to_string(ws_.customers.back().id));
    return ws_.customers.back().id;
  }

  // Resolves a task by id, or by name inside the resolved project (created when missing).
  std::optional<std::int64_t> resolve_task(const json& a, std::string* problem) {
    if (a.contains("task_id") && !a["task_id"].is_null() && a["task_id"] != "") {
      auto id = integer_arg(a, "task_id");
      if (!id || !ws_.task(*id)) {
        *problem = "task " + a["task_id"].dump() + " not found";
        return std::nullopt;
      }
      return *id;
    }
    auto name = string_arg(a, "task_name");
    auto project = resolve_project(a, problem);
    if (!project) return std::nullopt;
    if (!name) return 0;
    for (const Task& task : ws_.tasks) {
      if (task.name == *name && task.project_id == *project) return task.id;
    }
    ws_.tasks.push_back({ws_.new_id(), *name, "ACTIVE", *project, {ws_.me}, true});
    record_effect("task_created:" + std::to_string(ws_.tasks.back().id));
    return ws_.tasks.back().id;
  }

  // Copies the listed scalar arguments that are present into `details`.
  static void copy_details(const json& a, json& details, std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
      if (a.contains(key) && !a[key].is_null()) details[key] = a[key];
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  ToolOutcome get_me(const json&, std::int64_t) {
    const User& me = *ws_.user(ws_.me);
    return api_result(
        {{"id", me.id},
         {"name", me.name},
         {"surname", me.surname},
         {"email", me.email},
         {"account_id", ws_.account_id},
         {"accounts",
          json::array({{{"id", ws_.account_id}, {"name", ws_.name}, {"role", me.role}}})}});
  }

  ToolOutcome list_workspaces(const json&, std::int64_t) {
    return api_result({{"workspaces", json::array({{{"account_id", ws_.account_id},
                                                    {"name", ws_.name},
                                                    {"selected", true}}})}});
  }

  ToolOutcome events_between(const json& a, const std::string& filter,
                             std::optional<std::int64_t> id) {
    auto from = parse_time_ms(string_arg(a, "from").value_or(""));
    auto to_text = string_arg(a, "to").value_or("");
    auto to = parse_time_ms(to_text);
    if (!from || !to) return api_error("from and to must be dates (YYYY-MM-DD) or date-times");
    std::int64_t to_ms = *to + (to_text.size() == 10 ? kMillisPerDay - 1 : 0);
    bool custom_fields = bool_arg(a, "include_custom_fields", false);
    std::vector<const Event*> matched;
    for (const Event& event : ws_.events) {
      if (event.start_ms < *from || event.start_ms > to_ms) continue;
      const Project* project = ws_.project(event.project_id);
      bool in_scope = filter == "COMPANY" || (filter == "USER" && event.user_id == id) ||
                      (filter == "PROJECT" && event.project_id == id) ||
                      (filter == "TASK" && event.task_id == id) ||
                      (filter == "CUSTOMER" && project && project->customer_id == id);
      if (in_scope) matched.push_back(&event);
    }
    std::stable_sort(matched.begin(), matched.end(),
                     [](const Event* x, const Event* y) { return x->start_ms < y->start_ms; });
    if (string_arg(a, "order").value_or("asc") == "desc")
      std::reverse(matched.begin(), matched.end());
    json items = json::array();
    for (const Event* event : matched) items.push_back(view(ws_, *event, custom_fields));
    return api_result(page(a, std::move(items)));
  }

  ToolOutcome list_events(const json& a, std::int64_t) {
    std::string filter = string_arg(a, "filter").value_or("USER");
    auto id = integer_arg(a, "id");
    if (filter == "USER" && !a.contains("id")) id = ws_.me;
    if (filter != "COMPANY" && !id)
      return api_error("filter " + filter + " needs the id of the " + filter + " to list");
    return events_between(a, filter, id);
  }

  ToolOutcome list_company_events(const json& a, std::int64_t) {
    return events_between(a, "COMPANY", std::nullopt);
  }

  ToolOutcome get_event(const json& a, std::int64_t) {
    auto id = integer_arg(a, "event_id");
    const Event* event = id ? ws_.event(*id) : nullptr;
    if (!event) return api_error("event " + a["event_id"].dump() + " not found");
    return api_result(view(ws_, *event, true));
  }

  ToolOutcome list_users(const json& a, std::int64_t) {
    json items = json::array();
    for (const User& user : ws_.users) {
      if (!status_wanted(a, user.status, "ACTIVE")) continue;
      items.push_back(view(ws_, user, bool_arg(a, "include_billing", false),
                           bool_arg(a, "include_custom_fields", false)));
    }
    return api_result(std::move(items));
  }

  ToolOutcome get_user(const json& a, std::int64_t) {
    auto id = integer_arg(a, "user_id");
    const User* user = id ? ws_.user(*id) : nullptr;
    if (!user) return api_error("user " + a["user_id"].dump() + " not found");
    return api_result(view(ws_, *user, false, bool_arg(a, "include_custom_fields", false)));
  }

  const User* user_arg(const json& a) {
    auto id = integer_arg(a, "user_id");
    return id ? ws_.user(*id) : nullptr;
  }

  ToolOutcome list_user_tasks(const json& a, std::int64_t) {
    const User* user = user_arg(a);
    if (!user) return api_error("user " + a["user_id"].dump() + " not found");
    std::string filter = upper(string_arg(a, "filter").value_or("ACTIVE"));
    auto timer = ws_.timers.find(user->id);
    std::vector<const Task*> tasks;
    for (const Task& task : ws_.tasks) {
      if (std::find(task.users.begin(), task.users.end(), user->id) == task.users.end()) continue;
      bool tracking = timer != ws_.timers.end() && timer->second.task_id == task.id;
      if (filter == "TRACKING" ? !tracking : (filter != "ALL" && filter != task.status)) continue;
      tasks.push_back(&task);
    }
    std::string sort_by = string_arg(a, "sort_by").value_or("id");
    auto key = [&](const Task* task) -> json {
      if (sort_by == "name") return task->name;
      if (sort_by == "project" || sort_by == "customer") return task->project_id;
      if (sort_by == "due_date") return task->details.value("due_date", "");
      return task->id;
    };
    std::stable_sort(tasks.begin(), tasks.end(),
                     [&](const Task* x, const Task* y) { return key(x) < key(y); });
    if (upper(string_arg(a, "order").value_or("ASC")) == "DESC")
      std::reverse(tasks.begin(), tasks.end());
    json rows = json::array();
    for (const Task* task : tasks)
      rows.push_back(view(ws_, *task, bool_arg(a, "include_billing", false), false));
    json groups = json::array();  // grouped by project, in the order of the (paged) rows
    for (json& row : page(a, std::move(rows))) {
      json project_id = row.value("project_id", json(0));
      auto group = std::find_if(groups.begin(), groups.end(),
                                [&](const json& g) { return g["project_id"] == project_id; });
      if (group == groups.end()) {
        groups.push_back({{"project_id", project_id},
                          {"project", row.value("project", "")},
                          {"tasks", json::array()}});
        group = groups.end() - 1;
      }
      (*group)["tasks"].push_back(std::move(row));
    }
    return api_result(std::move(groups));
  }

  ToolOutcome list_user_projects(const json& a, std::int64_t) {
    const User* user = user_arg(a);
    if (!user) return api_error("user " + a["user_id"].dump() + " not found");
    json items = json::array();
    for (const Project& project : ws_.projects) {
      if (std::find(project.users.begin(), project.users.end(), user->id) != project.users.end()) {
        items.push_back(view(ws_, project, false));
      }
    }
    return api_result(std::move(items));
  }

  ToolOutcome list_user_trackables(const json& a, std::int64_t) {
    const User* user = user_arg(a);
    if (!user) return api_error("user " + a["user_id"].dump() + " not found");
    bool favorites_only = bool_arg(a, "only_favorites", false);
    auto only_project = integer_arg(a, "project_id");
    json items = json::array();
    for (const Project& project : ws_.projects) {
      bool member =
          std::find(project.users.begin(), project.users.end(), user->id) != project.users.end();
      bool favorite = std::find(user->favorite_projects.begin(), user->favorite_projects.end(),
                                project.id) != user->favorite_projects.end();
      if (!member || project.status != "ACTIVE" || (favorites_only && !favorite)) continue;
      if (only_project && *only_project != project.id) continue;
      json item = {{"type", "PROJECT"},
                   {"id", project.id},
                   {"name", project.name},
                   {"is_favorite", favorite}};
      if (bool_arg(a, "include_tasks", false)) {
        item["tasks"] = json::array();
        for (const Task& task : ws_.tasks) {
          if (task.project_id == project.id && task.status == "ACTIVE")
            item["tasks"].push_back({{"id", task.id}, {"name", task.name}});
        }
      }
      items.push_back(std::move(item));
    }
    return api_result(std::move(items));
  }

  ToolOutcome list_projects(const json& a, std::int64_t) {
    json items = json::array();
    for (const Project& project : ws_.projects) {
      if (status_wanted(a, project.status, "ACTIVE")) items.push_back(view(ws_, project, false));
    }
    return api_result(std::move(items));
  }

  ToolOutcome list_tasks(const json& a, std::int64_t) {
    auto project = integer_arg(a, "project_id");
    if (a.contains("project_id") && (!project || !ws_.project(*project)))
      return api_error("project " + a["project_id"].dump() + " not found");
    json items = json::array();
    for (const Task& task : ws_.tasks) {
      if ((!project || task.project_id == *project) && status_wanted(a, task.status, "ACTIVE")) {
        items.push_back(view(ws_, task, false, false));
      }
    }
    return api_result(std::move(items));
  }

  ToolOutcome list_customers(const json& a, std::int64_t) {
    json items = json::array();
    for (const Customer& customer : ws_.customers) {
      if (status_wanted(a, customer.status, "ACTIVE")) items.push_back(view(ws_, customer));
    }
    return api_result(std::move(items));
  }

  ToolOutcome get_task(const json& a, std::int64_t) {
    auto id = integer_arg(a, "task_id");
    const Task* task = id ? ws_.task(*id) : nullptr;
    if (!task) return api_error("task " + a["task_id"].dump() + " not found");
    return api_result(view(ws_, *task, false, bool_arg(a, "include_custom_fields", true)));
  }

  // ---- writes --------------------------------------------------------------------------------

  ToolOutcome create_task(const json& a, std::int64_t) {
    std::string problem;
    auto project = resolve_project(a, &problem);
    if (!project) return api_error(problem);
    Task task{ws_.new_id(), string_arg(a, "name").value_or(""), "ACTIVE", *project,
              {ws_.me},     bool_arg(a, "is_billable", true)};
    if (std::string error = assign_users(a, task.users); !error.empty()) return api_error(error);
    if (std::string error = set_custom_fields(a, task.custom_fields); !error.empty())
      return api_error(error);
    copy_details(a, task.details, {"description", "type"});
    ws_.tasks.push_back(task);
    record_effect("task_created:" + std::to_string(task.id));
    return api_result(view(ws_, task, false, true));
  }

  ToolOutcome update_task(const json& a, std::int64_t) {
    auto id = integer_arg(a, "task_id");
    Task* task = id ? ws_.task(*id) : nullptr;
    if (!task) return api_error("task " + a["task_id"].dump() + " not found");
    Task updated = *task;
    std::string problem;
    if (a.contains("project_id") || a.contains("project_name")) {
      auto project = resolve_project(a, &problem);
      if (!project) return api_error(problem);
      updated.project_id = *project;
    }
    if (std::string error = assign_users(a, updated.users); !error.empty()) return api_error(error);
    if (std::string error = set_custom_fields(a, updated.custom_fields); !error.empty())
      return api_error(error);
    updated.is_billable = bool_arg(a, "is_billable", updated.is_billable);
    copy_details(a, updated.details,
                 {"description", "due_date", "list_id", "list_position", "service_id",
                  "service_name", "estimated_time", "hourly_rate", "type"});
    // Looked up again: resolve_project may have grown ws_.projects (never ws_.tasks).
    *ws_.task(*id) = std::move(updated);
    record_effect("task_updated:" + std::to_string(*id));
    return api_result(view(ws_, *ws_.task(*id), false, true));
  }

  ToolOutcome create_customer(const json& a, std::int64_t) {
    Customer customer{ws_.new_id(), string_arg(a, "name").value_or(""), "ACTIVE"};
    if (std::string error = set_custom_fields(a, customer.custom_fields); !error.empty())
      return api_error(error);
    ws_.customers.push_back(customer);
    record_effect("customer_created:" + std::to_string(customer.id));
    return api_result(view(ws_, customer));
  }

  ToolOutcome update_customer(const json& a, std::int64_t) {
    auto id = integer_arg(a, "customer_id");
    Customer* customer = id ? ws_.customer(*id) : nullptr;
    if (!customer) return api_error("customer " + a["customer_id"].dump() + " not found");
    json fields = customer->custom_fields;
    if (std::string error = set_custom_fields(a, fields); !error.empty()) return api_error(error);
    customer->custom_fields = std::move(fields);
    customer->name = string_arg(a, "name").value_or(customer->name);
    record_effect("customer_updated:" + std::to_string(customer->id));
    return api_result(view(ws_, *customer));
  }

  ToolOutcome create_project(const json& a, std::int64_t) {
    std::string problem;
    auto customer = resolve_customer(a, &problem);
    if (!problem.empty()) return api_error(problem);
    Project project{
        ws_.new_id(), string_arg(a, "name").value_or(""), "ACTIVE", customer.value_or(0), true, 0.0,
        {ws_.me}};
    if (std::string error = set_custom_fields(a, project.custom_fields); !error.empty())
      return api_error(error);
    copy_details(a, project.details, {"is_public", "default_view", "estimated_time"});
    ws_.projects.push_back(project);
    record_effect("project_created:" + std::to_string(project.id));
    return api_result(view(ws_, project, false));
  }

  ToolOutcome update_project(const json& a, std::int64_t) {
    auto id = integer_arg(a, "project_id");
    if (!id || !ws_.project(*id))
      return api_error("project " + a["project_id"].dump() + " not found");
    Project updated = *ws_.project(*id);
    std::string problem;
    auto customer = resolve_customer(a, &problem);
    if (!problem.empty()) return api_error(problem);
    if (customer) updated.customer_id = *customer;
    if (std::string error = set_custom_fields(a, updated.custom_fields); !error.empty())
      return api_error(error);
    updated.name = string_arg(a, "name").value_or(updated.name);
    updated.is_billable = bool_arg(a, "is_billable", updated.is_billable);
    if (a.contains("hourly_rate")) {
      json holder = {{"rate", a["hourly_rate"]}};
      if (auto rate = number_arg(holder, "rate"))
        updated.hourly_rate = *rate;
      else if (auto text_rate = integer_arg(holder, "rate"))
        updated.hourly_rate = static_cast<double>(*text_rate);
      else
        return api_error("hourly_rate must be a number");
    }
    copy_details(a, updated.details,
                 {"color", "delivery_date", "service_id", "service_name", "notes", "estimated_time",
                  "fixed_rate", "retainer_closing_day", "default_view"});
    *ws_.project(*id) = std::move(updated);
    record_effect("project_updated:" + std::to_string(*id));
    return api_result(view(ws_, *ws_.project(*id), true));
  }

  // Returns the start times of an entry and its repetitions, or an error message.
  std::variant<std::vector<std::int64_t>, std::string> occurrences(const json& a,
                                                                   std::int64_t start) {
    auto repeat = string_arg(a, "repeat");
    if (!repeat) return std::vector<std::int64_t>{start};
    auto until = parse_time_ms(string_arg(a, "end_repeat").value_or(""));
    if (!until) return std::string("a repeating entry needs end_repeat (a date)");
    std::int64_t every = integer_arg(a, "repeat_every").value_or(1);
    if (every < 1 || every > kMaxRepeatEvery) {
      return "repeat_every must be a whole number from 1 to " + std::to_string(kMaxRepeatEvery);
    }
    std::string unit = *repeat == "EVERY_DAY"     ? "DAILY"
                       : *repeat == "EVERY_WEEK"  ? "WEEKLY"
                       : *repeat == "EVERY_MONTH" ? "MONTHLY"
                       : *repeat == "EVERY_YEAR"  ? "YEARLY"
                                                  : "";
    if (*repeat != "CUSTOM")
      every = 1;
    else
      unit = string_arg(a, "frequency").value_or("");
    if (unit.empty()) return std::string("repeat CUSTOM needs a frequency");
    std::vector<std::int64_t> starts;
    std::int64_t last = *until + kMillisPerDay - 1;
    for (std::int64_t n = 0;; ++n) {
      std::int64_t at = unit == "DAILY"     ? start + n * every * kMillisPerDay
                        : unit == "WEEKLY"  ? start + n * every * 7 * kMillisPerDay
                        : unit == "MONTHLY" ? add_months(start, n * every)
                                            : add_months(start, n * every * 12);
      if (at > last) break;
      if (static_cast<std::int64_t>(starts.size()) == kMaxRecurringEntries) {
        return "the repetition would create more than " + std::to_string(kMaxRecurringEntries) +
               " entries";
      }
      starts.push_back(at);
    }
    return starts;
  }

  ToolOutcome create_event(const json& a, std::int64_t) {
    auto start = parse_time_ms(string_arg(a, "start").value_or(""));
    auto end = parse_time_ms(string_arg(a, "end").value_or(""));
    if (!start || !end) return api_error("start and end must be date-times (YYYY-MM-DD HH:MM:SS)");
    if (*end < *start) return api_error("end is before start");
    std::int64_t user_id = integer_arg(a, "user_id").value_or(ws_.me);
    if (!ws_.user(user_id)) return api_error("user " + std::to_string(user_id) + " not found");
    auto starts = occurrences(a, *start);
    if (auto* problem = std::get_if<std::string>(&starts)) return api_error(*problem);
    std::string problem;
    auto task = resolve_task(a, &problem);
    if (!task) return api_error(problem);
    std::int64_t project = *task ? ws_.task(*task)->project_id : 0;
    if (!*task) {
      auto resolved = resolve_project(a, &problem);
      if (!resolved) return api_error(problem);
      project = *resolved;
    }
    json custom_fields = json::object();
    if (std::string error = set_custom_fields(a, custom_fields); !error.empty())
      return api_error(error);
    std::int64_t duration_s = integer_arg(a, "duration").value_or((*end - *start) / 1000);
    json created = json::array();
    for (std::int64_t at : std::get<std::vector<std::int64_t>>(starts)) {
      ws_.events.push_back(
          {ws_.new_id(), user_id, *task, project, at, at + (*end - *start),
           string_arg(a, "notes").value_or(""), string_arg(a, "event_type").value_or("WORK"),
           string_arg(a, "timezone").value_or("UTC"), false, duration_s, custom_fields});
      created.push_back(view(ws_, ws_.events.back(), true));
    }
    std::string first = created.front()["id"].dump();
    if (created.size() == 1) {
      record_effect("event_created:" + first);
      return api_result(std::move(created.front()));
    }
    record_effect("events_created:" + std::to_string(created.size()) + ":" + first + ".." +
                  created.back()["id"].dump());
    return api_result(std::move(created));
  }

  ToolOutcome update_event(const json& a, std::int64_t) {
    auto id = integer_arg(a, "event_id");
    if (!id || !ws_.event(*id)) return api_error("event " + a["event_id"].dump() + " not found");
    Event updated = *ws_.event(*id);
    std::string problem;
    if (a.contains("task_id") || a.contains("task_name")) {
      auto task = resolve_task(a, &problem);
      if (!task) return api_error(problem);
      updated.task_id = *task;
      if (*task) updated.project_id = ws_.task(*task)->project_id;
    } else if (a.contains("project_id") || a.contains("project_name")) {
      auto project = resolve_project(a, &problem);
      if (!project) return api_error(problem);
      updated.project_id = *project;
    }
    for (const char* key : {"start", "end"}) {
      auto text = string_arg(a, key);
      if (!text) continue;
      auto at = parse_time_ms(*text);
      if (!at) return api_error(std::string(key) + " must be a date-time (YYYY-MM-DD HH:MM:SS)");
      if (std::string_view(key) == "start") {
        updated.start_ms = *at;
      } else if (!updated.end_ms) {
        return api_error("event " + std::to_string(*id) +
                         " is a running timer; stop it with stop_task");
      } else {
        updated.end_ms = *at;
      }
    }
    if (updated.end_ms && *updated.end_ms < updated.start_ms)
      return api_error("end is before start");
    if (updated.end_ms) updated.duration_s = (*updated.end_ms - updated.start_ms) / 1000;
    if (a.contains("user_id")) {
      auto user = integer_arg(a, "user_id");
      if (!user || !ws_.user(*user)) return api_error("user " + a["user_id"].dump() + " not found");
      updated.user_id = *user;
    }
    if (std::string error = set_custom_fields(a, updated.custom_fields); !error.empty())
      return api_error(error);
    updated.notes = string_arg(a, "notes").value_or(updated.notes);
    updated.event_type = string_arg(a, "event_type").value_or(updated.event_type);
    updated.is_billed = bool_arg(a, "is_billed", updated.is_billed);
    *ws_.event(*id) = std::move(updated);
    record_effect("event_updated:" + std::to_string(*id));
    return api_result(view(ws_, *ws_.event(*id), bool_arg(a, "include_custom_fields", false)));
  }

  // Closes the caller's running timer: the entry gets its end and duration from now_ms.
  json stop_timer(std::int64_t user_id, std::int64_t now_ms) {
    Timer timer = ws_.timers.at(user_id);
    ws_.timers.erase(user_id);
    Event* event = ws_.event(timer.event_id);
    event->end_ms = std::max(now_ms, event->start_ms);
    event->duration_s = (*event->end_ms - event->start_ms) / 1000;
    record_effect("timer_stopped:" + std::to_string(timer.task_id));
    return view(ws_, *event, false);
  }

  // The caller tracks; `date` is not used: the timer starts at now_ms (the injected clock).
  ToolOutcome track_task(const json& a, std::int64_t now_ms) {
    if (!a.contains("task_id") && !a.contains("task_name")) {
      return api_error("give task_id, or task_name with project_id or project_name");
    }
    std::string problem;
    auto task = resolve_task(a, &problem);
    if (!task || *task == 0)
      return api_error(problem.empty() ? "give task_id or task_name" : problem);
    auto running = ws_.timers.find(ws_.me);
    if (running != ws_.timers.end()) {
      if (running->second.task_id == *task)
        return api_error("task " + std::to_string(*task) + " is already being tracked");
      if (!bool_arg(a, "stop_running_task", false)) {
        return api_error("a timer is already running on task " +
                         std::to_string(running->second.task_id) +
                         "; pass stop_running_task:true to stop it");
      }
      stop_timer(ws_.me, now_ms);
    }
    const Task& tracked = *ws_.task(*task);
    ws_.events.push_back({ws_.new_id(), ws_.me, tracked.id, tracked.project_id, now_ms,
                          std::nullopt, string_arg(a, "notes").value_or(""), "WORK",
                          string_arg(a, "timezone").value_or("UTC"), false, 0});
    ws_.timers[ws_.me] = {tracked.id, ws_.events.back().id};
    record_effect("timer_started:" + std::to_string(tracked.id));
    if (bool_arg(a, "return_task", false)) return api_result(view(ws_, tracked, false, false));
    return api_result(view(ws_, ws_.events.back(), false));
  }

  ToolOutcome stop_task(const json& a, std::int64_t now_ms) {
    auto task = integer_arg(a, "task_id");
    if (!task || !ws_.task(*task)) return api_error("task " + a["task_id"].dump() + " not found");
    auto running = ws_.timers.find(ws_.me);
    if (running == ws_.timers.end() || running->second.task_id != *task) {
      return api_error("no timer is running on task " + std::to_string(*task));
    }
    json event = stop_timer(ws_.me, now_ms);
    if (bool_arg(a, "return_task", false))
      return api_result(view(ws_, *ws_.task(*task), false, false));
    return api_result(std::move(event));
  }

  ToolOutcome create_custom_field(const json& a, std::int64_t) {
    CustomField field{ws_.new_id(),
                      string_arg(a, "name").value_or(""),
                      string_arg(a, "value_type").value_or(""),
                      string_arg(a, "filter_object_class").value_or(""),
                      string_arg(a, "color").value_or(""),
                      string_arg(a, "notes").value_or(""),
                      {}};
    ws_.custom_fields.push_back(field);
    record_effect("custom_field_created:" + std::to_string(field.id));
    return api_result(view(field));
  }

  ToolOutcome create_enum_option(const json& a, std::int64_t) {
    auto id = integer_arg(a, "custom_field");
    CustomField* field = id ? ws_.custom_field(*id) : nullptr;
    if (!field) return api_error("custom field " + a["custom_field"].dump() + " not found");
    if (field->value_type != "enum")
      return api_error("custom field " + std::to_string(*id) + " is not an enum field");
    EnumOption option{
        ws_.new_id(), string_arg(a, "name").value_or(""), string_arg(a, "color").value_or(""),
        bool_arg(a, "enabled", true),
        integer_arg(a, "index").value_or(static_cast<std::int64_t>(field->options.size()))};
    field->options.push_back(option);
    record_effect("enum_option_created:" + std::to_string(option.id));
    return api_result(view(*field));
  }

  Workspace ws_;
};

}  // namespace

std::unique_ptr<Catalog> make_trackingtime_catalog(std::uint64_t seed) {
  auto catalog = std::make_unique<TrackingTimeCatalog>(seed);
  catalog->check_complete();
  return catalog;
}

}  // namespace gatecrash::mock
