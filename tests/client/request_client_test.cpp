// RequestClient against a real mosquitto with no `edgeml serve` running:
// requests time out in bounded time, concurrency and rate bound what is sent,
// and what goes on the wire is what the server's contract expects.
#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mqtt/client.h"
#include "protocol/request.h"
#include "client/request_client.h"
#include "support/test_support.h"

namespace edgeml::client {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Seen {
  Clock::time_point at;
  std::string topic, payload, response_topic, correlation_data;
};

// Subscribed to every request; never answers unless a test does it itself.
class RequestWatcher {
 public:
  explicit RequestWatcher(const mq::Broker& broker) {
    mq::ClientOptions o = test::client_options(broker, "request-watcher");
    o.mqtt_version = 5;
    client_ = std::make_unique<mq::Client>(o);
    client_->set_message_handler([this](const mq::Message& m) {
      std::lock_guard lock(mutex_);
      seen_.push_back({Clock::now(), std::string(m.topic), std::string(m.payload), m.response_topic,
                       m.correlation_data});
    });
    client_->add_subscription("request/+/+/+", 1);
    client_->connect();
    std::this_thread::sleep_for(200ms);  // the subscription in place
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  mq::Client& client() { return *client_; }

 private:
  std::unique_ptr<mq::Client> client_;
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
};

RequestClientOptions options_for(const mq::Broker& broker, int concurrency, std::chrono::milliseconds timeout) {
  RequestClientOptions o;
  o.client = test::client_options(broker, "");
  o.concurrency = concurrency;
  o.timeout = timeout;
  o.retries = 0;  // these cases are about single sends; see RetriesAreSentAgainAndDuplicatesCountedOnce
  return o;
}

// `count` requests on one series, indexes 0, 1, ...
RequestClient::Source requests(int count) {
  return [count, sent = 0](Request& r) mutable {
    if (sent == count) return false;
    SeriesId series{"1160629000", "121", "308"};
    r.series = series;
    r.index = sent++;
    r.value = 231;
    r.threshold = 230;
    r.id_kind = Request::IdKind::none;
    return true;
  };
}

class RequestClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RequestClient> connected(RequestClientOptions o) {
    auto client = std::make_unique<RequestClient>(std::move(o));
    client->connect();
    return client;
  }
  std::unique_ptr<RequestClient> connected(int concurrency, std::chrono::milliseconds timeout) {
    return connected(options_for(*broker_, concurrency, timeout));
  }

  test::TempDir dir_;
  std::unique_ptr<mq::Broker> broker_ = test::start_broker(dir_.path());
};

struct Outcomes {
  std::vector<RequestResult> results;
  RequestClient::ResultHandler handler() {
    return [this](const RequestResult& r) { results.push_back(r); };
  }
};

TEST_F(RequestClientTest, WithNothingAnsweringEveryRequestTimesOutInBoundedTime) {
  auto client = connected(2, 300ms);
  Outcomes outcomes;
  auto start = Clock::now();
  RequestTotals totals = client->run(requests(5), outcomes.handler());
  auto took = Clock::now() - start;

  EXPECT_EQ(totals.sent, 5u);
  EXPECT_EQ(totals.timeouts, 5u);
  EXPECT_EQ(totals.answered, 0u);
  EXPECT_EQ(totals.errors, 0u);
  EXPECT_EQ(totals.latency.count(), 0u);
  ASSERT_EQ(outcomes.results.size(), 5u);
  for (const RequestResult& r : outcomes.results) {
    EXPECT_EQ(r.outcome, RequestResult::Outcome::timeout);
    EXPECT_TRUE(r.reply.empty());
  }
  // Three waves of at most two, each 300 ms.
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s);
}

TEST_F(RequestClientTest, ConcurrencyBoundsTheRequestsInFlight) {
  RequestWatcher watcher(*broker_);
  auto client = connected(3, 1s);
  RequestTotals totals = client->run(requests(8), nullptr);

  EXPECT_EQ(totals.timeouts, 8u);
  EXPECT_EQ(totals.peak_in_flight, 3u);
  ASSERT_TRUE(test::wait_until([&] { return watcher.seen().size() >= 8; }, 5s));
  std::vector<Seen> seen = watcher.seen();
  // Nothing answers, so a slot frees only when a request times out: the
  // fourth request can leave no earlier than the first one's timeout (less
  // what the broker's delivery may add to one and not the other).
  for (std::size_t i = 3; i < seen.size(); ++i)
    EXPECT_GE(seen[i].at - seen[i - 3].at, 700ms) << "request " << i << " left too early";
}

TEST_F(RequestClientTest, RateSpacesTheRequests) {
  RequestWatcher watcher(*broker_);
  RequestClientOptions o = options_for(*broker_, 10, 200ms);
  o.rate = 10;  // one every 100 ms
  auto client = connected(o);
  RequestTotals totals = client->run(requests(6), nullptr);
  EXPECT_EQ(totals.sent, 6u);
  ASSERT_TRUE(test::wait_until([&] { return watcher.seen().size() >= 6; }, 5s));
  std::vector<Seen> seen = watcher.seen();
  EXPECT_GE(seen.back().at - seen.front().at, 400ms);  // 5 gaps of 100 ms, less broker jitter
  EXPECT_LE(totals.peak_in_flight, 3u);                // 200 ms timeout / 100 ms apart
}

