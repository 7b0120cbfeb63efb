#include "serve/server.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "serve/reply.h"

namespace edgeml::serve {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kQueueWait = 1000ms;  // the longest the receive thread waits for room
// Replies go out at QoS 0, as the tutorial's did: a reply is worth nothing
// late, and a requester that misses one asks again. QoS 1 replies over
// MQTT 5 also stall in Paho C 1.3.12 once the broker's Receive Maximum (20 in
// mosquitto) of them wait for acknowledgement under load.
constexpr int kReplyQos = 0;

// What changes when a file in `dir` is written, replaced, added or removed.
std::uint64_t directory_signature(const fs::path& dir) {
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) { hash = (hash ^ v) * 1099511628211ull; };
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    for (char c : it->path().filename().string()) mix(static_cast<unsigned char>(c));
    mix(static_cast<std::uint64_t>(st.st_ino));
    mix(static_cast<std::uint64_t>(st.st_size));
    mix(static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  }
  return hash;
}

void log_model_set(const ModelSet& set, const fs::path& dir) {
  for (const auto& model : set.models())
    spdlog::info("model {} version {} from {}", model->info().name, model->info().version,
                 model->info().file.filename().string());
  for (const RejectedFile& rejected : set.rejected())
    spdlog::warn("{}: not loaded: {}", rejected.file.string(), rejected.reason);
  for (const std::string& kept : set.kept()) spdlog::warn("model {}: keeping the version loaded before", kept);
  if (set.models().empty()) spdlog::warn("no model could be loaded from {}; requests get empty predictions", dir.string());
}

// predict/... for request/...: where an answer goes without a Response Topic.
std::string answer_topic_for(std::string_view request_topic) {
  constexpr std::string_view prefix = "request/";
  if (request_topic.substr(0, prefix.size()) == prefix)
    return fmt::format("{}/{}", kReplyPrefix, request_topic.substr(prefix.size()));
  return fmt::format("{}/errors", kReplyPrefix);
}

}  // namespace

std::string node_status_topic(const std::string& node) { return fmt::format("edgeml/nodes/{}/status", node); }

Server::Server(ServerOptions options) : options_(std::move(options)), queue_(options_.queue_capacity) {
  if (options_.node.empty()) throw Error("a server needs a node name");
  log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);

  mqtt::ClientOptions client;
  client.connection = options_.connection;
  if (client.connection.client_id.empty()) client.connection.client_id = "edgeml-serve-" + options_.node;
  client.mqtt_version = 5;
  client.clean_session = true;
  client.will = {node_status_topic(options_.node), "offline", 1, true};
  client_ = std::make_unique<mqtt::Client>(client);
  client_->set_message_handler([this](const mqtt::Message& m) { on_message(m); });
  std::string filter = fmt::format("{}/+/+/+", kRequestPrefix);
  client_->add_subscription(options_.group.empty() ? filter : fmt::format("$share/{}/{}", options_.group, filter), 1);
  client_->set_connected_handler([this] {
    try {
      client_->publish(node_status_topic(options_.node), "online", 1, true);
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
    }
  });
  worker_ = std::thread([this] { work(); });
  watcher_ = std::thread([this] { watch_models(); });
  try {
    client_->connect();
  } catch (...) {
    stop();
    throw;
  }
  spdlog::info("node {} serving {} model(s) from {} on {}{}", options_.node, models()->models().size(),
               options_.models_dir.string(), options_.connection.uri(),
               options_.group.empty() ? "" : " in group " + options_.group);
}

Server::~Server() { stop(); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  queue_.close();  // the worker answers what is queued, then ends
  if (worker_.joinable()) worker_.join();
  if (watcher_.joinable()) watcher_.join();
  if (client_ && client_->connected()) {
    try {
      client_->publish(node_status_topic(options_.node), "offline", 1, true)->wait_for(2s);
    } catch (const std::exception& e) {
      spdlog::warn("could not publish offline: {}", e.what());
    }
    client_->disconnect();
  }
}

ServerCounts Server::counts() const {
  return {counts_.requests.load(), counts_.replies.load(), counts_.errors.load(), counts_.overloaded.load(),
          counts_.reloads.load()};
}

// Paho's thread: copy the message into the queue and return.
void Server::on_message(const mqtt::Message& m) {
  ++counts_.requests;
  bool queued = queue_.push_with(
      [&](Job& job) {
        job.topic.assign(m.topic);
        job.payload.assign(m.payload);
        job.response_topic.assign(m.response_topic);
        job.correlation_data.assign(m.correlation_data);
      },
      kQueueWait);
  if (queued) return;
  if (stopping_) return;
  std::uint64_t n = ++counts_.overloaded;
  if (n == 1 || n % 1000 == 0) spdlog::warn("{} request(s) refused: the queue stayed full for {} ms", n, kQueueWait.count());
  Job refused{std::string(m.topic), {}, m.response_topic, m.correlation_data};
  publish_reply(refused, answer_topic_for(m.topic),
                error_reply("server overloaded: try again later", m.topic, m.payload, options_.node));
}

void Server::work() {
  Job job;
  Request request;
  std::string reply;
  while (queue_.pop(job, 100ms) || !stopping_) {
    if (!job.topic.empty()) answer(job, request, reply);
    job.topic.clear();
  }
}

void Server::answer(const Job& job, Request& request, std::string& reply) {
  Status parsed = parse_request(job.topic, job.payload, request);
  if (!parsed) {
    ++counts_.errors;
    publish_reply(job, answer_topic_for(job.topic), error_reply(parsed.reason(), job.topic, job.payload, options_.node));
    return;
  }
  std::shared_ptr<const ModelSet> set = registry_.current();
  std::vector<Status> statuses;
  std::vector<ModelAnswer> answers;
  statuses.reserve(set->models().size());
  answers.reserve(set->models().size());
  for (const auto& model : set->models()) {
    const ModelInfo& info = model->info();
    float output = 0;
    statuses.push_back(model->predict(request, output));
    answers.push_back({info.name, info.version, &info.label, output, statuses.back() ? "" : statuses.back().reason()});
  }
  reply = prediction_reply(request, answers, options_.node);
  ++counts_.replies;
  publish_reply(job, reply_topic(request.series), reply);
}

void Server::publish_reply(const Job& job, std::string_view reply_topic_when_no_response_topic,
                           const std::string& reply) {
  const std::string topic =
      job.response_topic.empty() ? std::string(reply_topic_when_no_response_topic) : job.response_topic;
  try {
    client_->publish(topic, reply, kReplyQos, false, job.correlation_data);
  } catch (const Error& e) {
    spdlog::warn("reply not sent: {}", e.what());
  }
}

void Server::watch_models() {
  std::uint64_t seen = directory_signature(options_.models_dir);
  while (!stopping_) {
    for (auto waited = 0ms; waited < options_.reload_poll && !stopping_; waited += 50ms) std::this_thread::sleep_for(50ms);
    std::uint64_t now = directory_signature(options_.models_dir);
    if (now == seen || stopping_) continue;
    seen = now;
    try {
      log_model_set(*registry_.reload(options_.models_dir), options_.models_dir);
      ++counts_.reloads;
    } catch (const Error& e) {
      spdlog::error("reloading {}: {}; the models loaded before keep serving", options_.models_dir.string(), e.what());
    }
  }
}

}  // namespace edgeml::serve
