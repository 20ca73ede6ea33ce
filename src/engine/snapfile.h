/*
 * snapfile.h: the engine snapshot persisted in a file, so a restart reads the columns back in
 * large sequential reads instead of scanning the store row by row.
 *
 * Format (version ENG_SNAPFILE_VERSION, native byte order; docs/architecture.md, "Persisted
 * snapshot"): a fixed header (magic, version, an endianness mark, the sizes of the C types
 * the columns use, the store's identity, the change-log seq the snapshot includes, row counts,
 * the file size, a CRC-32 of the header and one of every byte after it), then sections, each
 * a small header (tag, element size, count) and the column's bytes padded to 8. Strings are
 * one blob of NUL-terminated strings; string columns hold 64-bit offsets into it.
 *
 * The file is written to a temporary name, synced, renamed over the old one and the directory
 * synced, so a crash leaves either the old file or the new one. Reading checks everything it
 * can before trusting a byte and the checksum after the last one: any mismatch is an error
 * naming the reason, and the caller rebuilds from the store.
 */
#ifndef CXG_ENG_SNAPFILE_H
#define CXG_ENG_SNAPFILE_H

#include <stdint.h>

#include "core/err.h"
#include "engine/snapshot.h"

/* Bump when the layout of the file or of any persisted column changes. */
#define ENG_SNAPFILE_VERSION 2
/* Room for store_identity() (32 hex digits) and a NUL. */
#define ENG_SNAPFILE_ID_MAX 64

/* What a file's header says (eng_snapfile_info). */
struct eng_snapfile_info {
        uint32_t version;
        char store_id[ENG_SNAPFILE_ID_MAX];
        int64_t seq;        /* change-log seq the snapshot includes */
        int64_t written_at; /* unix seconds */
        uint64_t file_bytes;
        uint64_t accounts, people, interactions;
        uint32_t slow_ms;
};

/*
 * Write the finished snapshot s, which includes the change log up to seq, of the store
 * store_id to path atomically (path.tmp, fsync, rename, fsync of the directory). The caller
 * keeps s from changing while writing (the engine's read lock).
 */
enum cxg_err eng_snapfile_write(const struct eng_snapshot *s, int64_t seq, const char *store_id,
                                const char *path, struct cxg_error *err) CXG_WUR;

/*
 * Read path into s, set up with eng_snapshot_init and still empty. Checks the magic, version,
 * byte order, type sizes, the size, the store identity (when store_id is not NULL), the options
 * that shape the snapshot (s->slow_ms, and the shard set of a sharded snapshot: a file built
 * for other shards is not trusted) and the checksum; *seq receives the seq it includes.
 * CXG_ERR_NOTFOUND when there is no file; CXG_ERR_INVALID with the reason for any other
 * mismatch. On failure s is released and initialised again (empty, same options).
 */
enum cxg_err eng_snapfile_read(struct eng_snapshot *s, const char *path, const char *store_id,
                               int64_t *seq, struct cxg_error *err) CXG_WUR;

/* Read path's header into out; with verify, also check the checksum of the whole file. */
enum cxg_err eng_snapfile_info(const char *path, int verify, struct eng_snapfile_info *out,
                               struct cxg_error *err) CXG_WUR;

/*
 * Compare every persisted column and string of a and b; 0 when they are identical, else
 * nonzero with *what naming the first column that differs.
 */
int eng_snapfile_compare(const struct eng_snapshot *a, const struct eng_snapshot *b,
                         const char **what);

#endif
