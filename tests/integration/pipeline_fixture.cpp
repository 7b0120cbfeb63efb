#include "pipeline_fixture.h"

#include <fstream>

namespace edgeml::test {

void PipelineTest::SetUp() {
  std::filesystem::create_directories(dir_ / "broker");
  broker_ = start_broker(dir_ / "broker");
}

Process PipelineTest::start(const std::string& command, std::vector<std::string> args, const std::string& log_name) {
  std::vector<std::string> argv{"--log-level", "debug", command, "--host", "127.0.0.1", "--port",
                                std::to_string(broker_->port())};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_edgeml(argv, dir_ / log_name);
}

Process PipelineTest::start_collector(const std::string& client_id, bool until_finish) {
  std::string log = "collector" + std::to_string(++collectors_) + ".log";
  std::vector<std::string> args{"--db", db().string(), "--csv", csv().string(), "--client-id", client_id};
  if (until_finish) args.push_back("--until-finish");
  Process p = start("collect", args, log);
  wait_subscribed(log);
  return p;
}

void PipelineTest::wait_subscribed(const std::string& log_name) {
  bool ok = wait_until([&] { return read_file(dir_ / log_name).find("subscribed to alarm/#") != std::string::npos; },
                       std::chrono::seconds(15));
  ASSERT_TRUE(ok) << "no subscription in " << log_name << ":\n" << read_file(dir_ / log_name);
}

void PipelineTest::expect_exit(Process& p, int status, const std::string& log_name, std::chrono::seconds timeout) {
  auto got = p.wait_for(timeout);
  if (!got) p.stop(SIGKILL, std::chrono::seconds(1));
  ASSERT_TRUE(got) << log_name << " did not finish in " << timeout.count() << " s:\n" << read_file(dir_ / log_name);
  ASSERT_EQ(*got, status) << log_name << ":\n" << read_file(dir_ / log_name);
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace edgeml::test
