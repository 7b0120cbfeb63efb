// The table `edgeml request` prints, from replies made by the server's own
// reply builder (reply.h).
#include "client/prediction_table.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/reply.h"

namespace edgeml::client {
namespace {

using namespace std::chrono_literals;

Request tutorial_request() {
  return {.series = {"1160629000", "121", "308"}, .index = 100, .value = 231, .threshold = 230, .id_kind = Request::IdKind::none, .id = {}};
}

TEST(PredictionTable, ShowsEachModelsOutputAndPredictedTimeInUtc) {
  Label tutorial;
  std::vector<ModelAnswer> answers = {{"multi_var_LR", "3f2a9c0b17d4", &tutorial, -54.281502f, "", {}},
                                      {"broken_model", "v1", nullptr, 0, "output nan is not finite", {}}};
  Request request = tutorial_request();
  std::string table = prediction_table(request, prediction_reply(request, answers, "edge-1"), 3250us);
  EXPECT_EQ(table,
            "1160629000/121/308 index 100 value 231 valueThreshold 230: answered by edge-1 in 3.25 ms\n"
            "model         version             output  predicted event time\n"
            "broken_model  v1            error: output nan is not finite\n"
            "multi_var_LR  3f2a9c0b17d4      -54.2815  2017-02-18 21:50:33.498 UTC\n");
}

TEST(PredictionTable, AReplyWithoutPredictionsOrUnreadableSaysSo) {
  Request request = tutorial_request();
  std::string table = prediction_table(request, prediction_reply(request, {}, "n"), 1ms);
  EXPECT_NE(table.find("(no model answered)"), std::string::npos) << table;
  EXPECT_NE(prediction_table(request, "not json", 1ms).find("answered by -"), std::string::npos);
  std::string odd = prediction_table(request, R"({"predictions":{"m":[1],"n":{"output":"x"}}})", 1ms);
  EXPECT_NE(odd.find("m      unreadable: [1]"), std::string::npos) << odd;
  EXPECT_NE(odd.find("n      -                   x  -"), std::string::npos) << odd;
  // A hostile server's reply nested 600,000 deep is unreadable, not a crash.
  const std::string deep = std::string(600000, '[') + std::string(600000, ']');
  EXPECT_NE(prediction_table(request, deep, 1ms).find("answered by -"), std::string::npos);
}

TEST(UtcTime, RoundsToMillisecondsAndRefusesWhatIsOutOfRange) {
  EXPECT_EQ(utc_time(1487454633.498), "2017-02-18 21:50:33.498 UTC");
  EXPECT_EQ(utc_time(0), "1970-01-01 00:00:00.000 UTC");
  EXPECT_EQ(utc_time(-0.5), "1969-12-31 23:59:59.500 UTC");
  EXPECT_EQ(utc_time(1.9996), "1970-01-01 00:00:02.000 UTC");
  EXPECT_EQ(utc_time(1e300), "-");
  EXPECT_EQ(utc_time(std::nan("")), "-");
}

}  // namespace
}  // namespace edgeml::client
