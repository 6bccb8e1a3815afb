// mock_servers/trackingtime_workspace.cc — TrackingTime's seeded workspace and its views.
#include "mock_servers/trackingtime_workspace.h"

#include <algorithm>
#include <cctype>

#include "mock_servers/civil_time.h"

namespace gatecrash::mock::trackingtime {
namespace {

using nlohmann::json;

const std::vector<std::string> kWorkspaceNames = {"Acme Studio", "Northwind Consulting",
                                                  "Blue Fjord Labs", "Harbor & Pine"};
const std::vector<std::string> kFirstNames = {"Lucia", "Marek", "Sofia", "Tomas",
                                              "Ines",  "Kwame", "Yuki",  "Olga"};
const std::vector<std::string> kSurnames = {"Alvarez", "Berg",    "Costa", "Dvorak",
                                            "Eriksen", "Fischer", "Gomez"};
const std::vector<std::string> kCustomers = {"Globex", "Initech", "Umbrella Foods",
                                             "Stark Logistics", "Wayne Health"};
const std::vector<std::string> kProjects = {"Website relaunch", "Mobile app",    "Data warehouse",
                                            "Support retainer", "Brand refresh", "API integration"};
const std::vector<std::string> kTasks = {"Kick-off meeting", "Wireframes",    "Backend endpoints",
                                         "QA pass",          "Deployment",    "Client call",
                                         "Bug triage",       "Documentation", "Design review"};

template <class Item>
Item* find_item(std::vector<Item>& items, std::int64_t id) {
  auto found =
      std::find_if(items.begin(), items.end(), [id](const Item& item) { return item.id == id; });
  return found == items.end() ? nullptr : &*found;
}

template <class Item>
const Item* find_const(const std::vector<Item>& items, std::int64_t id) {
  auto found =
      std::find_if(items.begin(), items.end(), [id](const Item& item) { return item.id == id; });
  return found == items.end() ? nullptr : &*found;
}

json id_list(const std::vector<std::int64_t>& ids) {
  json list = json::array();
  for (std::int64_t id : ids) list.push_back({{"id", id}});
  return list;
}

void add_people(Workspace& ws, SeededRandom& random) {
  std::int64_t user_base = random.between(200'000, 899'000);
  for (int i = 0; i < 4; ++i) {
    std::string name =
        kFirstNames[(random.below(kFirstNames.size()) + static_cast<std::size_t>(i)) %
                    kFirstNames.size()];
    std::string surname = random.pick(kSurnames);
    std::string email = name + "." + surname + "@example.com";
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ws.users.push_back({user_base + i,
                        name,
                        surname,
                        email,
                        i == 0 ? "ADMIN" : "USER",
                        i == 3 ? "ARCHIVED" : "ACTIVE",
                        static_cast<double>(random.between(40, 140)),
                        {}});
  }
  ws.me = ws.users.front().id;
  std::int64_t customer_base = random.between(300'000, 899'000);
  for (int i = 0; i < 3; ++i) {
    ws.customers.push_back(
        {customer_base + i,
         kCustomers[(random.below(kCustomers.size()) + static_cast<std::size_t>(i)) %
                    kCustomers.size()],
         "ACTIVE"});
  }
}

void add_work(Workspace& ws, SeededRandom& random) {
  std::int64_t project_base = random.between(400'000, 899'000);
  std::size_t first_project = random.below(kProjects.size());
  for (int i = 0; i < 4; ++i) {
    std::vector<std::int64_t> members = {ws.users[0].id,
                                         ws.users[1 + static_cast<std::size_t>(i) % 2].id};
    ws.projects.push_back(
        {project_base + i,
         kProjects[(first_project + static_cast<std::size_t>(i)) % kProjects.size()],
         i == 3 ? "ARCHIVED" : "ACTIVE", ws.customers[static_cast<std::size_t>(i) % 3].id, i != 2,
         static_cast<double>(random.between(60, 180)), members});
  }
  ws.users[0].favorite_projects = {ws.projects[0].id};
  ws.users[1].favorite_projects = {ws.projects[1].id};
  std::int64_t task_base = random.between(500'000, 899'000);
  for (int i = 0; i < 8; ++i) {
    const Project& project = ws.projects[static_cast<std::size_t>(i) % 3];
    ws.tasks.push_back({task_base + i, random.pick(kTasks), i == 7 ? "ARCHIVED" : "ACTIVE",
                        project.id, project.users, project.is_billable});
  }
  ws.custom_fields.push_back({ws.new_id(), "Cost center", "text", "project", "#4a90d9", "", {}});
  ws.custom_fields.push_back(
      {ws.new_id(),
       "Priority",
       "enum",
       "task",
       "#d0021b",
       "",
       {{ws.new_id(), "High", "#d0021b", true, 0}, {ws.new_id(), "Low", "#7ed321", true, 1}}});
  // Time entries on the working days of 2025-06-02 (a Monday) .. 2025-06-13.
  const std::int64_t first_day = days_from_civil(2025, 6, 2) * kMillisPerDay;
  for (int i = 0; i < 12; ++i) {
    std::int64_t day = first_day + ((i / 5) * 7 + i % 5) * kMillisPerDay;
    std::int64_t start = day + random.between(8, 12) * 3'600'000 + random.between(0, 3) * 900'000;
    std::int64_t duration_s = random.between(2, 16) * 900;
    const Task& task = ws.tasks[random.below(7)];
    std::int64_t user = task.users[random.below(task.users.size())];
    ws.events.push_back({ws.new_id(), user, task.id, task.project_id, start,
                         start + duration_s * 1000, "", "WORK", "Europe/Madrid",
                         random.chance_per_mille(400), duration_s});
  }
}

}  // namespace

User* Workspace::user(std::int64_t id) { return find_item(users, id); }
Customer* Workspace::customer(std::int64_t id) { return find_item(customers, id); }
Project* Workspace::project(std::int64_t id) { return find_item(projects, id); }
Task* Workspace::task(std::int64_t id) { return find_item(tasks, id); }
Event* Workspace::event(std::int64_t id) { return find_item(events, id); }
CustomField* Workspace::custom_field(std::int64_t id) { return find_item(custom_fields, id); }

Workspace seeded_workspace(SeededRandom& random) {
  Workspace ws;
  ws.account_id = random.between(100'000, 999'999);
  ws.name = random.pick(kWorkspaceNames);
  ws.next_id = random.between(1'000'000, 8'000'000);
  add_people(ws, random);
  add_work(ws, random);
  return ws;
}

json view(const Workspace&, const User& user, bool billing, bool custom_fields) {
  json out = {{"id", user.id},       {"name", user.name}, {"surname", user.surname},
              {"email", user.email}, {"role", user.role}, {"status", user.status}};
  if (billing) {
    out["hourly_rate"] = user.hourly_rate;
    out["cost_rate"] = user.hourly_rate * 0.6;
  }
  if (custom_fields) out["custom_fields"] = json::object();
  return out;
}

json view(const Workspace&, const Customer& customer) {
  return {{"id", customer.id},
          {"name", customer.name},
          {"status", customer.status},
          {"custom_fields", customer.custom_fields}};
}

json view(const Workspace& ws, const Project& project, bool billing) {
  json out = project.details;
  out.update({{"id", project.id},
              {"name", project.name},
              {"status", project.status},
              {"is_billable", project.is_billable},
              {"users", id_list(project.users)},
              {"custom_fields", project.custom_fields}});
  if (const Customer* customer = find_const(ws.customers, project.customer_id)) {
    out["customer_id"] = customer->id;
    out["customer"] = customer->name;
  }
  if (billing)
    out["hourly_rate"] = project.hourly_rate;
  else
    out.erase("fixed_rate");
  return out;
}

json view(const Workspace& ws, const Task& task, bool billing, bool custom_fields) {
  json out = task.details;
  out.update({{"id", task.id},
              {"name", task.name},
              {"status", task.status},
              {"is_billable", task.is_billable},
              {"users", id_list(task.users)}});
  if (const Project* project = find_const(ws.projects, task.project_id)) {
    out["project_id"] = project->id;
    out["project"] = project->name;
    if (billing) out["hourly_rate"] = project->hourly_rate;
  }
  if (!billing) out.erase("hourly_rate");
  bool tracking = std::any_of(ws.timers.begin(), ws.timers.end(),
                              [&](const auto& entry) { return entry.second.task_id == task.id; });
  out["tracking"] = tracking;
  if (custom_fields) out["custom_fields"] = task.custom_fields;
  return out;
}

json view(const Workspace& ws, const Event& event, bool custom_fields) {
  json out = {{"id", event.id},
              {"user_id", event.user_id},
              {"task_id", event.task_id},
              {"project_id", event.project_id},
              {"start", format_date_time(event.start_ms)},
              {"end", event.end_ms ? json(format_date_time(*event.end_ms)) : json(nullptr)},
              {"duration", event.duration_s},
              {"notes", event.notes},
              {"event_type", event.event_type},
              {"timezone", event.timezone},
              {"is_billed", event.is_billed},
              {"is_running", !event.end_ms.has_value()}};
  if (const User* user = find_const(ws.users, event.user_id))
    out["user"] = user->name + " " + user->surname;
  if (const Task* task = find_const(ws.tasks, event.task_id)) out["task"] = task->name;
  if (const Project* project = find_const(ws.projects, event.project_id))
    out["project"] = project->name;
  if (custom_fields) out["custom_fields"] = event.custom_fields;
  return out;
}

json view(const CustomField& field) {
  json options = json::array();
  for (const EnumOption& option : field.options) {
    options.push_back({{"id", option.id},
                       {"name", option.name},
                       {"color", option.color},
                       {"enabled", option.enabled},
                       {"index", option.index}});
  }
  json out = {{"id", field.id},
              {"name", field.name},
              {"value_type", field.value_type},
              {"filter_object_class", field.object_class},
              {"color", field.color},
              {"notes", field.notes}};
  if (field.value_type == "enum") out["options"] = options;
  return out;
}

}  // namespace gatecrash::mock::trackingtime
