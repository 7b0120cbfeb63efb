// The MQTT 3.1.1 packets of a receive-only subscriber (stream_subscriber.h):
// what it sends (CONNECT, SUBSCRIBE at QoS 0 or 1, PUBACK, PINGREQ,
// DISCONNECT) and a reader that cuts the broker's bytes into whole packets inside one fixed
// buffer, many per socket read. The reader never allocates after it is made:
// a packet longer than its cap is skipped unread, and a malformed length
// ends the connection. It trusts nothing it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeml::mq::stream {

// Control packet types (MQTT 3.1.1, 2.2.1) that a subscriber receives.
enum class PacketType : std::uint8_t { connack = 2, publish = 3, suback = 9, pingresp = 13 };

struct Packet {
  std::uint8_t type = 0;   // the high four bits of the first byte
  std::uint8_t flags = 0;  // the low four
  std::string_view body;   // after the remaining length; a view into the reader
};

struct ConnectFields {
  std::string_view client_id;
  std::string_view username;  // empty: none
  std::string_view password;  // sent only with a username
  std::uint16_t keepalive_seconds = 0;
  // False: the broker keeps the session (subscriptions, QoS 1 messages
  // unacknowledged or arriving while away) for the next CONNECT of this id.
  bool clean_session = true;
};

std::string connect_packet(const ConnectFields& fields);
// Every filter at `qos` (0 or 1), in one packet.
std::string subscribe_packet(std::uint16_t packet_id, std::span<const std::string> filters, int qos = 0);
inline std::string subscribe_packet(std::uint16_t packet_id, std::string_view filter, int qos = 0) {
  const std::string one(filter);
  return subscribe_packet(packet_id, std::span(&one, 1), qos);
}
// Appends a PUBACK for `packet_id`: acknowledgements of one read go in one write.
void append_puback(std::string& out, std::uint16_t packet_id);
std::string_view pingreq_packet();
std::string_view disconnect_packet();

class PacketReader {
 public:
  // Packets up to `max_packet` bytes (header included) are read whole.
  explicit PacketReader(std::size_t max_packet);

  // Where the next socket read may write; moves unread bytes to the front
  // first. Views given by next() end here.
  std::span<char> space();
  void wrote(std::size_t bytes);

  enum class Next { packet, need_more, skipped, malformed };
  // The next whole packet, or that more bytes are needed; `skipped` once for
  // each packet over the cap (its bytes are dropped as they come; of a
  // PUBLISH at QoS 1-2, `out` holds its topic and packet id, no payload), and
  // `malformed` for a remaining length over four bytes (the stream is lost).
  Next next(Packet& out);
  void clear();  // a new connection

 private:
  std::vector<char> buffer_;
  std::size_t max_packet_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes
  std::size_t skipping_ = 0;         // bytes of an oversized packet still to drop
};

struct Publish {
  std::string_view topic;
  std::string_view payload;
  int qos = 0;
  std::uint16_t packet_id = 0;  // at QoS 1-2
};
// False when the body is too short for its topic (and packet id at QoS 1-2),
// or the QoS bits are 3.
bool parse_publish(const Packet& packet, Publish& out);
// CONNACK's return code (0: accepted); false when the body is not 2 bytes.
bool parse_connack(const Packet& packet, int& return_code);
// SUBACK's packet id and its highest return code: 0-2, every filter granted
// (at most that QoS); 0x80, one refused.
bool parse_suback(const Packet& packet, std::uint16_t& packet_id, int& granted);

}  // namespace edgeml::mq::stream
