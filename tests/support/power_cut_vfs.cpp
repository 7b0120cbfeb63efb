// A VFS over SQLite's default one that logs, before each write or truncate,
// the bytes it is about to replace, and forgets them when the file is synced
// (power_cut.h). Loaded with LD_PRELOAD; it makes itself the default VFS.
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace {

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // follows this struct in the same allocation
  int undo = -1;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

// One record: offset, length, the file's size before, then the old bytes.
void log_old_bytes(File* f, sqlite3_int64 offset, int length) {
  if (f->undo < 0) return;
  sqlite3_int64 size = 0;
  f->real->pMethods->xFileSize(f->real, &size);
  std::vector<char> old(static_cast<std::size_t>(length));
  if (offset < size) f->real->pMethods->xRead(f->real, old.data(), length, offset);  // short reads fill zeros
  std::int64_t header[3] = {offset, length, size};
  // One call, so that a kill leaves the record whole or absent (the reader
  // also drops a torn last record).
  iovec parts[2] = {{header, sizeof header}, {old.data(), old.size()}};
  if (::writev(f->undo, parts, 2) != static_cast<ssize_t>(sizeof header + old.size()))
    std::abort();  // a test that cannot keep its log must not pass
}

int shim_close(sqlite3_file* f) {
  File* file = reinterpret_cast<File*>(f);
  if (file->undo >= 0) ::close(file->undo);
  return file->real->pMethods->xClose(file->real);
}
int shim_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return real_of(f)->pMethods->xRead(real_of(f), b, n, o); }
int shim_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  log_old_bytes(reinterpret_cast<File*>(f), o, n);
  return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  sqlite3_int64 now = 0;
  real_of(f)->pMethods->xFileSize(real_of(f), &now);
  if (now > size) log_old_bytes(reinterpret_cast<File*>(f), size, static_cast<int>(now - size));
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int shim_sync(sqlite3_file* f, int flags) {
  int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
  File* file = reinterpret_cast<File*>(f);
  if (rc == SQLITE_OK && file->undo >= 0 && ::ftruncate(file->undo, 0) != 0) std::abort();
  return rc;
}
int shim_size(sqlite3_file* f, sqlite3_int64* s) { return real_of(f)->pMethods->xFileSize(real_of(f), s); }
int shim_lock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
int shim_unlock(sqlite3_file* f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
int shim_check(sqlite3_file* f, int* r) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), r); }
int shim_control(sqlite3_file* f, int op, void* a) { return real_of(f)->pMethods->xFileControl(real_of(f), op, a); }
int shim_sector(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int shim_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int shim_shm_map(sqlite3_file* f, int p, int s, int e, void volatile** m) {
  return real_of(f)->pMethods->xShmMap(real_of(f), p, s, e, m);
}
int shim_shm_lock(sqlite3_file* f, int o, int n, int fl) { return real_of(f)->pMethods->xShmLock(real_of(f), o, n, fl); }
void shim_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int shim_shm_unmap(sqlite3_file* f, int d) { return real_of(f)->pMethods->xShmUnmap(real_of(f), d); }
int shim_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return real_of(f)->pMethods->xFetch(real_of(f), o, n, p); }
int shim_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return real_of(f)->pMethods->xUnfetch(real_of(f), o, p); }

int shim_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  File* file = reinterpret_cast<File*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  file->undo = -1;
  int rc = g_real->xOpen(g_real, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK || !file->real->pMethods) {
    f->pMethods = nullptr;
    return rc;
  }
  if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL))) {
    // Appended to, never truncated at open: an earlier connection's unsynced
    // writes stay unsynced until this file is synced.
    file->undo = ::open((std::string(name) + "-unsynced").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  g_methods.iVersion = file->real->pMethods->iVersion;
  f->pMethods = &g_methods;
  return SQLITE_OK;
}

__attribute__((constructor)) void install() {
  g_real = sqlite3_vfs_find(nullptr);
  if (!g_real) return;
  g_vfs = *g_real;
  g_vfs.zName = "edgeml-power-cut";
  g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
  g_vfs.xOpen = shim_open;
  g_methods = {3,           shim_close, shim_read,      shim_write,     shim_truncate, shim_sync,
               shim_size,   shim_lock,  shim_unlock,    shim_check,     shim_control,  shim_sector,
               shim_device, shim_shm_map, shim_shm_lock, shim_shm_barrier, shim_shm_unmap, shim_fetch,
               shim_unfetch};
  sqlite3_vfs_register(&g_vfs, 1);
}

}  // namespace
