// mock_servers/cloudstack_inventory.cc — CloudStack's seeded start state and its API views.
#include "mock_servers/cloudstack_inventory.h"

#include <cctype>

#include "mock_servers/civil_time.h"

namespace gatecrash::mock::cloudstack {
namespace {

using nlohmann::json;

const std::vector<std::string> kZoneNames = {"ams-1", "fra-1", "lon-1", "par-1", "nyc-1", "sgp-1"};
const std::vector<std::string> kVmNames = {"web",   "api", "db",   "cache", "worker",
                                           "build", "vpn", "mail", "ci",    "log"};
const std::vector<std::string> kFirstNames = {"Ana",  "Bruno", "Chen",  "Dara",
                                              "Emil", "Farah", "Goran", "Hana"};
const std::vector<std::string> kLastNames = {"Ito",   "Kovac",  "Larsen", "Moreau",
                                             "Novak", "Okafor", "Pereira"};

std::string ip_text(int a, int b, int c, int d) {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
         std::to_string(d);
}

template <class Item>
const Item* find_const(const std::vector<Item>& items, const std::string& id) {
  for (const Item& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

void add_infrastructure(Inventory& inv, SeededRandom& random) {
  std::size_t first_zone = random.below(kZoneNames.size());
  for (std::size_t i = 0; i < 2; ++i) {
    std::string zone_id = "zone-" + std::to_string(i + 1);
    inv.zones.push_back({zone_id, kZoneNames[(first_zone + i) % kZoneNames.size()]});
    std::string cluster_id = "cluster-" + std::to_string(i + 1);
    inv.clusters.push_back({cluster_id, inv.zones.back().name + "-kvm-cluster", zone_id, "KVM"});
    for (int h = 1; h <= 2; ++h) {
      std::string host_id = "host-" + std::to_string(i * 2 + static_cast<std::size_t>(h));
      inv.hosts.push_back(
          {host_id, inv.zones.back().name + "-kvm-0" + std::to_string(h), zone_id, cluster_id,
           "Routing", "Up", "KVM", ip_text(172, 16, static_cast<int>(i) + 1, 10 + h),
           static_cast<int>(random.between(16, 64)), static_cast<int>(random.between(128, 512))});
    }
    inv.storage_pools.push_back({"pool-" + std::to_string(i + 1),
                                 inv.zones.back().name + "-primary", zone_id, cluster_id,
                                 "NetworkFilesystem", "Up", random.between(4000, 16000)});
    inv.system_vms.push_back({"s-" + std::to_string(i * 2 + 1) + "-VM",
                              "s-" + std::to_string(i * 2 + 1) + "-VM", zone_id,
                              "secondarystoragevm", "Running",
                              ip_text(198, 51, 100, 10 + static_cast<int>(i))});
    inv.system_vms.push_back({"v-" + std::to_string(i * 2 + 2) + "-VM",
                              "v-" + std::to_string(i * 2 + 2) + "-VM", zone_id, "consoleproxy",
                              "Running", ip_text(198, 51, 100, 20 + static_cast<int>(i))});
  }
  inv.domains = {{"dom-1", "ROOT", "ROOT", "", 0},
                 {"dom-2", "engineering", "ROOT/engineering", "dom-1", 1}};
  inv.accounts = {
      {"acct-1", "admin", "dom-1", "enabled", 1},
      {"acct-2", "ops", "dom-2", "enabled", 0},
      {"acct-3", "ci-bot", "dom-2", random.chance_per_mille(300) ? "disabled" : "enabled", 0}};
  inv.users.push_back(
      {"user-1", "admin", "Cloud", "Admin", "admin@example.com", "acct-1", "enabled"});
  for (int i = 2; i <= 4; ++i) {
    std::string first = random.pick(kFirstNames);
    std::string last = random.pick(kLastNames);
    std::string username = first.substr(0, 1) + last;
    for (char& c : username) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    inv.users.push_back({"user-" + std::to_string(i), username, first, last,
                         username + "@example.com", i == 4 ? "acct-3" : "acct-2", "enabled"});
  }
  inv.service_offerings = {
      {"so-1", "Small Instance", "1 vCPU, 1 GB RAM", "", 1, 2000, 1024, false},
      {"so-2", "Medium Instance", "2 vCPU, 4 GB RAM", "", 2, 2000, 4096, false},
      {"so-3", "Large Instance", "4 vCPU, 8 GB RAM", "", 4, 2000, 8192, false},
      {"so-4", "Engineering GPU", "8 vCPU, 32 GB RAM", "dom-2", 8, 2400, 32768, false},
      {"so-sys-1", "System Offering For Console Proxy", "system", "", 1, 500, 1024, true}};
  inv.disk_offerings = {{"do-1", "Small 20 GB", 20, false},
                        {"do-2", "Medium 100 GB", 100, false},
                        {"do-3", "Custom", 0, true}};
  inv.templates = {
      {"tmpl-1", "Ubuntu 22.04 LTS", "Ubuntu 22.04 (64-bit)", "featured", "KVM", 20},
      {"tmpl-2", "Rocky Linux 9", "Rocky Linux 9 (64-bit)", "featured", "KVM", 20},
      {"tmpl-3", "golden-image-2025", "Debian GNU/Linux 12 (64-bit)", "self", "KVM", 30},
      {"tmpl-4", "community-pfsense", "FreeBSD 13 (64-bit)", "community", "KVM", 8}};
  inv.network_offerings = {
      {"netoff-1", "DefaultIsolatedNetworkOfferingWithSourceNatService", "Isolated"},
      {"netoff-2", "DefaultSharedNetworkOffering", "Shared"},
      {"netoff-3", "DefaultL2NetworkOffering", "L2"}};
  for (std::size_t i = 0; i < inv.zones.size(); ++i) {
    const std::string& zone_id = inv.zones[i].id;
    inv.networks.push_back({"net-" + std::to_string(i * 2 + 1), "guest-" + inv.zones[i].name,
                            "Default guest network", zone_id, "Isolated", "Implemented",
                            ip_text(10, 1, static_cast<int>(i) + 1, 1), "255.255.255.0", "netoff-1",
                            true});
    inv.networks.push_back({"net-" + std::to_string(i * 2 + 2), "shared-" + inv.zones[i].name,
                            "Shared services", zone_id, "Shared", "Setup",
                            ip_text(10, 2, static_cast<int>(i) + 1, 1), "255.255.255.0", "netoff-2",
                            false});
  }
  inv.security_groups.push_back({"sg-1", "default", "Default security group", {}});
  inv.security_groups.push_back(
      {"sg-2",
       "web",
       "HTTP and HTTPS from anywhere",
       {{"sgr-1", "tcp", "0.0.0.0/0", "", 80, 80}, {"sgr-2", "tcp", "0.0.0.0/0", "", 443, 443}}});
  inv.ssh_key_pairs.push_back({"ops-key", random.hex(2) + ":" + random.hex(2) + ":" +
                                              random.hex(2) + ":" + random.hex(2) + ":" +
                                              random.hex(2) + ":" + random.hex(2)});
}

void add_workloads(Inventory& inv, SeededRandom& random) {
  const std::int64_t epoch = inventory_epoch_ms();
  std::int64_t vm_count = random.between(4, 6);
  std::size_t first_name = random.below(kVmNames.size());
  int volume_number = 1;
  for (std::int64_t i = 1; i <= vm_count; ++i) {
    std::size_t zone_index = random.below(inv.zones.size());
    const Zone& zone = inv.zones[zone_index];
    Network* network = nullptr;
    for (Network& candidate : inv.networks) {
      if (candidate.zoneid == zone.id && candidate.isdefault) network = &candidate;
    }
    bool running = random.chance_per_mille(650);
    const ServiceOffering& offering = inv.service_offerings[random.below(3)];
    const Template& image = inv.templates[random.below(3)];
    std::string name = kVmNames[(first_name + static_cast<std::size_t>(i)) % kVmNames.size()] +
                       "-0" + std::to_string(random.between(1, 9));
    std::string host_id;
    for (const Host& host : inv.hosts) {
      if (running && host.zoneid == zone.id && host_id.empty()) host_id = host.id;
    }
    std::string vm_id = "vm-" + std::to_string(i);
    std::vector<std::string> groups = {"sg-1"};
    if (name.starts_with("web") || name.starts_with("api")) groups.push_back("sg-2");
    std::int64_t created = epoch - random.between(1, 60) * kMillisPerDay;
    inv.vms.push_back({vm_id, name, name, zone.id, image.id, offering.id, host_id,
                       running ? "Running" : "Stopped", network->id,
                       ip_text(10, 1, static_cast<int>(zone_index) + 1, network->next_host++),
                       i == 1 ? "ops-key" : "", groups, created});
    inv.volumes.push_back({"vol-" + std::to_string(volume_number++), "ROOT-" + std::to_string(i),
                           zone.id, "ROOT", "Ready", vm_id, "", image.size_gb, 0, created});
    if (random.chance_per_mille(500)) {
      inv.volumes.push_back({"vol-" + std::to_string(volume_number++), name + "-data", zone.id,
                             "DATADISK", "Ready", vm_id, "do-2", 100, 1, created});
    }
  }
  inv.volumes.push_back({"vol-" + std::to_string(volume_number), "spare-data", inv.zones[0].id,
                         "DATADISK", "Ready", "", "do-1", 20, std::nullopt,
                         epoch - 3 * kMillisPerDay});
  inv.snapshots.push_back(
      {"snap-1", "ROOT-1-nightly", "vol-1", "DAILY", "BackedUp", epoch - kMillisPerDay});
  int ip_number = 1;
  for (const Zone& zone : inv.zones) {
    const Network* network = nullptr;
    for (const Network& candidate : inv.networks) {
      if (candidate.zoneid == zone.id && candidate.isdefault) network = &candidate;
    }
    int octet = static_cast<int>(random.between(10, 200));
    for (int k = 0; k < 4; ++k) {
      bool allocated = k < 2;
      inv.public_ips.push_back({"ip-" + std::to_string(ip_number++),
                                ip_text(203, 0, 113, octet + k),
                                zone.id,
                                allocated ? network->id : "",
                                allocated ? "Allocated" : "Free",
                                "",
                                k == 0,
                                false,
                                {}});
    }
  }
  inv.load_balancer_rules.push_back(
      {"lb-1", "web-http", "ip-1", inv.zones[0].id, "roundrobin", 80, 8080});
  inv.alerts = {{"alert-1", "7", "Management network CIDR is not configured originally",
                 epoch - 5 * kMillisPerDay},
                {"alert-2", "0", "Memory usage above 80% on cluster " + inv.clusters[0].name,
                 epoch - kMillisPerDay}};
  inv.events = {{"ev-1", "USER.LOGIN", "INFO", "user has logged in from IP Address 192.0.2.10",
                 "Completed", "admin", epoch - 2 * kMillisPerDay},
                {"ev-2", "VM.CREATE", "INFO", "Successfully completed starting Vm. Vm Id: vm-1",
                 "Completed", "admin", epoch - kMillisPerDay}};
}

}  // namespace

std::int64_t inventory_epoch_ms() { return days_from_civil(2025, 6, 1) * kMillisPerDay; }

Inventory seeded_inventory(SeededRandom& random) {
  Inventory inventory;
  add_infrastructure(inventory, random);
  add_workloads(inventory, random);
  return inventory;
}

void log_event(Inventory& inventory, const std::string& type, const std::string& level,
               const std::string& description, const std::string& state, std::int64_t at_ms) {
  inventory.events.push_back(
      {inventory.new_id("ev"), type, level, description, state, "admin", at_ms});
}

std::string cloudstack_time(std::int64_t ms) {
  std::string text = format_rfc3339(ms);
  return text.substr(0, text.size() - 1) + "+0000";
}

json view(const Inventory& inventory, const Vm& vm) {
  const Zone* zone = find_const(inventory.zones, vm.zoneid);
  const Template* image = find_const(inventory.templates, vm.templateid);
  const ServiceOffering* offering = find_const(inventory.service_offerings, vm.serviceofferingid);
  const Host* host = find_const(inventory.hosts, vm.hostid);
  json groups = json::array();
  for (const std::string& id : vm.securitygroupids) {
    const SecurityGroup* group = find_const(inventory.security_groups, id);
    groups.push_back({{"id", id}, {"name", group ? group->name : ""}});
  }
  json out = {
      {"id", vm.id},
      {"name", vm.name},
      {"displayname", vm.displayname},
      {"state", vm.state},
      {"zoneid", vm.zoneid},
      {"zonename", zone ? zone->name : ""},
      {"templateid", vm.templateid},
      {"templatename", image ? image->name : ""},
      {"serviceofferingid", vm.serviceofferingid},
      {"serviceofferingname", offering ? offering->name : ""},
      {"cpunumber", offering ? offering->cpunumber : 0},
      {"cpuspeed", offering ? offering->cpuspeed : 0},
      {"memory", offering ? offering->memory : 0},
      {"created", cloudstack_time(vm.created_ms)},
      {"account", "admin"},
      {"domain", "ROOT"},
      {"passwordenabled", true},
      {"nic",
       json::array(
           {{{"networkid", vm.networkid}, {"ipaddress", vm.ipaddress}, {"isdefault", true}}})},
      {"securitygroup", groups}};
  if (host) {
    out["hostid"] = host->id;
    out["hostname"] = host->name;
  }
  if (!vm.keypair.empty()) out["keypair"] = vm.keypair;
  return out;
}

json view(const Inventory& inventory, const Volume& volume) {
  const Vm* vm = find_const(inventory.vms, volume.virtualmachineid);
  json out = {{"id", volume.id},          {"name", volume.name},
              {"type", volume.type},      {"state", volume.state},
              {"zoneid", volume.zoneid},  {"size", volume.size_gb * 1024 * 1024 * 1024},
              {"sizegb", volume.size_gb}, {"created", cloudstack_time(volume.created_ms)}};
  if (!volume.diskofferingid.empty()) out["diskofferingid"] = volume.diskofferingid;
  if (vm) {
    out["virtualmachineid"] = vm->id;
    out["vmname"] = vm->name;
    out["vmstate"] = vm->state;
  }
  if (volume.deviceid) out["deviceid"] = *volume.deviceid;
  return out;
}

json view(const PortRule& rule) {
  json out = {{"ruleid", rule.id}, {"protocol", rule.protocol}};
  if (!rule.cidrlist.empty()) out["cidrlist"] = rule.cidrlist;
  if (!rule.usersecuritygrouplist.empty())
    out["usersecuritygrouplist"] = rule.usersecuritygrouplist;
  if (rule.startport) out["startport"] = *rule.startport;
  if (rule.endport) out["endport"] = *rule.endport;
  return out;
}

json view(const Inventory& inventory, const PublicIp& ip) {
  const Zone* zone = find_const(inventory.zones, ip.zoneid);
  json rules = json::array();
  for (const PortRule& rule : ip.firewallrules) rules.push_back(view(rule));
  json out = {{"id", ip.id},
              {"ipaddress", ip.address},
              {"state", ip.state},
              {"zoneid", ip.zoneid},
              {"zonename", zone ? zone->name : ""},
              {"issourcenat", ip.issourcenat},
              {"isstaticnat", ip.isstaticnat},
              {"firewallrule", rules}};
  if (!ip.networkid.empty()) out["associatednetworkid"] = ip.networkid;
  if (!ip.virtualmachineid.empty()) out["virtualmachineid"] = ip.virtualmachineid;
  return out;
}

json view(const SecurityGroup& group) {
  json rules = json::array();
  for (const PortRule& rule : group.ingressrules) rules.push_back(view(rule));
  return {{"id", group.id},
          {"name", group.name},
          {"description", group.description},
          {"ingressrule", rules}};
}

json view(const Event& event) {
  return {{"id", event.id},
          {"type", event.type},
          {"level", event.level},
          {"description", event.description},
          {"state", event.state},
          {"username", event.username},
          {"created", cloudstack_time(event.created_ms)}};
}

json view(const AsyncJob& job) {
  json out = {{"jobid", job.id},
              {"cmd", job.cmd},
              {"jobstatus", job.status},
              {"jobresultcode", job.status == 2 ? 530 : 0},
              {"jobinstancetype", job.instancetype},
              {"jobinstanceid", job.instanceid},
              {"created", cloudstack_time(job.created_ms)},
              {"userid", "user-1"},
              {"accountid", "acct-1"}};
  if (job.status == 2) out["jobresult"] = {{"errorcode", 530}, {"errortext", job.errortext}};
  return out;
}

}  // namespace gatecrash::mock::cloudstack
