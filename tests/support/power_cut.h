// A power cut for one process's SQLite files. The process runs with
// LD_PRELOAD=POWER_CUT_VFS (power_cut_vfs.cpp), whose VFS keeps, beside each
// file it writes, the bytes each write replaced since the file's last sync
// ("FILE-unsynced"). After the process is SIGKILLed, cut_power() puts those
// bytes back: every file is as a machine that lost power would find it, with
// only what was synced. (The page cache keeps unsynced writes across a process
// kill, so a kill alone never loses them.)
#pragma once

#include <filesystem>

namespace edgeml::test {

// Undoes every unsynced write of the files under `dir`, removes the undo logs
// and the shared-memory indexes (-shm), which a power cut loses too. Returns
// the number of writes undone.
int cut_power(const std::filesystem::path& dir);

}  // namespace edgeml::test
