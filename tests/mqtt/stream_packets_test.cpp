// The MQTT 3.1.1 packets of the receive-only subscriber: the bytes it sends,
// checked against the specification's layout (section 3), and the reader
// that cuts what the broker sends into whole packets.
#include "mqtt/stream_packets.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace edgeml::mq::stream {
namespace {

// Bytes written as numbers, as the specification's tables show them.
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

// Hands `data` to the reader as one socket read would.
void feed(PacketReader& reader, std::string_view data) {
  auto room = reader.space();
  ASSERT_GE(room.size(), data.size());
  std::memcpy(room.data(), data.data(), data.size());
  reader.wrote(data.size());
}

// A PUBLISH at QoS 0 from the broker: 0x30, remaining length, topic, payload.
std::string publish(std::string_view topic, std::string_view payload) {
  std::string body = bytes({0, static_cast<int>(topic.size())});
  body.append(topic).append(payload);
  std::string out = bytes({0x30});
  std::size_t n = body.size();
  do {
    int byte = static_cast<int>(n % 128);
    n /= 128;
    out += static_cast<char>(n > 0 ? byte | 0x80 : byte);
  } while (n > 0);
  return out + body;
}

// Every field named, as the reader of a test wants it.
std::string connect_bytes(std::string_view client_id, std::string_view username, std::string_view password,
                          std::uint16_t keepalive) {
  ConnectFields fields;
  fields.client_id = client_id;
  fields.username = username;
  fields.password = password;
  fields.keepalive_seconds = keepalive;
  return connect_packet(fields);
}

Packet packet_of(std::uint8_t type, std::uint8_t flags, std::string_view body) {
  Packet p;
  p.type = type;
  p.flags = flags;
  p.body = body;
  return p;
}

TEST(StreamPackets, ConnectWithoutUsernameHasTheSpecificationsLayout) {
  const std::string expected = bytes({0x10, 14,                        // CONNECT, remaining length
                                      0, 4, 'M', 'Q', 'T', 'T', 4,     // protocol name, level 4
                                      0x02,                            // clean session only
                                      0, 60,                           // keepalive
                                      0, 2, 'c', '1'});                // client id
  EXPECT_EQ(connect_bytes("c1", "", "", 60), expected);
}

TEST(StreamPackets, ConnectWithUsernameAndPasswordSetsBothFlagsAndAppendsBoth) {
  const std::string expected = bytes({0x10, 21, 0, 4, 'M', 'Q', 'T', 'T', 4,
                                      0xC2,                     // username, password, clean session
                                      0x01, 0x2C,               // keepalive 300
                                      0, 2, 'c', '1',           // client id
                                      0, 1, 'u',                // username
                                      0, 2, 'p', 'w'});         // password
  EXPECT_EQ(connect_bytes("c1", "u", "pw", 300), expected);
}

TEST(StreamPackets, ConnectWithUsernameOnlyOmitsThePasswordAndItsFlag) {
  const std::string expected =
      bytes({0x10, 17, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x82, 0, 10, 0, 2, 'c', '1', 0, 1, 'u'});
  EXPECT_EQ(connect_bytes("c1", "u", "", 10), expected);
}

TEST(StreamPackets, ConnectNeverSendsAPasswordWithoutAUsername) {
  EXPECT_EQ(connect_bytes("c1", "", "pw", 60), connect_bytes("c1", "", "", 60));
}

TEST(StreamPackets, SubscribeIs0x82ThenPacketIdFilterAndQos0) {
  const std::string expected = bytes({0x82, 8, 0x01, 0x02, 0, 3, 'a', '/', 'b', 0});
  EXPECT_EQ(subscribe_packet(0x0102, "a/b"), expected);
}

TEST(StreamPackets, SubscribeToSeveralFiltersAtQos1GivesEachItsQosByte) {
  const std::string filters[] = {"a", "$share/g/b/#"};
  const std::string expected =
      bytes({0x82, 21, 0, 7, 0, 1, 'a', 1, 0, 12, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'b', '/', '#', 1});
  EXPECT_EQ(subscribe_packet(7, filters, 1), expected);
}

TEST(StreamPackets, ConnectKeepingTheSessionLeavesTheCleanSessionFlagOff) {
  ConnectFields fields;
  fields.client_id = "c1";
  fields.keepalive_seconds = 60;
  fields.clean_session = false;
  const std::string sent = connect_packet(fields);
  ASSERT_GT(sent.size(), 9u);
  EXPECT_EQ(static_cast<std::uint8_t>(sent[9]), 0x00);  // the connect flags
}

TEST(StreamPackets, PubacksOfOneReadAreAppendedFourBytesEach) {
  std::string out;
  append_puback(out, 0x1234);
  append_puback(out, 1);
  EXPECT_EQ(out, bytes({0x40, 2, 0x12, 0x34, 0x40, 2, 0, 1}));
}

TEST(StreamPackets, PingreqAndDisconnectAreTwoBytesEach) {
  EXPECT_EQ(pingreq_packet(), bytes({0xC0, 0}));
  EXPECT_EQ(disconnect_packet(), bytes({0xE0, 0}));
}

TEST(StreamPackets, RemainingLengthOf127TakesOneByteAnd128TakesTwo) {
  // Body: packet id (2) + filter length (2) + filter + QoS (1).
  const std::string short_one = subscribe_packet(1, std::string(122, 'f'));  // body 127
  ASSERT_EQ(short_one.size(), 2u + 127u);
  EXPECT_EQ(static_cast<std::uint8_t>(short_one[1]), 0x7F);
  const std::string long_one = subscribe_packet(1, std::string(123, 'f'));  // body 128
  ASSERT_EQ(long_one.size(), 3u + 128u);
  EXPECT_EQ(static_cast<std::uint8_t>(long_one[1]), 0x80);
  EXPECT_EQ(static_cast<std::uint8_t>(long_one[2]), 0x01);
}

TEST(StreamPackets, ATwoByteRemainingLengthIsEncodedAndReadBack) {
  const std::string filter(200, 'f');
  const std::string sent = subscribe_packet(9, filter);  // body 205 = 77 + 1 * 128
  ASSERT_EQ(sent.size(), 3u + 205u);
  EXPECT_EQ(static_cast<std::uint8_t>(sent[1]), 0x80 | 77);
  EXPECT_EQ(static_cast<std::uint8_t>(sent[2]), 1);

  PacketReader reader(512);
  feed(reader, sent);
  Packet p;
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, 8);
  EXPECT_EQ(p.flags, 2);
  ASSERT_EQ(p.body.size(), 205u);
  EXPECT_EQ(p.body.substr(0, 4), bytes({0, 9, 0, 200}));
  EXPECT_EQ(p.body.substr(4, 200), filter);
  EXPECT_EQ(reader.next(p), PacketReader::Next::need_more);
}

