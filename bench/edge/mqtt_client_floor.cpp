// bench/edge's baseline for edgeml serve's resident memory: the least a
// process doing serve's MQTT part needs with this machine's Debian libraries.
// An Eclipse Paho C++ client (which brings libstdc++, and OpenSSL through
// Paho's TLS build) connected and subscribed to the request topics, taking
// the requests and answering none. Serve's figure less this one is what
// edgeml itself adds.
// Usage: bench_edge_mqtt_floor PORT   (prints "subscribed", runs until SIGTERM)
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_edge_mqtt_floor PORT\n";
    return 2;
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
  init.do_openssl_init = 0;  // as edgeml's clients (src/mqtt/paho_connect.cpp)
  MQTTAsync_global_init(&init);
  try {
    mqtt::async_client client(std::string("tcp://127.0.0.1:") + argv[1], "bench-edge-floor");
    client.set_message_callback([](mqtt::const_message_ptr) {});
    client.connect()->wait();
    client.subscribe("request/+/+/+", 1)->wait();
    std::cout << "subscribed" << std::endl;
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.disconnect()->wait();
  } catch (const mqtt::exception& e) {
    std::cerr << "bench_edge_mqtt_floor: " << e.what() << "\n";
    return 1;
  }
}
