#include "served_models.h"

#include <fstream>

#include <nlohmann/json.hpp>

namespace edgeml::test {

void install_file(const fs::path& dir, const std::string& name, const std::string& bytes, const fs::path& staging) {
  fs::path staged = (staging.empty() ? dir : staging) / ("." + name + ".partial");
  std::ofstream(staged, std::ios::binary) << bytes;
  fs::rename(staged, dir / name);
}

std::string answering_version(mq::Client& requester, MessageInbox& replies) {
  replies.clear();
  requester.publish("request/1160629000/121/308", "100.0,231,230", 1);
  if (!replies.wait_for(1, kWait)) return "no reply";
  nlohmann::json reply = nlohmann::json::parse(replies.messages().front().payload);
  if (!reply["predictions"].contains("single_var_LR")) return "no single_var_LR";
  return reply["predictions"]["single_var_LR"]["version"];
}

}  // namespace edgeml::test