TEST(StreamPackets, SeveralPacketsInOneWriteAreReadOneByOne) {
  PacketReader reader(256);
  feed(reader, bytes({0x20, 2, 0, 0}) + publish("t/1", "hello") + bytes({0x90, 3, 0, 1, 0}) + bytes({0xD0, 0}));
  Packet p;
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::connack));
  EXPECT_EQ(p.body, bytes({0, 0}));
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::publish));
  EXPECT_EQ(p.body, bytes({0, 3}) + "t/1hello");
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::suback));
  EXPECT_EQ(p.body, bytes({0, 1, 0}));
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::pingresp));
  EXPECT_TRUE(p.body.empty());
  EXPECT_EQ(reader.next(p), PacketReader::Next::need_more);
}

TEST(StreamPackets, APacketSplitByteByByteIsReadWhole) {
  const std::string payload(200, 'x');  // a two-byte remaining length, cut between its bytes too
  const std::string sent = publish("s/7", payload);
  PacketReader reader(256);
  Packet p;
  for (std::size_t i = 0; i + 1 < sent.size(); ++i) {
    feed(reader, sent.substr(i, 1));
    ASSERT_EQ(reader.next(p), PacketReader::Next::need_more) << "after byte " << i;
  }
  feed(reader, sent.substr(sent.size() - 1));
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  Publish message;
  ASSERT_TRUE(parse_publish(p, message));
  EXPECT_EQ(message.topic, "s/7");
  EXPECT_EQ(message.payload, payload);
  EXPECT_EQ(reader.next(p), PacketReader::Next::need_more);
}

TEST(StreamPackets, ACapCountsTheHeaderSoAPacketOfExactlyTheCapIsRead) {
  const std::string sent = publish("t", std::string(20, 'p'));  // 2 + 23 bytes
  ASSERT_EQ(sent.size(), 25u);
  Packet p;
  PacketReader exact(25);
  feed(exact, sent);
  EXPECT_EQ(exact.next(p), PacketReader::Next::packet);
  PacketReader smaller(24);
  feed(smaller, sent);
  EXPECT_EQ(smaller.next(p), PacketReader::Next::skipped);
  EXPECT_EQ(smaller.next(p), PacketReader::Next::need_more);
}

