#include "mqtt/stream_packets.h"

#include <algorithm>
#include <cstring>

namespace edgeml::mq::stream {

namespace {

constexpr std::uint8_t kConnect = 0x10;
constexpr std::uint8_t kSubscribe = 0x82;  // type 8; flags 0010 as the specification requires
constexpr std::uint8_t kPuback = 0x40;
constexpr char kPingreq[] = {'\xC0', '\x00'};
constexpr char kDisconnect[] = {'\xE0', '\x00'};
// Room for this many bytes per read besides a whole packet of the cap.
constexpr std::size_t kReadRoom = 64 * 1024;

void put_u16(std::string& out, std::size_t v) {
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, std::min<std::size_t>(s.size(), 0xFFFF));
  out.append(s.substr(0, 0xFFFF));
}

void put_remaining_length(std::string& out, std::size_t n) {
  do {
    std::uint8_t byte = n % 128;
    n /= 128;
    if (n > 0) byte |= 0x80;
    out += static_cast<char>(byte);
  } while (n > 0);
}

std::string packet(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  put_remaining_length(out, body.size());
  return out + body;
}

std::uint16_t u16(std::string_view s) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[0]) << 8) | static_cast<std::uint8_t>(s[1]));
}

}  // namespace

std::string connect_packet(const ConnectFields& f) {
  std::string body;
  put_string(body, "MQTT");
  body += '\x04';  // protocol level 3.1.1
  std::uint8_t flags = f.clean_session ? 0x02 : 0x00;
  if (!f.username.empty()) flags = static_cast<std::uint8_t>(flags | 0x80 | (f.password.empty() ? 0 : 0x40));
  body += static_cast<char>(flags);
  put_u16(body, f.keepalive_seconds);
  put_string(body, f.client_id);
  if (!f.username.empty()) {
    put_string(body, f.username);
    if (!f.password.empty()) put_string(body, f.password);
  }
  return packet(kConnect, body);
}

std::string subscribe_packet(std::uint16_t packet_id, std::span<const std::string> filters, int qos) {
  std::string body;
  put_u16(body, packet_id);
  for (const auto& filter : filters) {
    put_string(body, filter);
    body += static_cast<char>(qos > 0 ? 1 : 0);
  }
  return packet(kSubscribe, body);
}

void append_puback(std::string& out, std::uint16_t packet_id) {
  out += static_cast<char>(kPuback);
  out += '\x02';
  put_u16(out, packet_id);
}

std::string_view pingreq_packet() { return {kPingreq, sizeof kPingreq}; }
std::string_view disconnect_packet() { return {kDisconnect, sizeof kDisconnect}; }

PacketReader::PacketReader(std::size_t max_packet)
    : buffer_(max_packet + kReadRoom), max_packet_(max_packet) {}

std::span<char> PacketReader::space() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  return {buffer_.data() + end_, buffer_.size() - end_};
}

void PacketReader::wrote(std::size_t bytes) { end_ = std::min(end_ + bytes, buffer_.size()); }

void PacketReader::clear() { begin_ = end_ = skipping_ = 0; }

PacketReader::Next PacketReader::next(Packet& out) {
  if (skipping_ > 0) {
    const std::size_t dropped = std::min(skipping_, end_ - begin_);
    begin_ += dropped;
    skipping_ -= dropped;
    if (skipping_ > 0) return Next::need_more;
  }
  const std::size_t available = end_ - begin_;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(buffer_.data() + begin_);
  std::size_t remaining = 0;
  std::size_t header = 1;
  for (int shift = 0;; shift += 7, ++header) {
    if (header > 4) return Next::malformed;
    if (header >= available) return Next::need_more;
    remaining |= static_cast<std::size_t>(bytes[header] & 0x7F) << shift;
    if ((bytes[header] & 0x80) == 0) break;
  }
  ++header;  // the first byte and the length's bytes
  const std::size_t total = header + remaining;
  if (total > max_packet_) {
    // Of a PUBLISH at QoS 1-2, its topic and packet id are kept in view, so
    // that it can be acknowledged: else it would hold one of the broker's
    // in-flight slots until the connection ends. They fit in the buffer.
    std::size_t kept = 0;
    if (bytes[0] >> 4 == 3 && ((bytes[0] >> 1) & 0x03) != 0 && remaining >= 4) {
      if (available < header + 2) return Next::need_more;
      const std::size_t topic_length = (static_cast<std::size_t>(bytes[header]) << 8) | bytes[header + 1];
      kept = std::min(remaining, 2 + topic_length + 2);
      if (available < header + kept) return Next::need_more;
    }
    out.type = bytes[0] >> 4;
    out.flags = bytes[0] & 0x0F;
    out.body = std::string_view(buffer_.data() + begin_ + header, kept);
    const std::size_t dropped = std::min(total, available);
    begin_ += dropped;
    skipping_ = total - dropped;
    return Next::skipped;
  }
  if (available < total) return Next::need_more;
  out.type = bytes[0] >> 4;
  out.flags = bytes[0] & 0x0F;
  out.body = std::string_view(buffer_.data() + begin_ + header, remaining);
  begin_ += total;
  return Next::packet;
}

bool parse_publish(const Packet& packet, Publish& out) {
  std::string_view body = packet.body;
  if (body.size() < 2) return false;
  const std::size_t topic_length = u16(body);
  const int qos = (packet.flags >> 1) & 0x03;
  const std::size_t id_length = qos > 0 ? 2 : 0;
  if (qos == 3 || body.size() < 2 + topic_length + id_length) return false;
  out.topic = body.substr(2, topic_length);
  out.qos = qos;
  out.packet_id = qos > 0 ? u16(body.substr(2 + topic_length)) : 0;
  out.payload = body.substr(2 + topic_length + id_length);
  return true;
}

bool parse_connack(const Packet& packet, int& return_code) {
  if (packet.body.size() != 2) return false;
  return_code = static_cast<std::uint8_t>(packet.body[1]);
  return true;
}

bool parse_suback(const Packet& packet, std::uint16_t& packet_id, int& granted) {
  if (packet.body.size() < 3) return false;
  packet_id = u16(packet.body);
  granted = 0;
  for (char code : packet.body.substr(2)) granted = std::max(granted, static_cast<int>(static_cast<std::uint8_t>(code)));
  return true;
}

}  // namespace edgeml::mq::stream
