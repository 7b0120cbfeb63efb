// The publishing side of a run, in a process of its own. Paho's async client
// runs every client of a process on one shared receive thread: a publisher in
// the collector's process would wait for its acknowledgements behind the
// collector's SQLite commits, which no deployment does (`edgeml publish` and
// `edgeml collect` are separate processes).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/process.h"
#include "relay.h"
#include "workload.h"

namespace edgeml::bench {

enum class PublisherKind {
  bare,           // BarePublisher: Paho without persistence or session
  edgeml_memory,  // ingest::Publisher over mq::Client, as `edgeml publish --no-persist`
  edgeml_disk,    // the same with Paho's on-disk outbox, as `edgeml publish --no-receipts`
  edgeml_receipts,  // ingest::ReceiptedPublisher: outbox on disk until store receipts, as `edgeml publish`
};

// Call once at start-up, before PublisherProcess.
void remember_own_executable();

const char* kind_name(PublisherKind kind);
// Throws Error on an unknown name.
PublisherKind parse_kind(const std::string& name);

struct PublisherSpec {
  PublisherKind kind = PublisherKind::bare;
  int qos = 1;
  std::string tag;  // the run's: selects its workload and client id
  std::string client_id() const { return tag + "-pub"; }
};

// The child's side: connects, notes on stdout when it starts publishing, then
// publishes the run's workload and waits for every acknowledgement. `dir`
// holds the outbox of edgeml_disk. Returns the process exit status.
int publisher_main(const RunSetup& setup, const PublisherSpec& spec, const std::filesystem::path& dir);

// The parent's side: starts the child, and tells when it started publishing.
class PublisherProcess {
 public:
  // `dir` gets the child's log (and outbox). Throws Error when it cannot start.
  PublisherProcess(const RunSetup& setup, const PublisherSpec& spec, const std::filesystem::path& dir);

  // Waits (bounded) for the child to finish; returns when it started
  // publishing. Throws Error with the child's log when it failed.
  Clock::time_point finish();

 private:
  std::string log_text() const;

  const RunSetup& setup_;
  std::filesystem::path log_;
  std::unique_ptr<Process> process_;
};

}  // namespace edgeml::bench
