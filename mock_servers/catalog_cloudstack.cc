// mock_servers/catalog_cloudstack.cc — the CloudStack mock: write tools as async jobs over the inventory.
#include <algorithm>
#include <cctype>

#include "mock_servers/catalog_base.h"
#include "mock_servers/cloudstack_inventory.h"
#include "mock_servers/cloudstack_listings.h"

namespace gatecrash::mock {
namespace {

using nlohmann::json;
using namespace cloudstack;

// A job stays pending (jobstatus 0) this long before it runs; a small share fails for no reason
// the caller can see, as real clouds do.
constexpr std::int64_t kJobMinPendingMs = 300;
constexpr std::int64_t kJobMaxPendingMs = 2000;
constexpr int kJobFailurePerMille = 30;
constexpr std::int64_t kDestroyAfterStopMs = 2000;  // the real handler sleeps 2 s between the two jobs
constexpr const char* kInternalError = "Internal error executing command, please contact your system administrator";

// What a job does when it comes due. `check` returns why the job fails now ("" to go ahead);
// `apply` changes the inventory and returns the effect; `undo` cleans up after a failure.
struct JobPlan {
  std::string cmd, instancetype, instanceid, event_type, description;
  std::function<std::string()> check;
  std::function<std::string()> apply;
  std::function<void()> undo;
};

bool valid_hostname(const std::string& name) {
  if (name.empty() || name.size() > 63 || !std::isalpha(static_cast<unsigned char>(name[0])) || name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

bool valid_base64(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::size_t padding = text.size() - std::min(text.find_last_not_of('='), text.size() - 1) - 1;
  if (padding > 2) return false;
  return std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    std::string id = text.substr(start, comma - start);
    id.erase(0, id.find_first_not_of(' '));
    id.erase(id.find_last_not_of(' ') + 1);
    if (!id.empty()) ids.push_back(id);
    start = comma + 1;
  }
  return ids;
}

class CloudStackCatalog final : public CatalogBase {
 public:
  explicit CloudStackCatalog(std::uint64_t seed) : CatalogBase("cloudstack", seed), inv_(seeded_inventory(random())) {
    for (const NamedReadTool& tool : read_tools()) {
      on(std::string(tool.name), [this, run = tool.run](const json& a, std::int64_t) { return run(inv_, a); });
    }
    register_vm_tools();
    register_storage_tools();
    register_network_tools();
  }

 private:
  using Tool = ToolOutcome (CloudStackCatalog::*)(const json&, std::int64_t);
  void bind(const std::string& name, Tool tool) {
    on(name, [this, tool](const json& a, std::int64_t now) { return (this->*tool)(a, now); });
  }

  void register_vm_tools() {
    bind("start_virtual_machine", &CloudStackCatalog::start_vm);
    bind("stop_virtual_machine", &CloudStackCatalog::stop_vm);
    bind("reboot_virtual_machine", &CloudStackCatalog::reboot_vm);
    bind("destroy_virtual_machine", &CloudStackCatalog::destroy_vm);
    bind("deploy_virtual_machine", &CloudStackCatalog::deploy_vm);
    bind("scale_virtual_machine", &CloudStackCatalog::scale_vm);
    bind("migrate_virtual_machine", &CloudStackCatalog::migrate_vm);
    bind("reset_password_virtual_machine", &CloudStackCatalog::reset_password);
    bind("change_service_offering_virtual_machine", &CloudStackCatalog::change_service_offering);
  }
  void register_storage_tools() {
    bind("create_volume", &CloudStackCatalog::create_volume);
    bind("attach_volume", &CloudStackCatalog::attach_volume);
    bind("detach_volume", &CloudStackCatalog::detach_volume);
    bind("resize_volume", &CloudStackCatalog::resize_volume);
    bind("create_snapshot", &CloudStackCatalog::create_snapshot);
  }
  void register_network_tools() {
    bind("create_network", &CloudStackCatalog::create_network);
    bind("associate_ip_address", &CloudStackCatalog::associate_ip);
    bind("enable_static_nat", &CloudStackCatalog::enable_static_nat);
    bind("create_firewall_rule", &CloudStackCatalog::create_firewall_rule);
    bind("create_ssh_key_pair", &CloudStackCatalog::create_ssh_key_pair);
    bind("create_security_group_rule", &CloudStackCatalog::create_security_group_rule);
  }

  // ---- async jobs -------------------------------------------------------------------------

  void advance_to(std::int64_t now_ms) override {
    for (;;) {
      AsyncJob* due = nullptr;
      for (AsyncJob& job : inv_.jobs) {
        if (job.status != 0 || job.due_ms > now_ms) continue;
        if (due == nullptr || job.due_ms < due->due_ms || (job.due_ms == due->due_ms && job.sequence < due->sequence)) {
          due = &job;
        }
      }
      if (due == nullptr) return;
      finish(*due);
    }
  }

  void finish(AsyncJob& job) {
    auto plan = plans_.extract(job.id);
    if (plan.empty()) {  // cannot happen: every queued job has a plan; fail it rather than crash
      job.status = 2;
      job.errortext = kInternalError;
      return;
    }
    std::string failure = job.doomed ? kInternalError : plan.mapped().check();
    if (failure.empty()) {
      job.status = 1;
      record_effect(plan.mapped().apply());
      log_event(plan.mapped().event_type, "INFO", "Completed: " + plan.mapped().description, "Completed", job.due_ms);
    } else {
      job.status = 2;
      job.errortext = failure;
      if (plan.mapped().undo) plan.mapped().undo();
      record_effect("job_failed:" + job.id);
      log_event(plan.mapped().event_type, "ERROR", "Failed: " + plan.mapped().description + ": " + failure, "Completed",
                job.due_ms);
    }
  }

  // Queues a job due after a seeded delay (counted from `not_before_ms` when later than now).
  std::string queue(JobPlan plan, std::int64_t now_ms, std::int64_t not_before_ms = 0) {
    AsyncJob job;
    job.id = random().uuid();
    job.cmd = plan.cmd;
    job.instancetype = plan.instancetype;
    job.instanceid = plan.instanceid;
    job.created_ms = now_ms;
    job.due_ms = std::max(now_ms, not_before_ms) + random().between(kJobMinPendingMs, kJobMaxPendingMs);
    job.doomed = random().chance_per_mille(kJobFailurePerMille);
    job.sequence = job_sequence_++;
    log_event(plan.event_type, "INFO", "Scheduled: " + plan.description, "Scheduled", now_ms);
    // The job id plus what it is for, e.g. "job_created:<uuid>:VM.DESTROY:vm-3"; the state change
    // itself is reported when the job completes.
    record_effect("job_created:" + job.id + ":" + plan.event_type + ":" + plan.instanceid);
    plans_.emplace(job.id, std::move(plan));
    inv_.jobs.push_back(job);
    return job.id;
  }

  void log_event(const std::string& type, const std::string& level, const std::string& description,
                 const std::string& state, std::int64_t at_ms) {
    inv_.events.push_back({inv_.new_id("ev"), type, level, description, state, "admin", at_ms});
  }

  static ToolOutcome job_reply(const std::string& what, const std::string& job_id, json extra = json::object()) {
    extra["jobid"] = job_id;
    return text_and_json_result(what + "\nJob ID: " + job_id, std::move(extra));
  }

  // ---- lookups ------------------------------------------------------------------------------

  Vm* vm(const std::string& id) { return find_by_id(inv_.vms, id); }
  Volume* volume(const std::string& id) { return find_by_id(inv_.volumes, id); }
  static std::string arg(const json& a, std::string_view key) { return string_arg(a, key).value_or(""); }

  const ServiceOffering* user_offering(const std::string& id) {
    ServiceOffering* offering = find_by_id(inv_.service_offerings, id);
    return offering && !offering->issystem ? offering : nullptr;
  }

  std::string first_host(const std::string& zone_id, const std::string& except = "") const {
    for (const Host& host : inv_.hosts) {
      if (host.zoneid == zone_id && host.state == "Up" && host.id != except) return host.id;
    }
    return "";
  }

  // A check that the VM still exists and is in one of `states`.
  std::function<std::string()> vm_in(const std::string& id, std::vector<std::string> states, std::string action) {
    return [this, id, states = std::move(states), action = std::move(action)]() -> std::string {
      Vm* target = vm(id);
      if (target == nullptr) return "virtual machine " + id + " no longer exists";
      if (std::find(states.begin(), states.end(), target->state) != states.end()) return "";
      return "unable to " + action + " virtual machine " + id + " in state " + target->state;
    };
  }

  // ---- VM tools ----------------------------------------------------------------------------

  ToolOutcome start_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!vm(id)) return not_found("virtual machine", id);
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.StartVMCmd", "VirtualMachine", id, "VM.START",
                             "starting VM " + id, vm_in(id, {"Stopped"}, "start"),
                             [this, id] {
                               Vm* target = vm(id);
                               target->state = "Running";
                               target->hostid = first_host(target->zoneid);
                               return "vm_started:" + id;
                             },
                             {}},
                            now);
    return job_reply("Start requested for virtual machine " + id + ".", job, {{"id", id}});
  }

  ToolOutcome stop_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!vm(id)) return not_found("virtual machine", id);
    bool forced = bool_arg(a, "forced", false);
    std::string job = queue_stop(id, forced, now);
    return job_reply(std::string(forced ? "Forced stop" : "Stop") + " requested for virtual machine " + id + ".", job,
                     {{"id", id}});
  }

  std::string queue_stop(const std::string& id, bool forced, std::int64_t now) {
    return queue({"org.apache.cloudstack.api.command.user.vm.StopVMCmd", "VirtualMachine", id, "VM.STOP",
                  std::string(forced ? "force-stopping" : "stopping") + " VM " + id, vm_in(id, {"Running"}, "stop"),
                  [this, id] {
                    Vm* target = vm(id);
                    target->state = "Stopped";
                    target->hostid.clear();
                    return "vm_stopped:" + id;
                  },
                  {}},
                 now);
  }

  ToolOutcome reboot_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!vm(id)) return not_found("virtual machine", id);
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.RebootVMCmd", "VirtualMachine", id,
                             "VM.REBOOT", "rebooting VM " + id, vm_in(id, {"Running"}, "reboot"),
                             [id] { return "vm_rebooted:" + id; }, {}},
                            now);
    return job_reply("Reboot requested for virtual machine " + id + ".", job, {{"id", id}});
  }

  ToolOutcome destroy_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    Vm* target = vm(id);
    if (!target) return not_found("virtual machine", id);
    bool expunge = bool_arg(a, "expunge", false);
    std::string text;
    json reply = {{"id", id}};
    std::int64_t not_before = 0;
    if (target->state == "Running") {  // the real handler force-stops first, then waits 2 s
      std::string stop_job = queue_stop(id, /*forced=*/true, now);
      text = "Virtual machine " + id + " was running: forced stop requested.\nStop Job ID: " + stop_job + "\n";
      reply["stopjobid"] = stop_job;
      not_before = now + kDestroyAfterStopMs;
    }
    std::vector<std::string> destroyable = {"Running", "Stopped", "Error"};
    if (expunge) destroyable.push_back("Destroyed");
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.DestroyVMCmd", "VirtualMachine", id,
                             expunge ? "VM.EXPUNGE" : "VM.DESTROY", "destroying VM " + id, vm_in(id, destroyable, "destroy"),
                             [this, id, expunge] { return destroy_now(id, expunge); }, {}},
                            now, not_before);
    return job_reply(text + "Destroy" + (expunge ? " with expunge" : "") + " requested for virtual machine " + id + ".",
                     job, reply);
  }

  std::string destroy_now(const std::string& id, bool expunge) {
    for (PublicIp& ip : inv_.public_ips) {
      if (ip.virtualmachineid == id) {
        ip.virtualmachineid.clear();
        ip.isstaticnat = false;
      }
    }
    if (!expunge) {
      Vm* target = vm(id);
      target->state = "Destroyed";
      target->hostid.clear();
      return "vm_destroyed:" + id;
    }
    std::erase_if(inv_.volumes, [&](const Volume& v) { return v.virtualmachineid == id && v.type == "ROOT"; });
    for (Volume& data : inv_.volumes) {
      if (data.virtualmachineid == id) {
        data.virtualmachineid.clear();
        data.deviceid.reset();
      }
    }
    std::erase_if(inv_.vms, [&](const Vm& v) { return v.id == id; });
    return "vm_destroyed:" + id + ";vm_expunged:" + id;
  }

  ToolOutcome deploy_vm(const json& a, std::int64_t now) {
    const ServiceOffering* offering = user_offering(arg(a, "serviceofferingid"));
    if (!offering) return not_found("service offering", arg(a, "serviceofferingid"));
    const Template* image = find_by_id(inv_.templates, arg(a, "templateid"));
    if (!image) return not_found("template", arg(a, "templateid"));
    const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
    if (!zone) return not_found("zone", arg(a, "zoneid"));
    std::vector<std::string> network_ids = split_ids(arg(a, "networkids"));
    for (const Network& network : inv_.networks) {
      if (network_ids.empty() && network.zoneid == zone->id && network.isdefault) network_ids.push_back(network.id);
    }
    std::vector<Network*> networks;
    for (const std::string& id : network_ids) {
      Network* network = find_by_id(inv_.networks, id);
      if (!network) return not_found("network", id);
      if (network->zoneid != zone->id) return tool_error("CloudStack API error 431: network " + id + " is not in zone " + zone->id);
      networks.push_back(network);
    }
    std::vector<std::string> groups = split_ids(arg(a, "securitygroupids"));
    if (groups.empty()) groups.push_back("sg-1");
    for (const std::string& id : groups) {
      if (!find_by_id(inv_.security_groups, id)) return not_found("security group", id);
    }
    std::string keypair = arg(a, "keypair");
    if (!keypair.empty() && std::none_of(inv_.ssh_key_pairs.begin(), inv_.ssh_key_pairs.end(),
                                         [&](const SshKeyPair& pair) { return pair.name == keypair; })) {
      return tool_error("CloudStack API error 431: no SSH key pair named '" + keypair + "'");
    }
    auto userdata = string_arg(a, "userdata");
    if (userdata && !valid_base64(*userdata)) return tool_error("CloudStack API error 431: userdata is not valid base64");
    std::string id = inv_.new_id("vm");
    std::string name = string_arg(a, "name").value_or(id);
    if (!valid_hostname(name)) {
      return tool_error("CloudStack API error 431: invalid name '" + name +
                        "': use up to 63 letters, digits and hyphens, starting with a letter");
    }
    for (const Vm& existing : inv_.vms) {
      if (existing.name == name && existing.state != "Destroyed") {
        return tool_error("CloudStack API error 431: a virtual machine named '" + name + "' already exists");
      }
    }
    Network& primary = *networks.front();
    std::string address = primary.gateway.substr(0, primary.gateway.rfind('.') + 1) + std::to_string(primary.next_host++);
    inv_.vms.push_back({id, name, string_arg(a, "displayname").value_or(name), zone->id, image->id, offering->id, "",
                        "Starting", primary.id, address, keypair, groups, now, userdata.has_value()});
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.DeployVMCmd", "VirtualMachine", id, "VM.CREATE",
                             "deploying VM " + id, vm_in(id, {"Starting"}, "deploy"),
                             [this, id, size = image->size_gb, now] {
                               Vm* target = vm(id);
                               target->state = "Running";
                               target->hostid = first_host(target->zoneid);
                               inv_.volumes.push_back({inv_.new_id("vol"), "ROOT-" + id, target->zoneid, "ROOT", "Ready",
                                                       id, "", size, 0, now});
                               return "vm_deployed:" + id;
                             },
                             [this, id] {
                               if (Vm* target = vm(id)) target->state = "Error";
                             }},
                            now);
    return job_reply("Deployment of virtual machine " + name + " started.\nVM ID: " + id, job, {{"id", id}});
  }

  ToolOutcome scale_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!vm(id)) return not_found("virtual machine", id);
    std::string offering_id = arg(a, "serviceofferingid");
    if (!user_offering(offering_id)) return not_found("service offering", offering_id);
    auto in_state = vm_in(id, {"Running", "Stopped"}, "scale");
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.ScaleVMCmd", "VirtualMachine", id, "VM.UPGRADE",
                             "scaling VM " + id + " to " + offering_id,
                             [this, id, offering_id, in_state] {
                               std::string problem = in_state();
                               if (problem.empty() && vm(id)->serviceofferingid == offering_id) {
                                 problem = "virtual machine " + id + " already uses service offering " + offering_id;
                               }
                               return problem;
                             },
                             [this, id, offering_id] {
                               vm(id)->serviceofferingid = offering_id;
                               return "vm_scaled:" + id;
                             },
                             {}},
                            now);
    return job_reply("Scaling of virtual machine " + id + " to offering " + offering_id + " requested.", job, {{"id", id}});
  }

  ToolOutcome migrate_vm(const json& a, std::int64_t now) {
    std::string id = arg(a, "virtualmachineid");
    if (!vm(id)) return not_found("virtual machine", id);
    std::string wanted_host = arg(a, "hostid");
    if (!wanted_host.empty() && !find_by_id(inv_.hosts, wanted_host)) return not_found("host", wanted_host);
    auto running = vm_in(id, {"Running"}, "migrate");
    auto target_host = [this, id, wanted_host] {
      Vm* target = vm(id);
      return wanted_host.empty() ? first_host(target->zoneid, target->hostid) : wanted_host;
    };
    std::string job = queue({"org.apache.cloudstack.api.command.admin.vm.MigrateVMCmd", "VirtualMachine", id,
                             "VM.MIGRATE", "migrating VM " + id,
                             [this, id, running, target_host] {
                               std::string problem = running();
                               if (!problem.empty()) return problem;
                               std::string host_id = target_host();
                               const Host* host = find_by_id(inv_.hosts, host_id);
                               if (!host || host->zoneid != vm(id)->zoneid) return std::string("no suitable host in the VM's zone");
                               if (host_id == vm(id)->hostid) return "virtual machine " + id + " already runs on " + host_id;
                               return std::string();
                             },
                             [this, id, target_host] {
                               std::string host_id = target_host();
                               vm(id)->hostid = host_id;
                               return "vm_migrated:" + id + ":" + host_id;
                             },
                             {}},
                            now);
    return job_reply("Migration of virtual machine " + id + " requested.", job, {{"id", id}});
  }

  ToolOutcome reset_password(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!vm(id)) return not_found("virtual machine", id);
    std::string job = queue({"org.apache.cloudstack.api.command.user.vm.ResetVMPasswordCmd", "VirtualMachine", id,
                             "VM.RESETPASSWORD", "resetting the password of VM " + id,
                             vm_in(id, {"Stopped"}, "reset the password of"),
                             [this, id] {
                               vm(id)->password_reset = true;
                               return "vm_password_reset:" + id;
                             },
                             {}},
                            now);
    return job_reply("Password reset requested for virtual machine " + id + ".", job, {{"id", id}});
  }

  // Synchronous in CloudStack; the real tool still prints a job id, which reads "undefined".
  ToolOutcome change_service_offering(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    Vm* target = vm(id);
    if (!target) return not_found("virtual machine", id);
    std::string offering_id = arg(a, "serviceofferingid");
    if (!user_offering(offering_id)) return not_found("service offering", offering_id);
    if (target->state != "Stopped") {
      return tool_error("CloudStack API error 431: virtual machine " + id + " is " + target->state +
                        "; stop it before changing its service offering");
    }
    if (target->serviceofferingid == offering_id) {
      return tool_error("CloudStack API error 431: virtual machine " + id + " already uses service offering " + offering_id);
    }
    target->serviceofferingid = offering_id;
    log_event("VM.UPGRADE", "INFO", "changed the service offering of VM " + id + " to " + offering_id, "Completed", now);
    record_effect("vm_service_offering_changed:" + id);
    return text_and_json_result("Service offering of virtual machine " + id + " changed to " + offering_id +
                                    ".\nJob ID: undefined",
                                {{"virtualmachine", view(inv_, *target)}});
  }

  // ---- storage tools -----------------------------------------------------------------------

  static std::optional<std::int64_t> positive_integer(const json& a, std::string_view key) {
    auto value = integer_arg(a, key);
    return value && *value > 0 ? value : std::nullopt;
  }

  ToolOutcome create_volume(const json& a, std::int64_t now) {
    const DiskOffering* offering = find_by_id(inv_.disk_offerings, arg(a, "diskofferingid"));
    if (!offering) return not_found("disk offering", arg(a, "diskofferingid"));
    const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
    if (!zone) return not_found("zone", arg(a, "zoneid"));
    std::int64_t size = offering->disksize;
    if (offering->iscustomized) {
      auto custom = positive_integer(a, "size");
      if (!custom) return tool_error("CloudStack API error 431: disk offering " + offering->id + " needs a whole, positive size in GB");
      size = *custom;
    }
    std::string id = inv_.new_id("vol");
    inv_.volumes.push_back({id, arg(a, "name"), zone->id, "DATADISK", "Creating", "", offering->id, size, std::nullopt, now});
    std::string job = queue({"org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd", "Volume", id,
                             "VOLUME.CREATE", "creating volume " + id, [] { return std::string(); },
                             [this, id] {
                               volume(id)->state = "Allocated";
                               return "volume_created:" + id;
                             },
                             [this, id] {
                               if (Volume* disk = volume(id)) disk->state = "Error";
                             }},
                            now);
    return job_reply("Creation of volume " + arg(a, "name") + " started.\nVolume ID: " + id, job, {{"id", id}});
  }

  ToolOutcome attach_volume(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    std::string vm_id = arg(a, "virtualmachineid");
    if (!volume(id)) return not_found("volume", id);
    if (!vm(vm_id)) return not_found("virtual machine", vm_id);
    auto device = integer_arg(a, "deviceid");
    auto vm_ok = vm_in(vm_id, {"Running", "Stopped"}, "attach a volume to");
    std::string job = queue({"org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd", "Volume", id,
                             "VOLUME.ATTACH", "attaching volume " + id + " to VM " + vm_id,
                             [this, id, vm_id, vm_ok] {
                               Volume* disk = volume(id);
                               if (!disk) return "volume " + id + " no longer exists";
                               if (disk->type != "DATADISK") return std::string("only data disks can be attached");
                               if (!disk->virtualmachineid.empty()) return "volume " + id + " is already attached to " + disk->virtualmachineid;
                               if (disk->state != "Ready" && disk->state != "Allocated") return "volume " + id + " is in state " + disk->state;
                               std::string problem = vm_ok();
                               if (problem.empty() && vm(vm_id)->zoneid != disk->zoneid) problem = "volume and VM are in different zones";
                               return problem;
                             },
                             [this, id, vm_id, device] {
                               Volume* disk = volume(id);
                               std::int64_t next = 1;
                               for (const Volume& other : inv_.volumes) {
                                 if (other.virtualmachineid == vm_id && other.deviceid) next = std::max(next, *other.deviceid + 1);
                               }
                               disk->virtualmachineid = vm_id;
                               disk->deviceid = device.value_or(next);
                               disk->state = "Ready";
                               return "volume_attached:" + id + ":" + vm_id;
                             },
                             {}},
                            now);
    return job_reply("Attachment of volume " + id + " to virtual machine " + vm_id + " requested.", job, {{"id", id}});
  }

  ToolOutcome detach_volume(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!volume(id)) return not_found("volume", id);
    std::string job = queue({"org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd", "Volume", id,
                             "VOLUME.DETACH", "detaching volume " + id,
                             [this, id] {
                               Volume* disk = volume(id);
                               if (!disk) return "volume " + id + " no longer exists";
                               if (disk->type == "ROOT") return std::string("the root volume of a VM cannot be detached");
                               if (disk->virtualmachineid.empty()) return "volume " + id + " is not attached";
                               return std::string();
                             },
                             [this, id] {
                               Volume* disk = volume(id);
                               std::string from = disk->virtualmachineid;
                               disk->virtualmachineid.clear();
                               disk->deviceid.reset();
                               return "volume_detached:" + id + ":" + from;
                             },
                             {}},
                            now);
    return job_reply("Detachment of volume " + id + " requested.", job, {{"id", id}});
  }

  ToolOutcome resize_volume(const json& a, std::int64_t now) {
    std::string id = arg(a, "id");
    if (!volume(id)) return not_found("volume", id);
    auto size = positive_integer(a, "size");
    if (!size) return tool_error("CloudStack API error 431: size must be a whole, positive number of GB");
    bool shrink_ok = bool_arg(a, "shrinkok", false);
    std::int64_t new_size = *size;
    std::string job = queue({"org.apache.cloudstack.api.command.user.volume.ResizeVolumeCmd", "Volume", id,
                             "VOLUME.RESIZE", "resizing volume " + id + " to " + std::to_string(new_size) + " GB",
                             [this, id, new_size, shrink_ok] {
                               Volume* disk = volume(id);
                               if (!disk) return "volume " + id + " no longer exists";
                               if (disk->state != "Ready" && disk->state != "Allocated") return "volume " + id + " is in state " + disk->state;
                               if (new_size == disk->size_gb) return "volume " + id + " already has " + std::to_string(new_size) + " GB";
                               if (new_size < disk->size_gb && !shrink_ok) return std::string("shrinking a volume needs shrinkok=true");
                               return std::string();
                             },
                             [this, id, new_size] {
                               volume(id)->size_gb = new_size;
                               return "volume_resized:" + id + ":" + std::to_string(new_size);
                             },
                             {}},
                            now);
    return job_reply("Resize of volume " + id + " requested.", job, {{"id", id}});
  }

  ToolOutcome create_snapshot(const json& a, std::int64_t now) {
    std::string volume_id = arg(a, "volumeid");
    if (!volume(volume_id)) return not_found("volume", volume_id);
    std::string id = inv_.new_id("snap");
    inv_.snapshots.push_back({id, string_arg(a, "name").value_or(volume_id + "-" + id), volume_id, "MANUAL", "Creating", now});
    auto snapshot = [this, id] { return find_by_id(inv_.snapshots, id); };
    std::string job = queue({"org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd", "Snapshot", id,
                             "SNAPSHOT.CREATE", "snapshotting volume " + volume_id,
                             [this, volume_id] {
                               Volume* disk = volume(volume_id);
                               if (!disk) return "volume " + volume_id + " no longer exists";
                               if (disk->state != "Ready") return "volume " + volume_id + " is in state " + disk->state;
                               return std::string();
                             },
                             [snapshot, id] {
                               snapshot()->state = "BackedUp";
                               return "snapshot_created:" + id;
                             },
                             [snapshot] { snapshot()->state = "Error"; }},
                            now);
    return job_reply("Snapshot of volume " + volume_id + " started.\nSnapshot ID: " + id, job, {{"id", id}});
  }

  // ---- network and security tools ----------------------------------------------------------

  ToolOutcome create_network(const json& a, std::int64_t now) {
    const NetworkOffering* offering = find_by_id(inv_.network_offerings, arg(a, "networkofferingid"));
    if (!offering) return not_found("network offering", arg(a, "networkofferingid"));
    const Zone* zone = find_by_id(inv_.zones, arg(a, "zoneid"));
    if (!zone) return not_found("zone", arg(a, "zoneid"));
    auto gateway = string_arg(a, "gateway");
    auto netmask = string_arg(a, "netmask");
    if (gateway.has_value() != netmask.has_value()) {
      return tool_error("CloudStack API error 431: gateway and netmask must be given together");
    }
    std::string id = inv_.new_id("net");
    std::string subnet = "10.3." + std::to_string(inv_.networks.size() + 1) + ".1";
    inv_.networks.push_back({id, arg(a, "name"), arg(a, "displaytext"), zone->id, offering->guestiptype, "Allocated",
                             gateway.value_or(subnet), netmask.value_or("255.255.255.0"), offering->id, false});
    log_event("NETWORK.CREATE", "INFO", "created network " + id, "Completed", now);
    record_effect("network_created:" + id);
    return text_and_json_result("Network " + arg(a, "name") + " created.\nNetwork ID: " + id + "\nJob ID: undefined",
                                {{"id", id}, {"zoneid", zone->id}, {"type", offering->guestiptype}});
  }

  ToolOutcome associate_ip(const json& a, std::int64_t now) {
    if (auto vpc = string_arg(a, "vpcid")) return not_found("VPC", *vpc);
    std::string network_id = arg(a, "networkid");
    const Network* network = network_id.empty() ? nullptr : find_by_id(inv_.networks, network_id);
    if (!network_id.empty() && !network) return not_found("network", network_id);
    std::string zone_id = network ? network->zoneid : arg(a, "zoneid");
    if (zone_id.empty()) return tool_error("CloudStack API error 431: give zoneid, networkid or vpcid");
    if (!find_by_id(inv_.zones, zone_id)) return not_found("zone", zone_id);
    PublicIp* free_ip = nullptr;
    for (PublicIp& ip : inv_.public_ips) {
      if (ip.zoneid == zone_id && ip.state == "Free" && !free_ip) free_ip = &ip;
    }
    if (!free_ip) {
      return tool_error("CloudStack API error 533: insufficient address capacity: no free public IP in zone " + zone_id);
    }
    free_ip->state = "Allocating";
    free_ip->networkid = network ? network->id : "";
    std::string id = free_ip->id;
    auto ip = [this, id] { return find_by_id(inv_.public_ips, id); };
    std::string job = queue({"org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd", "IpAddress", id,
                             "NET.IPASSIGN", "acquiring public IP " + free_ip->address, [] { return std::string(); },
                             [ip, id] {
                               ip()->state = "Allocated";
                               return "ip_allocated:" + id;
                             },
                             [ip] {
                               ip()->state = "Free";
                               ip()->networkid.clear();
                             }},
                            now);
    return job_reply("Public IP " + free_ip->address + " is being acquired.\nIP address ID: " + id, job,
                     {{"id", id}, {"ipaddress", free_ip->address}});
  }

  ToolOutcome enable_static_nat(const json& a, std::int64_t now) {
    std::string ip_id = arg(a, "ipaddressid");
    std::string vm_id = arg(a, "virtualmachineid");
    PublicIp* ip = find_by_id(inv_.public_ips, ip_id);
    if (!ip) return not_found("public IP address", ip_id);
    Vm* target = vm(vm_id);
    if (!target) return not_found("virtual machine", vm_id);
    if (ip->state != "Allocated") return tool_error("CloudStack API error 431: IP address " + ip_id + " is " + ip->state);
    if (ip->issourcenat) return tool_error("CloudStack API error 431: static NAT cannot be enabled on a source NAT IP");
    if (ip->isstaticnat) return tool_error("CloudStack API error 431: static NAT is already enabled on " + ip_id);
    if (target->state == "Destroyed" || target->state == "Error") {
      return tool_error("CloudStack API error 431: virtual machine " + vm_id + " is " + target->state);
    }
    if (ip->zoneid != target->zoneid) return tool_error("CloudStack API error 431: IP and VM are in different zones");
    if (auto guest_ip = string_arg(a, "vmguestip"); guest_ip && *guest_ip != target->ipaddress) {
      return tool_error("CloudStack API error 431: virtual machine " + vm_id + " has no guest IP " + *guest_ip);
    }
    ip->isstaticnat = true;
    ip->virtualmachineid = vm_id;
    log_event("STATICNAT.ENABLE", "INFO", "enabled static NAT from " + ip->address + " to VM " + vm_id, "Completed", now);
    record_effect("static_nat_enabled:" + ip_id + ":" + vm_id);
    return text_and_json_result("Static NAT enabled: " + ip->address + " now maps to virtual machine " + vm_id + ".",
                                {{"success", true}});
  }

  // Validates protocol and ports the way CloudStack does for firewall and ingress rules.
  static std::optional<std::string> port_rule_problem(const json& a, std::string& protocol, bool allow_all) {
    std::string lowered = arg(a, "protocol");
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    protocol = lowered;
    if (lowered != "tcp" && lowered != "udp" && lowered != "icmp" && !(allow_all && lowered == "all")) {
      return "CloudStack API error 431: unsupported protocol '" + arg(a, "protocol") + "'";
    }
    auto start = integer_arg(a, "startport");
    auto end = integer_arg(a, "endport");
    bool ported = lowered == "tcp" || lowered == "udp";
    if (ported && !start) return std::string("CloudStack API error 431: startport is required for TCP and UDP");
    if ((a.contains("startport") && !start) || (a.contains("endport") && !end)) {
      return std::string("CloudStack API error 431: ports must be whole numbers");
    }
    for (auto port : {start, end}) {
      if (port && (*port < 1 || *port > 65535)) return std::string("CloudStack API error 431: ports must be between 1 and 65535");
    }
    if (start && end && *start > *end) return std::string("CloudStack API error 431: startport must not exceed endport");
    return std::nullopt;
  }

  ToolOutcome create_firewall_rule(const json& a, std::int64_t now) {
    std::string ip_id = arg(a, "ipaddressid");
    if (!find_by_id(inv_.public_ips, ip_id)) return not_found("public IP address", ip_id);
    std::string protocol;
    if (auto problem = port_rule_problem(a, protocol, /*allow_all=*/false)) return tool_error(*problem);
    auto start = integer_arg(a, "startport");
    PortRule rule{inv_.new_id("fw"), protocol, string_arg(a, "cidrlist").value_or("0.0.0.0/0"), "", start,
                  integer_arg(a, "endport") ? integer_arg(a, "endport") : start};
    auto ip = [this, ip_id] { return find_by_id(inv_.public_ips, ip_id); };
    std::string job = queue({"org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd", "FirewallRule",
                             rule.id, "FIREWALL.OPEN", "opening " + protocol + " on " + ip_id + " for " + rule.cidrlist,
                             [ip, ip_id] {
                               return ip()->state == "Allocated" ? std::string() : "IP address " + ip_id + " is " + ip()->state;
                             },
                             [ip, rule] {
                               ip()->firewallrules.push_back(rule);
                               return "firewall_rule_created:" + rule.id;
                             },
                             {}},
                            now);
    return job_reply("Firewall rule " + rule.id + " is being created on " + ip_id + ".", job, {{"id", rule.id}});
  }

  ToolOutcome create_security_group_rule(const json& a, std::int64_t now) {
    std::string group_id = arg(a, "securitygroupid");
    if (!find_by_id(inv_.security_groups, group_id)) return not_found("security group", group_id);
    std::string protocol;
    if (auto problem = port_rule_problem(a, protocol, /*allow_all=*/true)) return tool_error(*problem);
    std::string cidrs = arg(a, "cidrlist");
    std::string groups = arg(a, "usersecuritygrouplist");
    if (cidrs.empty() && groups.empty()) {
      return tool_error("CloudStack API error 431: give cidrlist or usersecuritygrouplist");
    }
    auto start = integer_arg(a, "startport");
    PortRule rule{inv_.new_id("sgr"), protocol, cidrs, groups, start,
                  integer_arg(a, "endport") ? integer_arg(a, "endport") : start};
    std::string job = queue({"org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd",
                             "SecurityGroup", group_id, "SG.AUTH.INGRESS", "authorising ingress on " + group_id,
                             [this, group_id] {
                               return find_by_id(inv_.security_groups, group_id) ? std::string()
                                                                                 : "security group " + group_id + " no longer exists";
                             },
                             [this, group_id, rule] {
                               find_by_id(inv_.security_groups, group_id)->ingressrules.push_back(rule);
                               return "security_group_rule_created:" + rule.id;
                             },
                             {}},
                            now);
    return job_reply("Ingress rule " + rule.id + " is being added to security group " + group_id + ".", job,
                     {{"id", rule.id}});
  }

  // CloudStack generates the pair and returns the private key; the publickey argument is ignored,
  // exactly like the real handler.
  ToolOutcome create_ssh_key_pair(const json& a, std::int64_t now) {
    std::string name = arg(a, "name");
    for (const SshKeyPair& pair : inv_.ssh_key_pairs) {
      if (pair.name == name) return tool_error("CloudStack API error 431: a key pair named '" + name + "' already exists");
    }
    std::string fingerprint = random().hex(2);
    for (int i = 0; i < 15; ++i) fingerprint += ":" + random().hex(2);
    static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string private_key = "-----BEGIN RSA PRIVATE KEY-----\n";
    for (int line = 0; line < 12; ++line) {
      for (int i = 0; i < 64; ++i) private_key += kBase64[random().below(64)];
      private_key += "\n";
    }
    private_key += "-----END RSA PRIVATE KEY-----\n";
    inv_.ssh_key_pairs.push_back({name, fingerprint});
    log_event("REGISTER.SSH.KEYPAIR", "INFO", "created SSH key pair " + name, "Completed", now);
    record_effect("ssh_key_pair_created:" + name);
    return text_and_json_result("SSH key pair " + name + " created.\nFingerprint: " + fingerprint +
                                    "\nPrivate key:\n" + private_key,
                                {{"name", name}, {"fingerprint", fingerprint}, {"privatekey", private_key}});
  }

  Inventory inv_;
  std::map<std::string, JobPlan> plans_;  // pending jobs' plans, by job id
  std::int64_t job_sequence_ = 0;
};

}  // namespace

std::unique_ptr<Catalog> make_cloudstack_catalog(std::uint64_t seed) {
  auto catalog = std::make_unique<CloudStackCatalog>(seed);
  catalog->check_complete();
  return catalog;
}

}  // namespace gatecrash::mock