TEST_F(RequestClientTest, RequestsCarryTheResponseTopicAndASequenceAsCorrelationData) {
  RequestWatcher watcher(*broker_);
  RequestClient second(options_for(*broker_, 2, 200ms));
  auto first = connected(2, 200ms);
  EXPECT_NE(first->client_id(), second.client_id());
  EXPECT_EQ(first->response_topic(), "edgeml/replies/" + first->client_id());
  first->run(requests(2), nullptr);
  ASSERT_TRUE(test::wait_until([&] { return watcher.seen().size() >= 2; }, 5s));

  std::vector<Seen> seen = watcher.seen();
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(seen[i].topic, "request/1160629000/121/308");
    EXPECT_EQ(seen[i].response_topic, first->response_topic());
    EXPECT_EQ(seen[i].correlation_data, std::to_string(i + 1));
    Request read;
    Status s = parse_request(seen[i].topic, seen[i].payload, read);
    ASSERT_TRUE(s) << s.reason() << " in " << seen[i].payload;
    EXPECT_EQ(read.index, static_cast<double>(i));
    EXPECT_EQ(read.id, std::to_string(i + 1));
  }
}

// The responder below only hands back the correlation data, out of order, to
// show how replies are matched; it is no stand-in for `edgeml serve`.
TEST_F(RequestClientTest, RepliesAreMatchedByCorrelationDataWhateverTheirOrder) {
  RequestWatcher responder(*broker_);
  auto client = connected(3, 5s);
  std::jthread answer([&] {
    if (!test::wait_until([&] { return responder.seen().size() >= 3; }, 5s)) return;
    std::vector<Seen> seen = responder.seen();
    responder.client().publish(client->response_topic(), "{}", 1, false, "not-a-sequence");
    responder.client().publish(client->response_topic(), "{}", 1, false, "99999");
    for (auto it = seen.rbegin(); it != seen.rend(); ++it)
      responder.client().publish(it->response_topic, "{\"for\":" + it->correlation_data + "}", 1, false,
                                 it->correlation_data);
  });
  Outcomes outcomes;
  RequestTotals totals = client->run(requests(3), outcomes.handler());

  EXPECT_EQ(totals.answered, 3u);
  EXPECT_EQ(totals.timeouts, 0u);
  EXPECT_EQ(totals.unmatched, 2u);
  EXPECT_EQ(totals.latency.count(), 3u);
  ASSERT_EQ(outcomes.results.size(), 3u);
  EXPECT_EQ(outcomes.results.front().sequence, 3u);  // answered first
  for (const RequestResult& r : outcomes.results) {
    EXPECT_EQ(r.reply, "{\"for\":" + std::to_string(r.sequence) + "}");
    EXPECT_EQ(r.request.index, static_cast<double>(r.sequence - 1));
    EXPECT_GT(r.latency, 0ns);
  }
}

// The responder lets the first send go unanswered, then answers the re-send
// twice: one answer and one duplicate, matched by the same correlation data.
TEST_F(RequestClientTest, RetriesAreSentAgainAndDuplicatesCountedOnce) {
  RequestWatcher responder(*broker_);
  RequestClientOptions o = options_for(*broker_, 1, 500ms);
  o.retries = 2;
  auto client = connected(o);
  auto answer = [&](std::size_t send, int times) {
    if (!test::wait_until([&] { return responder.seen().size() > send; }, 5s)) return;
    Seen seen = responder.seen()[send];
    for (int i = 0; i < times; ++i) responder.client().publish(seen.response_topic, "{}", 1, false, seen.correlation_data);
  };
  std::jthread responding([&] {
    answer(1, 2);  // the first request's re-send
    answer(2, 1);  // the second request, sent once the first is answered
  });
  Outcomes outcomes;
  RequestTotals totals = client->run(requests(2), outcomes.handler());

  std::vector<Seen> seen = responder.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].correlation_data, seen[0].correlation_data);
  EXPECT_EQ(seen[1].payload, seen[0].payload);
  EXPECT_GE(seen[1].at - seen[0].at, 400ms);
  EXPECT_EQ(totals.sent, 2u);
  EXPECT_EQ(totals.answered, 2u);
  EXPECT_EQ(totals.retried, 1u);
  EXPECT_EQ(totals.duplicates, 1u);
  EXPECT_EQ(totals.unmatched, 0u);
  EXPECT_EQ(totals.timeouts, 0u);
  ASSERT_EQ(outcomes.results.size(), 2u);
  EXPECT_EQ(outcomes.results[0].sends, 2);
  EXPECT_GE(outcomes.results[0].latency, 500ms) << "counted from the first send";
  EXPECT_EQ(outcomes.results[1].sends, 1);
}

TEST_F(RequestClientTest, StopEndsSendingButWaitsOutWhatIsInFlight) {
  auto client = connected(1, 200ms);
  std::atomic<bool> stop{false};
  auto stop_after_first = [&](const RequestResult&) { stop = true; };
  RequestTotals totals = client->run(requests(1000), stop_after_first, &stop);
  EXPECT_EQ(totals.sent, 1u);
  EXPECT_EQ(totals.timeouts, 1u);
}

}  // namespace
}  // namespace edgeml::client