TEST(StreamPackets, APacketOverTheCapIsSkippedAsItArrivesAndTheNextIsRead) {
  const std::string big = publish("big", std::string(300, 'B'));
  const std::string small = publish("small", "ok");
  const std::string stream = big + small;
  PacketReader reader(64);
  Packet p;
  int skipped = 0;
  int packets = 0;
  // 5-byte reads: one holds the end of `big` and the start of `small`.
  for (std::size_t at = 0; at < stream.size(); at += 5) {
    feed(reader, stream.substr(at, 5));
    for (;;) {
      const auto next = reader.next(p);
      if (next == PacketReader::Next::need_more) break;
      ASSERT_NE(next, PacketReader::Next::malformed);
      if (next == PacketReader::Next::skipped) {
        ++skipped;
        EXPECT_EQ(packets, 0);
        continue;
      }
      ++packets;
      EXPECT_GE(at + 5, stream.size()) << "a packet before all its bytes came";
      Publish message;
      ASSERT_TRUE(parse_publish(p, message));
      EXPECT_EQ(message.topic, "small");
      EXPECT_EQ(message.payload, "ok");
    }
  }
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(packets, 1);
}

TEST(StreamPackets, APacketOverTheCapInOneWriteIsSkippedAndTheNextIsRead) {
  PacketReader reader(64);
  feed(reader, publish("big", std::string(100, 'B')) + bytes({0xD0, 0}));
  Packet p;
  EXPECT_EQ(reader.next(p), PacketReader::Next::skipped);
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::pingresp));
}

// Else it would hold one of the broker's in-flight slots for good.
TEST(StreamPackets, APublishAtQos1OverTheCapIsSkippedWithItsPacketIdToAcknowledge) {
  PacketReader reader(64);
  std::string body = bytes({0, 3}) + "big" + bytes({0x01, 0x02}) + std::string(100, 'B');
  std::string sent = bytes({0x32, static_cast<int>(body.size())}) + body;  // QoS 1
  feed(reader, sent.substr(0, 6));  // the topic is not all here yet
  Packet p;
  EXPECT_EQ(reader.next(p), PacketReader::Next::need_more);
  feed(reader, sent.substr(6) + bytes({0xD0, 0}));
  ASSERT_EQ(reader.next(p), PacketReader::Next::skipped);
  Publish message;
  ASSERT_TRUE(parse_publish(p, message));
  EXPECT_EQ(message.topic, "big");
  EXPECT_EQ(message.packet_id, 0x0102);
  EXPECT_TRUE(message.payload.empty());
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::pingresp));
}

TEST(StreamPackets, AFiveByteRemainingLengthIsMalformed) {
  PacketReader reader(256);
  feed(reader, bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
  Packet p;
  EXPECT_EQ(reader.next(p), PacketReader::Next::malformed);
}

TEST(StreamPackets, AFourByteRemainingLengthIsNotMalformed) {
  PacketReader reader(256);
  feed(reader, bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}));  // 268435455, the largest there is
  Packet p;
  EXPECT_EQ(reader.next(p), PacketReader::Next::skipped);
}

TEST(StreamPackets, ViewsStayValidUntilTheNextSpace) {
  PacketReader reader(256);
  const std::string third_sent = publish("c", "third");
  feed(reader, publish("a", "first") + publish("b", "second") + third_sent.substr(0, third_sent.size() - 2));
  Packet first;
  Packet second;
  Packet third;
  ASSERT_EQ(reader.next(first), PacketReader::Next::packet);
  ASSERT_EQ(reader.next(second), PacketReader::Next::packet);
  ASSERT_EQ(reader.next(third), PacketReader::Next::need_more);
  EXPECT_EQ(first.body, bytes({0, 1}) + "afirst");
  EXPECT_EQ(second.body, bytes({0, 1}) + "bsecond");
  // space() moves the cut packet to the front, over the views: only then are they gone.
  feed(reader, third_sent.substr(third_sent.size() - 2));
  ASSERT_EQ(reader.next(third), PacketReader::Next::packet);
  EXPECT_EQ(third.body, bytes({0, 1}) + "cthird");
}

TEST(StreamPackets, ClearForgetsACutPacketAndASkipUnderWay) {
  PacketReader reader(32);
  feed(reader, publish("big", std::string(100, 'B')).substr(0, 10));
  Packet p;
  ASSERT_EQ(reader.next(p), PacketReader::Next::skipped);
  reader.clear();
  feed(reader, bytes({0x20, 2, 0, 0}));
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::connack));

  feed(reader, publish("t", "cut").substr(0, 4));
  ASSERT_EQ(reader.next(p), PacketReader::Next::need_more);
  reader.clear();
  feed(reader, bytes({0xD0, 0}));
  ASSERT_EQ(reader.next(p), PacketReader::Next::packet);
  EXPECT_EQ(p.type, static_cast<int>(PacketType::pingresp));
}

TEST(StreamPackets, PublishAtQos0HasTopicThenPayload) {
  const std::string body = bytes({0, 3}) + "a/b" + "payload";
  Publish message;
  ASSERT_TRUE(parse_publish(packet_of(3, 0x00, body), message));
  EXPECT_EQ(message.topic, "a/b");
  EXPECT_EQ(message.payload, "payload");
}

