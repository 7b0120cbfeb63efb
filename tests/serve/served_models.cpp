#include "served_models.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace edgeml::test {

void install_file(const fs::path& dir, const std::string& name, const std::string& bytes, const fs::path& staging) {
  fs::path staged = (staging.empty() ? dir : staging) / ("." + name + ".partial");
  std::ofstream(staged, std::ios::binary) << bytes;
  fs::rename(staged, dir / name);
}

std::string answering_version(mqtt::Client& requester, MessageInbox& replies) {
  replies.clear();
  requester.publish("request/1160629000/121/308", "100.0,231,230", 1);
  if (!replies.wait_for(1, kWait)) return "no reply";
  nlohmann::json reply = nlohmann::json::parse(replies.messages().front().payload);
  if (!reply["predictions"].contains("single_var_LR")) return "no single_var_LR";
  return reply["predictions"]["single_var_LR"]["version"];
}

AlarmEvent true_event(const std::string& reply, const std::string& model, double seconds_late) {
  nlohmann::json r = nlohmann::json::parse(reply);
  AlarmEvent e;
  const nlohmann::json& series = r["series"];
  e.series = {series["station"].get<std::string>(), series["datapoint"].get<std::string>(),
              series["alarm"].get<std::string>()};
  e.index = r["request"]["index"];
  e.value = r["request"]["value"];
  e.threshold = r["request"]["valueThreshold"];
  e.event_time = r["predictions"][model]["event_time"].get<double>() + seconds_late;
  return e;
}

}  // namespace edgeml::test
