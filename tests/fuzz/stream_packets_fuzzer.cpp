// libFuzzer target: what a broker sends to the receive-only subscriber
// (mqtt/stream_packets.h), cut into packets by PacketReader and read by
// parse_publish, parse_connack and parse_suback. The input's first byte sets
// the reader's cap (1-256 bytes); the rest is the stream, as socket reads:
// a byte giving the read's size (0-31), then that many bytes, and so on.
//
// Checked besides "never crashes": the stream read in those pieces gives
// the same packets, skips (with what they keep of a publish to acknowledge)
// and malformed length as the whole stream read at once; a packet with its header never exceeds the cap; parse_publish's topic
// and payload lie inside the body, the payload ending it; the parsers accept
// a body exactly when its length allows; and clear() makes the reader read a
// new connection's first packet whatever state the stream left it in.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/stream_packets.h"

namespace {

using edgeml::mq::stream::Packet;
using edgeml::mq::stream::PacketReader;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_stream_packets: %s\n", what);
  std::abort();
}

struct Event {
  PacketReader::Next kind = PacketReader::Next::need_more;
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::string body;
};

void write(PacketReader& reader, std::string_view bytes) {
  const auto room = reader.space();
  if (room.size() < bytes.size()) fail("no room for a read after every packet was taken");
  if (!bytes.empty()) std::memcpy(room.data(), bytes.data(), bytes.size());
  reader.wrote(bytes.size());
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::size_t u16(std::string_view s) {
  return (static_cast<std::size_t>(static_cast<std::uint8_t>(s[0])) << 8) | static_cast<std::uint8_t>(s[1]);
}

void check_parsers(const Packet& packet, std::size_t cap) {
  using namespace edgeml::mq::stream;
  if (packet.body.size() + 2 > cap) fail("a packet read whole is longer than the cap");

  Publish publish;
  if (parse_publish(packet, publish)) {
    if (!inside(publish.topic, packet.body) || !inside(publish.payload, packet.body))
      fail("a publish's topic or payload lies outside its body");
    if (publish.payload.data() + publish.payload.size() != packet.body.data() + packet.body.size())
      fail("a publish's payload does not end its body");
    if (publish.topic.size() != u16(packet.body)) fail("a publish's topic is not as long as its length says");
    if (publish.topic.data() != packet.body.data() + 2) fail("a publish's topic does not follow its length");
    if (2 + publish.topic.size() + publish.payload.size() > packet.body.size())
      fail("a publish's topic and payload overlap");
    if (publish.qos != ((packet.flags >> 1) & 0x03)) fail("a publish's QoS is not its flags'");
    if (publish.qos > 0 && publish.packet_id != u16(packet.body.substr(2 + publish.topic.size())))
      fail("a publish's packet id is not the two bytes after its topic");
  } else if (packet.body.size() >= 2 && 2 + u16(packet.body) + 2 <= packet.body.size() &&
             ((packet.flags >> 1) & 0x03) != 3) {
    fail("a publish with room for its topic and packet id is refused");
  }

  int code = -1;
  if (parse_connack(packet, code) != (packet.body.size() == 2)) fail("a connack is judged by more than its length");
  if (packet.body.size() == 2 && (code < 0 || code > 255)) fail("a connack's return code is not a byte");

  std::uint16_t id = 0;
  int granted = -1;
  if (parse_suback(packet, id, granted) != (packet.body.size() >= 3))
    fail("a suback is judged by more than its length");
  int highest = 0;
  for (std::size_t i = 2; i < packet.body.size(); ++i) highest = std::max(highest, static_cast<int>(static_cast<std::uint8_t>(packet.body[i])));
  if (packet.body.size() >= 3 && (id != u16(packet.body) || granted != highest))
    fail("a suback's packet id or highest return code is not its bytes");
}

// A packet over the cap: of a PUBLISH at QoS 1-2 its topic and packet id
// (as far as its length allows), of any other nothing.
void check_skipped(const Packet& packet) {
  const bool acknowledged = packet.type == 3 && ((packet.flags >> 1) & 0x03) != 0;
  if (!acknowledged && !packet.body.empty()) fail("a skipped packet that needs no acknowledgement keeps bytes");
  if (acknowledged && !packet.body.empty() && (packet.body.size() < 2 || packet.body.size() > 2 + u16(packet.body) + 2))
    fail("a skipped publish keeps more than its topic and packet id, or less than its topic's length");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cap = std::size_t{data[0]} + 1;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<std::string_view> reads;
  std::string stream;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t n = static_cast<std::uint8_t>(input[at++]) % 32;
    reads.push_back(input.substr(at, n));
    stream.append(reads.back());
    at += reads.back().size();
  }

  // The whole stream in one read: what the pieces must give too.
  std::vector<Event> expected;
  {
    PacketReader whole(cap);
    write(whole, stream);
    Packet packet;
    for (;;) {
      const auto next = whole.next(packet);
      if (next == PacketReader::Next::need_more) break;
      Event event;
      event.kind = next;
      if (next != PacketReader::Next::malformed) {
        event.type = packet.type;
        event.flags = packet.flags;
        event.body = std::string(packet.body);
      }
      expected.push_back(std::move(event));
      if (next == PacketReader::Next::malformed) break;
    }
  }

  PacketReader reader(cap);
  std::size_t seen = 0;
  std::size_t bytes_in_packets = 0;
  bool lost = false;
  for (std::string_view bytes : reads) {
    if (lost) break;
    write(reader, bytes);
    Packet packet;
    for (;;) {
      const auto next = reader.next(packet);
      if (next == PacketReader::Next::need_more) break;
      if (seen == expected.size()) fail("the stream in pieces gives more than the stream at once");
      const Event& want = expected[seen++];
      if (next != want.kind) fail("the stream in pieces gives another result than the stream at once");
      if (next == PacketReader::Next::malformed) {
        lost = true;
        break;
      }
      if (packet.type != want.type || packet.flags != want.flags || packet.body != want.body)
        fail("the stream in pieces gives another packet than the stream at once");
      if (next == PacketReader::Next::skipped) {
        check_skipped(packet);
        continue;
      }
      if (packet.type > 15 || packet.flags > 15) fail("a packet's type or flags exceed four bits");
      bytes_in_packets += 2 + packet.body.size();
      if (bytes_in_packets > stream.size()) fail("the packets read hold more bytes than came");
      check_parsers(packet, cap);
    }
  }
  if (seen != expected.size()) fail("the stream in pieces gives less than the stream at once");

  // A new connection: nothing of the old stream is left.
  reader.clear();
  write(reader, std::string_view("\xD0\x00", 2));
  Packet packet;
  if (reader.next(packet) != (cap >= 2 ? PacketReader::Next::packet : PacketReader::Next::skipped))
    fail("after clear() a PINGRESP is not read as the first packet");
  if (cap >= 2 && (packet.type != 13 || !packet.body.empty()))
    fail("after clear() a PINGRESP reads as another packet");
  return 0;
}
