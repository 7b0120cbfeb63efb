// A node's files for the backup tests: models installed the way `edgeml serve`
// keeps them, a collector database, a publisher outbox, a contract and a key.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "backup/backup_writer.h"

namespace edgeml::backup::test {

struct SampleNode {
  std::filesystem::path models, db, state, contract, key;
  NodeParts parts() const;
};

// Everything under `dir`: the sample models at `version`, `events` stored
// events, `unsent` events in the outbox of publisher "sensor-1".
SampleNode make_sample_node(const std::filesystem::path& dir, int events, int unsent,
                            const std::string& version = "v1");

// Installs the sample models at `version` into `models`, as a deployment does.
void deploy_sample_models(const std::filesystem::path& models, const std::string& version);

// Adds events `first` .. `first + count - 1` to the collector database, in one transaction.
void store_events(const std::filesystem::path& db, int first, int count);

// Each stored event as text ("series index time value threshold active"), in arrival order.
std::vector<std::string> stored_events(const std::filesystem::path& db);
// Each outbox message of publisher "sensor-1" under `state` as "topic payload".
std::vector<std::string> outbox_messages(const std::filesystem::path& state);
// "model version: answer answer ..." per loaded model, for 50 sample requests;
// a model that fails to load is a line of its own.
std::vector<std::string> model_answers(const std::filesystem::path& models);

}  // namespace edgeml::backup::test