TEST(StreamPackets, PublishAtQos1GivesThePacketIdApartFromThePayload) {
  const std::string body = bytes({0, 3}) + "a/b" + bytes({0x12, 0x34}) + "payload";
  Publish message;
  ASSERT_TRUE(parse_publish(packet_of(3, 0x02, body), message));  // QoS 1
  EXPECT_EQ(message.topic, "a/b");
  EXPECT_EQ(message.payload, "payload");
  EXPECT_EQ(message.qos, 1);
  EXPECT_EQ(message.packet_id, 0x1234);
  ASSERT_TRUE(parse_publish(packet_of(3, 0x0B, body), message));  // QoS 1 with DUP and RETAIN
  EXPECT_EQ(message.payload, "payload");
  EXPECT_EQ(message.packet_id, 0x1234);
  ASSERT_TRUE(parse_publish(packet_of(3, 0x00, bytes({0, 1}) + "t"), message));
  EXPECT_EQ(message.qos, 0);
  EXPECT_EQ(message.packet_id, 0);
}

TEST(StreamPackets, PublishWithBothQosBitsSetIsRefused) {
  Publish message;
  EXPECT_FALSE(parse_publish(packet_of(3, 0x06, bytes({0, 1}) + "t" + bytes({0, 1})), message));
}

TEST(StreamPackets, PublishWithAnEmptyPayloadIsRead) {
  Publish message;
  ASSERT_TRUE(parse_publish(packet_of(3, 0x00, bytes({0, 1}) + "t"), message));
  EXPECT_EQ(message.topic, "t");
  EXPECT_TRUE(message.payload.empty());
}

TEST(StreamPackets, PublishTooShortForItsTopicOrPacketIdIsRefused) {
  Publish message;
  EXPECT_FALSE(parse_publish(packet_of(3, 0x00, ""), message));
  EXPECT_FALSE(parse_publish(packet_of(3, 0x00, bytes({0})), message));
  EXPECT_FALSE(parse_publish(packet_of(3, 0x00, bytes({0, 5}) + "abc"), message));
  const std::string no_id = bytes({0, 3}) + "a/b" + bytes({0x12});
  EXPECT_TRUE(parse_publish(packet_of(3, 0x00, no_id), message));   // at QoS 0 that byte is payload
  EXPECT_FALSE(parse_publish(packet_of(3, 0x02, no_id), message));  // at QoS 1 it is half an id
}

TEST(StreamPackets, ConnackGivesItsReturnCode) {
  int code = -1;
  ASSERT_TRUE(parse_connack(packet_of(2, 0, bytes({0, 0})), code));
  EXPECT_EQ(code, 0);
  ASSERT_TRUE(parse_connack(packet_of(2, 0, bytes({1, 5})), code));  // session present; not authorized
  EXPECT_EQ(code, 5);
}

TEST(StreamPackets, ConnackOfAnyLengthButTwoIsRefused) {
  int code = -1;
  EXPECT_FALSE(parse_connack(packet_of(2, 0, ""), code));
  EXPECT_FALSE(parse_connack(packet_of(2, 0, bytes({0})), code));
  EXPECT_FALSE(parse_connack(packet_of(2, 0, bytes({0, 0, 0})), code));
}

TEST(StreamPackets, SubackGivesPacketIdAndReturnCode) {
  std::uint16_t id = 0;
  int granted = -1;
  ASSERT_TRUE(parse_suback(packet_of(9, 0, bytes({0x01, 0x02, 0x00})), id, granted));
  EXPECT_EQ(id, 0x0102);
  EXPECT_EQ(granted, 0);
  ASSERT_TRUE(parse_suback(packet_of(9, 0, bytes({0xFF, 0xFE, 0x80, 0x00})), id, granted));
  EXPECT_EQ(id, 0xFFFE);
  EXPECT_EQ(granted, 0x80);
}

TEST(StreamPackets, SubackOfSeveralFiltersGivesTheHighestCode) {
  std::uint16_t id = 0;
  int granted = -1;
  ASSERT_TRUE(parse_suback(packet_of(9, 0, bytes({0, 3, 1, 0})), id, granted));
  EXPECT_EQ(granted, 1);
  ASSERT_TRUE(parse_suback(packet_of(9, 0, bytes({0, 3, 1, 0x80, 0})), id, granted));
  EXPECT_EQ(granted, 0x80);  // one refused
}

TEST(StreamPackets, SubackWithoutAReturnCodeIsRefused) {
  std::uint16_t id = 0;
  int granted = -1;
  EXPECT_FALSE(parse_suback(packet_of(9, 0, ""), id, granted));
  EXPECT_FALSE(parse_suback(packet_of(9, 0, bytes({0, 1})), id, granted));
}

}  // namespace
}  // namespace edgeml::mq::stream
