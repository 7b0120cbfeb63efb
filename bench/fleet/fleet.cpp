#include "fleet.h"

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "core/error.h"
#include "core/file_text.h"
#include "mqtt/client.h"
#include "protocol/topics.h"

namespace edgeml::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string station_name(int i) { return fmt::format("s{:03}", i); }

}  // namespace

std::string log_text(const fs::path& path) {
  try {
    return read_file_text(path, 64 << 20);
  } catch (const Error&) {
    return {};
  }
}

double wall_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

Fleet::Fleet(FleetOptions options) : o_(std::move(options)) {
  mq::BrokerConfig cloud;
  cloud.port = 0;
  cloud.data_dir = o_.dir / "cloud";
  cloud.persistence = o_.cloud_persistence;
  cloud_ = std::make_unique<mq::Broker>(cloud);
  cloud_->start();
  for (int i = 0; i < o_.stations; ++i) {
    mq::BrokerConfig station;
    station.port = 0;
    station.data_dir = o_.dir / station_name(i);
    mq::BridgeConfig bridge;
    bridge.station = station_name(i);
    int uplink = cloud_->port();
    if (o_.rtt.count() > 0) {
      uplinks_.push_back(std::make_unique<test::TcpProxy>("127.0.0.1", cloud_->port(), o_.rtt / 2));
      uplink = uplinks_.back()->port();
    }
    bridge.urls = {fmt::format("mqtt://127.0.0.1:{}", uplink)};
    station.bridge = bridge;
    stations_.push_back(std::make_unique<mq::Broker>(station));
    stations_.back()->start();
  }
  if (o_.stations > 0) wait_for_bridges();
}

Fleet::~Fleet() = default;

// Every station's bridge state, retained on the cloud broker, says "1".
void Fleet::wait_for_bridges() {
  std::atomic<int> up{0};
  mq::ClientOptions watch;
  watch.connection.host = cloud_->address();
  watch.connection.port = cloud_->port();
  watch.connection.client_id = "bench-fleet-bridges";
  mq::Client client(watch);
  client.set_message_handler([&](std::string_view, std::string_view payload) { up += payload == "1"; });
  client.add_subscription("edgeml/bridges/+/state", 1);
  client.connect();
  const bool all = poll_until([&] { return up.load() >= o_.stations; }, o_.timeout);
  client.disconnect();
  if (!all) throw Error(fmt::format("{} of {} station bridges came up; see {}/s*/mosquitto.log", up.load(), o_.stations,
                                    o_.dir.string()));
}

Process Fleet::edgeml(std::vector<std::string> args, const std::string& log) const {
  args.insert(args.begin(), o_.edgeml);
  return Process(args, (o_.dir / log).string());
}

Process Fleet::start_collector(const std::string& group, int index, const std::string& store) const {
  const std::string log = fmt::format("{}-collector-{}.log", group, index);
  Process p = edgeml({"--log-level", "debug", "collect", "--port", std::to_string(cloud_->port()), "--client-id",
                      fmt::format("{}-{}", group, index), "--share", group, "--topic",
                      std::string(kStationsAlarmFilter), "--db", store, "--no-quality", "--reader", o_.reader},
                     log);
  const std::string words = "subscribed to $share/" + group;
  if (!poll_until([&] { return log_text(o_.dir / log).find(words) != std::string::npos; }, o_.timeout))
    throw Error(fmt::format("collector {} did not subscribe; see {}", index, (o_.dir / log).string()));
  return p;
}

std::vector<Process> Fleet::start_publishers(std::int64_t events, std::int64_t first_station, double interval) const {
  std::vector<Process> publishers;
  for (int i = 0; i < o_.stations; ++i)
    publishers.push_back(edgeml({"publish", "--port", std::to_string(stations_[static_cast<std::size_t>(i)]->port()),
                                 "--client-id", fmt::format("sensor-{}", i), "--synthetic", std::to_string(events),
                                 "--series", "1", "--first-station", std::to_string(first_station + i), "--live",
                                 "--interval", fmt::format("{}", interval), "--qos", "1", "--no-receipts", "--no-persist", "--no-finish"},
                                fmt::format("sensor-{}.log", i)));
  return publishers;
}

void wait_publishers(std::vector<Process>& publishers, const fs::path& dir, std::chrono::milliseconds timeout) {
  for (std::size_t i = 0; i < publishers.size(); ++i) {
    auto status = publishers[i].wait_for(timeout);
    if (!status || *status != 0)
      throw Error(fmt::format("sensor {} {}; see {}", i, status ? fmt::format("exited with {}", *status) : "hung",
                              (dir / fmt::format("sensor-{}.log", i)).string()));
  }
}

}  // namespace edgeml::bench
