// A consistent copy of a live SQLite database, taken through SQLite's online
// backup API: the copy is the database as one read transaction saw it, with
// what its write-ahead log holds, while a collector or publisher goes on writing.
#pragma once

#include <filesystem>

namespace edgeml::backup {

// Copies the database `from` into the new file `to` (0600, synced) and checks
// the copy with PRAGMA quick_check. Throws Error naming the file and the reason.
void copy_sqlite_database(const std::filesystem::path& from, const std::filesystem::path& to);

// True when `path` starts with SQLite's file header.
bool is_sqlite_database(const std::filesystem::path& path);

// True for a database's -wal, -shm or -journal companion, which a copy taken
// by copy_sqlite_database already includes.
bool is_sqlite_companion(const std::filesystem::path& path);

}  // namespace edgeml::backup
