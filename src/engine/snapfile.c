/*
 * snapfile.c: the persisted engine snapshot (snapfile.h): one table of the snapshot's columns
 * drives the writer, the reader and the comparison, so a column added to the snapshot and to
 * the table is written, read and checked alike. Reads are large and sequential, straight into
 * the final arrays, with the checksum computed on each chunk while it is still in cache.
 */
#include "engine/snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/banned.h"

#define SNAP_MAGIC "CXGSNAP\n"
#define SNAP_ENDIAN UINT32_C(0x01020304)
/* bytes per read() and per crc32() call: large enough for throughput, small enough for cache */
#define SNAP_CHUNK ((size_t)4 << 20)
/* write buffer for the many small sections */
#define SNAP_WBUF ((size_t)1 << 20)
/* columns at least this large ask for transparent huge pages (fewer page faults) */
#define SNAP_HUGE_MIN ((size_t)4 << 20)
#define SNAP_NO_STRING UINT64_MAX

struct snap_header {
        char magic[8];
        uint32_t version;
        uint32_t endian;
        uint32_t header_size;
        uint32_t sz_ptr, sz_size, sz_month, sz_float, sz_double;
        uint32_t slow_ms;
        uint32_t n_sections;
        char store_id[ENG_SNAPFILE_ID_MAX];
        int64_t seq;
        int64_t written_at;
        uint64_t file_bytes;
        uint64_t accounts, people, interactions;
        /* scale-out: the shard set the interactions were loaded for (shard_n 0: all) */
        uint32_t shard_n, pad;
        uint64_t shard_bits[CXG_SHARDS_MAX / 64];
        uint32_t body_crc;   /* CRC-32 of bytes [header_size, file_bytes) */
        uint32_t header_crc; /* CRC-32 of this header with header_crc = 0 */
};

struct section {
        uint32_t tag;
        uint32_t esize; /* element size in the file */
        uint64_t count;
};

enum { K_RAW, K_STR, K_TEXT, K_DICT };

struct col {
        const char *name;
        void *slot; /* address of the column pointer */
        uint32_t esize;
        uint64_t n;
        int kind;
};

/* Scalars, in file order (int64 each). */
// clang-format off
#define SCALARS(X)                                                                                 \
        X(n_accounts) X(n_people) X(n_subs) X(n_fb) X(n_caps) X(n_obj) X(n_o_needs) X(main.n)     \
        X(delta.n) X(ioff_accounts) X(last_interaction_id) X(last_person_id) X(last_account_id)    \
        X(mixed_accounts) X(n_skipped) X(min_ts) X(max_ts) X(month0) X(n_months) X(p_words)        \
        X(a_by_id_cap) X(p_by_id_cap) X(t_by_id_cap) X(t_caps_cap) X(plans.n) X(currencies.n)      \
        X(owners.n) X(types.n)
// clang-format on
#define COUNT_ONE(f) +1
enum { N_SCALARS = 0 SCALARS(COUNT_ONE) };
/* generous upper bound of cols_of's entries */
#define MAX_COLS 96

static size_t cols_of(struct eng_snapshot *s, struct col *c)
{
        size_t k = 0;
        uint64_t na = s->n_accounts, np = s->n_people, nm = s->n_months;

#define RAW(f, cnt) c[k++] = (struct col){#f, &s->f, sizeof(*s->f), (cnt), K_RAW}
#define STR(f, cnt)                                                                                \
        c[k++] = (struct col)                                                                      \
        {                                                                                          \
#f, &s->f, 8, (cnt), K_STR                                                         \
        }
#define TEXT(f, cnt)                                                                               \
        c[k++] = (struct col)                                                                      \
        {                                                                                          \
#f, &s->f, 8, (cnt), K_TEXT                                                        \
        }
#define DICT(d)                                                                                    \
        c[k++] = (struct col)                                                                      \
        {                                                                                          \
#d, &s->d.names, 8, s->d.n, K_DICT                                                 \
        }
        DICT(plans);
        DICT(currencies);
        DICT(owners);
        DICT(types);
        RAW(a_id, na), STR(a_ext, na), STR(a_name, na), STR(a_attrs, na), RAW(a_plan, na);
        RAW(a_currency, na), RAW(a_owner, na), RAW(a_mrr, na), RAW(a_created, na);
        RAW(a_churned_at, na), RAW(a_churned, na), RAW(a_garden, na), RAW(a_by_id, s->a_by_id_cap);
        RAW(p_id, np), STR(p_ext, np), STR(p_name, np), STR(p_role, np), STR(p_attrs, np);
        RAW(p_account, np), RAW(p_seniority, np), RAW(p_created, np), RAW(p_left, np);
        RAW(p_by_id, s->p_by_id_cap), RAW(a_poff, na + 1), RAW(p_list, np);
        RAW(s_account, s->n_subs), RAW(s_plan, s->n_subs), RAW(s_mrr, s->n_subs);
        RAW(s_start, s->n_subs), RAW(s_end, s->n_subs), RAW(a_soff, na + 1);
        RAW(f_ts, s->n_fb), RAW(f_person, s->n_fb), RAW(f_account, s->n_fb);
        RAW(f_kind, s->n_fb), RAW(f_score, s->n_fb), TEXT(f_comment, s->n_fb), RAW(a_foff, na + 1);
        RAW(t_by_id, s->t_by_id_cap), RAW(t_caps, s->t_caps_cap);
        STR(c_ext, s->n_caps), STR(c_name, s->n_caps), RAW(c_plans, s->n_caps);
        RAW(o_account, s->n_obj), RAW(o_person, s->n_obj), RAW(o_importance, s->n_obj);
        RAW(o_caps, s->n_obj), TEXT(o_ext, s->n_obj), STR(o_title, s->n_obj);
        STR(o_status, s->n_obj), RAW(a_ooff, na + 1), RAW(o_list, s->n_obj);
        RAW(o_need_off, s->n_obj + 1), RAW(o_need_cap, s->n_o_needs);
        TEXT(o_need_id, s->n_o_needs);
        RAW(main.ts, s->main.n), RAW(main.person, s->main.n), RAW(main.account, s->main.n);
        RAW(main.duration, s->main.n), RAW(main.value, s->main.n), RAW(main.type, s->main.n);
        RAW(main.channel, s->main.n), RAW(main.outcome, s->main.n);
        RAW(delta.ts, s->delta.n), RAW(delta.person, s->delta.n), RAW(delta.account, s->delta.n);
        RAW(delta.duration, s->delta.n), RAW(delta.value, s->delta.n);
        RAW(delta.type, s->delta.n), RAW(delta.channel, s->delta.n);
        RAW(delta.outcome, s->delta.n);
        RAW(a_ioff, s->ioff_accounts + 1), RAW(a_doff, na + 1), RAW(d_idx, s->delta.n);
        RAW(a_month, na * nm), RAW(p_active, np * s->p_words);
        RAW(t_lat_sum, ((uint64_t)s->types.n + 1) * nm),
            RAW(t_lat_n, ((uint64_t)s->types.n + 1) * nm);
#undef RAW
#undef STR
#undef TEXT
#undef DICT
        return k;
}

static void *col_ptr(const struct col *c)
{
        void *p;

        memcpy(&p, c->slot, sizeof(p));
        return p;
}

static void scalars_get(const struct eng_snapshot *s, int64_t *v)
{
        size_t k = 0;

#define GET(f) v[k++] = (int64_t)s->f;
        SCALARS(GET)
#undef GET
}

static void scalars_set(struct eng_snapshot *s, const int64_t *v)
{
        size_t k = 0;

#define SET(f) s->f = (__typeof__(s->f))v[k++];
        SCALARS(SET)
#undef SET
}

/* ---- writing ---- */

struct wr {
        int fd;
        uint32_t crc;
        uint64_t pos;
        unsigned char *buf;
        size_t used;
        const char *path;
        enum cxg_err rc;
        struct cxg_error *err;
};

static uint32_t crc_update(uint32_t crc, const void *p, size_t n)
{
        const unsigned char *b = p;

        while (n > 0) {
                size_t k = n < SNAP_CHUNK ? n : SNAP_CHUNK;

                crc = (uint32_t)crc32(crc, b, (uInt)k);
                b += k;
                n -= k;
        }
        return crc;
}

static void wr_raw(struct wr *w, const void *p, size_t n)
{
        const char *b = p;

        while (n > 0 && w->rc == CXG_OK) {
                ssize_t k = write(w->fd, b, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        w->rc = cxg_error_set(w->err, errno == ENOSPC ? CXG_ERR_FULL : CXG_ERR_IO,
                                              "snapshot file %s: write: %s", w->path,
                                              k < 0 ? strerror(errno) : "short write");
                        return;
                }
                b += k;
                n -= (size_t)k;
        }
}

static void wr_flush(struct wr *w)
{
        wr_raw(w, w->buf, w->used);
        w->used = 0;
}

static void wr_bytes(struct wr *w, const void *p, size_t n)
{
        w->crc = crc_update(w->crc, p, n);
        w->pos += n;
        if (w->used + n <= SNAP_WBUF) {
                memcpy(w->buf + w->used, p, n);
                w->used += n;
                return;
        }
        wr_flush(w);
        if (n <= SNAP_WBUF) {
                memcpy(w->buf, p, n);
                w->used = n;
        } else {
                wr_raw(w, p, n);
        }
}

static void wr_pad(struct wr *w)
{
        static const char zeros[8];

        if (w->pos % 8)
                wr_bytes(w, zeros, 8 - w->pos % 8);
}

static void wr_section(struct wr *w, uint32_t tag, uint32_t esize, uint64_t count)
{
        struct section h = {tag, esize, count};

        wr_bytes(w, &h, sizeof(h));
}

/* The strings of column c, in order (NULL entries skipped), each with its NUL. */
static uint64_t wr_strings(struct wr *w, const struct col *c, int write)
{
        const char **v = col_ptr(c);
        uint64_t bytes = 0;

        for (uint64_t i = 0; v && i < c->n; i++) {
                if (!v[i])
                        continue;
                size_t len = strlen(v[i]) + 1;

                if (write)
                        wr_bytes(w, v[i], len);
                bytes += len;
        }
        return bytes;
}

/* Offsets of column c's strings in the blob, continuing from *off. */
static void wr_offsets(struct wr *w, const struct col *c, uint64_t *off)
{
        const char **v = col_ptr(c);
        uint64_t tmp[256];
        size_t k = 0;

        for (uint64_t i = 0; i < c->n; i++) {
                if (v[i]) {
                        tmp[k++] = *off;
                        *off += strlen(v[i]) + 1;
                } else {
                        tmp[k++] = SNAP_NO_STRING;
                }
                if (k == sizeof(tmp) / sizeof(tmp[0])) {
                        wr_bytes(w, tmp, sizeof(tmp));
                        k = 0;
                }
        }
        wr_bytes(w, tmp, k * sizeof(tmp[0]));
}

static void header_fill(struct snap_header *h, const struct eng_snapshot *s, int64_t seq,
                        const char *store_id)
{
        memset(h, 0, sizeof(*h));
        memcpy(h->magic, SNAP_MAGIC, 8);
        h->version = ENG_SNAPFILE_VERSION;
        h->endian = SNAP_ENDIAN;
        h->header_size = sizeof(*h);
        h->sz_ptr = sizeof(void *);
        h->sz_size = sizeof(size_t);
        h->sz_month = sizeof(struct eng_month);
        h->sz_float = sizeof(float);
        h->sz_double = sizeof(double);
        h->slow_ms = s->slow_ms;
        snprintf(h->store_id, sizeof(h->store_id), "%s", store_id ? store_id : "");
        h->seq = seq;
        h->written_at = (int64_t)time(NULL);
        h->accounts = s->n_accounts;
        h->people = s->n_people;
        h->interactions = s->main.n + s->delta.n;
        if (s->sharded) {
                h->shard_n = s->shards.n;
                memcpy(h->shard_bits, s->shards.bits, sizeof(h->shard_bits));
        }
}

/* 1 when header h was written for the shard set s holds (both whole, or the same set). */
static int shards_match(const struct snap_header *h, const struct eng_snapshot *s)
{
        if (!s->sharded)
                return h->shard_n == 0;
        return h->shard_n == s->shards.n &&
               memcmp(h->shard_bits, s->shards.bits, sizeof(h->shard_bits)) == 0;
}

/* Every section after the header: scalars, the string blob, then the columns in table order. */
static void wr_body(struct wr *w, struct eng_snapshot *s, struct snap_header *h)
{
        struct col c[MAX_COLS];
        size_t n = cols_of(s, c);
        int64_t sc[N_SCALARS];
        uint64_t blob = 0, off = 0;

        scalars_get(s, sc);
        wr_section(w, 1, 8, N_SCALARS);
        wr_bytes(w, sc, sizeof(sc));
        for (size_t i = 0; i < n; i++)
                if (c[i].kind != K_RAW)
                        blob += wr_strings(w, &c[i], 0);
        wr_section(w, 2, 1, blob);
        for (size_t i = 0; i < n; i++)
                if (c[i].kind != K_RAW)
                        wr_strings(w, &c[i], 1);
        wr_pad(w);
        for (size_t i = 0; i < n && w->rc == CXG_OK; i++) {
                void *p = col_ptr(&c[i]);
                uint64_t cnt = p ? c[i].n : 0;

                wr_section(w, (uint32_t)(i + 3), c[i].esize, cnt);
                if (cnt && c[i].kind == K_RAW)
                        wr_bytes(w, p, (size_t)(cnt * c[i].esize));
                else if (cnt)
                        wr_offsets(w, &c[i], &off);
                wr_pad(w);
        }
        h->n_sections = (uint32_t)(n + 2);
}

static enum cxg_err sync_dir(const char *path, struct cxg_error *err)
{
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        int fd;

        if (!slash)
                snprintf(dir, sizeof(dir), ".");
        else if (slash == path)
                snprintf(dir, sizeof(dir), "/");
        else
                snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
                int e = errno;

                if (fd >= 0)
                        close(fd);
                return cxg_error_set(err, CXG_ERR_IO, "snapshot file: sync of directory %s: %s",
                                     dir, strerror(e));
        }
        close(fd);
        return CXG_OK;
}

enum cxg_err eng_snapfile_write(const struct eng_snapshot *snap, int64_t seq, const char *store_id,
                                const char *path, struct cxg_error *err)
{
        struct eng_snapshot *s = (struct eng_snapshot *)snap; /* cols_of only reads through it */
        struct snap_header h;
        struct wr w = {.fd = -1, .path = path, .err = err};
        char tmp[PATH_MAX];

        if (!s->finished)
                return cxg_error_set(err, CXG_ERR_INTERNAL, "snapshot file: snapshot not finished");
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return cxg_error_set(err, CXG_ERR_INVALID, "snapshot file: path too long: %s",
                                     path);
        header_fill(&h, s, seq, store_id);
        w.buf = cxg_malloc(SNAP_WBUF);
        if (!w.buf)
                return cxg_error_set(err, CXG_ERR_NOMEM, "snapshot file: out of memory");
        w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w.fd < 0) {
                w.rc = cxg_error_set(err, CXG_ERR_IO, "snapshot file %s: cannot create: %s", tmp,
                                     strerror(errno));
                goto done;
        }
        w.path = tmp;
        w.crc = (uint32_t)crc32(0, Z_NULL, 0);
        w.pos = sizeof(h);
        if (lseek(w.fd, (off_t)sizeof(h), SEEK_SET) < 0)
                w.rc = cxg_error_set(err, CXG_ERR_IO, "snapshot file %s: seek: %s", tmp,
                                     strerror(errno));
        wr_body(&w, s, &h);
        wr_flush(&w);
        if (w.rc)
                goto done;
        h.file_bytes = w.pos;
        h.body_crc = w.crc;
        h.header_crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), (const void *)&h, sizeof(h));
        if (pwrite(w.fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || fsync(w.fd) != 0) {
                w.rc = cxg_error_set(err, CXG_ERR_IO, "snapshot file %s: write: %s", tmp,
                                     strerror(errno));
                goto done;
        }
        if (close(w.fd) != 0) {
                w.fd = -1;
                w.rc = cxg_error_set(err, CXG_ERR_IO, "snapshot file %s: close: %s", tmp,
                                     strerror(errno));
                goto done;
        }
        w.fd = -1;
        if (rename(tmp, path) != 0) {
                w.rc = cxg_error_set(err, CXG_ERR_IO, "snapshot file: rename %s to %s: %s", tmp,
                                     path, strerror(errno));
                goto done;
        }
        w.rc = sync_dir(path, err);
done:
        if (w.fd >= 0)
                close(w.fd);
        if (w.rc)
                unlink(tmp);
        cxg_free(w.buf);
        return w.rc;
}

/* ---- reading ---- */

struct rd {
        int fd;
        uint32_t crc;
        uint64_t pos, size;
        const char *path;
        struct cxg_error *err;
};

static enum cxg_err bad(struct rd *r, const char *fmt, const char *what)
{
        return cxg_error_set(r->err, CXG_ERR_INVALID, "snapshot file %s: %s%s", r->path, fmt,
                             what ? what : "");
}

static enum cxg_err rd_bytes(struct rd *r, void *dst, size_t n)
{
        unsigned char *b = dst;

        if (n > r->size - r->pos)
                return bad(r, "truncated: a section runs past the end", NULL);
        while (n > 0) {
                size_t want = n < SNAP_CHUNK ? n : SNAP_CHUNK;
                ssize_t k = read(r->fd, b, want);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return cxg_error_set(r->err, CXG_ERR_IO, "snapshot file %s: read: %s",
                                             r->path, strerror(errno));
                if (k == 0)
                        return bad(r, "truncated: the file ends early", NULL);
                r->crc = (uint32_t)crc32(r->crc, b, (uInt)k);
                r->pos += (uint64_t)k;
                b += k;
                n -= (size_t)k;
        }
        return CXG_OK;
}

static enum cxg_err rd_pad(struct rd *r)
{
        char pad[8];

        return r->pos % 8 ? rd_bytes(r, pad, 8 - r->pos % 8) : CXG_OK;
}

static enum cxg_err rd_section(struct rd *r, uint32_t tag, uint32_t esize, uint64_t *count,
                               const char *name)
{
        struct section h;
        enum cxg_err rc = rd_bytes(r, &h, sizeof(h));

        if (rc)
                return rc;
        if (h.tag != tag || h.esize != esize)
                return bad(r, "unexpected section layout at column ", name);
        if (h.count > (r->size - r->pos) / esize)
                return bad(r, "truncated: a section runs past the end at column ", name);
        *count = h.count;
        return CXG_OK;
}

/* A column buffer; large ones ask for huge pages before they are first touched. */
static void *col_alloc(size_t bytes)
{
        unsigned char *p = cxg_malloc(bytes ? bytes : 1);

        if (p && bytes >= SNAP_HUGE_MIN) {
                uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
                uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)4095;

                if (hi > lo)
                        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
        }
        return p;
}

static enum cxg_err rd_header(struct rd *r, struct snap_header *h)
{
        struct snap_header copy;
        struct stat st;
        ssize_t k;

        if (fstat(r->fd, &st) != 0)
                return cxg_error_set(r->err, CXG_ERR_IO, "snapshot file %s: stat: %s", r->path,
                                     strerror(errno));
        r->size = (uint64_t)st.st_size;
        k = pread(r->fd, h, sizeof(*h), 0);
        if (k < 0)
                return cxg_error_set(r->err, CXG_ERR_IO, "snapshot file %s: read: %s", r->path,
                                     strerror(errno));
        if ((size_t)k < 8 || memcmp(h->magic, SNAP_MAGIC, 8) != 0)
                return bad(r, "not a cxgarden snapshot file (bad magic)", NULL);
        if ((size_t)k < sizeof(*h))
                return bad(r, "truncated: the header is incomplete", NULL);
        if (h->endian != SNAP_ENDIAN)
                return bad(r, "written on a machine of another byte order", NULL);
        if (h->version != ENG_SNAPFILE_VERSION)
                return cxg_error_set(r->err, CXG_ERR_INVALID,
                                     "snapshot file %s: format version %" PRIu32
                                     ", this build reads version %d",
                                     r->path, h->version, ENG_SNAPFILE_VERSION);
        if (h->header_size != sizeof(*h) || h->sz_ptr != sizeof(void *) ||
            h->sz_size != sizeof(size_t) || h->sz_month != sizeof(struct eng_month) ||
            h->sz_float != sizeof(float) || h->sz_double != sizeof(double))
                return bad(r, "written by a build with other type sizes", NULL);
        copy = *h;
        copy.header_crc = 0;
        if ((uint32_t)crc32(crc32(0, Z_NULL, 0), (const void *)&copy, sizeof(copy)) !=
            h->header_crc)
                return bad(r, "header checksum mismatch (corrupt)", NULL);
        if (h->file_bytes != r->size)
                return cxg_error_set(r->err, CXG_ERR_INVALID,
                                     "snapshot file %s: truncated or extended: %" PRIu64
                                     " bytes, the header says %" PRIu64,
                                     r->path, r->size, h->file_bytes);
        if (h->store_id[ENG_SNAPFILE_ID_MAX - 1] != 0)
                return bad(r, "corrupt store identity", NULL);
        r->pos = sizeof(*h);
        r->crc = (uint32_t)crc32(0, Z_NULL, 0);
        if (lseek(r->fd, (off_t)r->pos, SEEK_SET) < 0)
                return cxg_error_set(r->err, CXG_ERR_IO, "snapshot file %s: seek: %s", r->path,
                                     strerror(errno));
        return CXG_OK;
}

/* Offsets of a string column turned into pointers into blob (interned for texts and dicts). */
static enum cxg_err rd_strings(struct rd *r, struct eng_snapshot *s, const struct col *c,
                               const char *blob, uint64_t blob_n)
{
        const char **v = cxg_malloc((c->n ? c->n : 1) * sizeof(char *));
        struct cxg_hmap *map = c->kind == K_TEXT ? &s->texts : NULL;
        uint64_t tmp[256];
        enum cxg_err rc = CXG_OK;

        if (!v)
                return CXG_ERR_NOMEM;
        memcpy(c->slot, &v, sizeof(v));
        if (c->kind == K_DICT)
                map = &((struct eng_dict *)(void *)((char *)c->slot -
                                                    offsetof(struct eng_dict, names)))
                           ->map;
        for (uint64_t i = 0; i < c->n && rc == CXG_OK; i += 256) {
                size_t k = c->n - i < 256 ? (size_t)(c->n - i) : 256;

                if ((rc = rd_bytes(r, tmp, k * sizeof(tmp[0]))))
                        return rc;
                for (size_t j = 0; j < k && rc == CXG_OK; j++) {
                        uint64_t val = c->kind == K_DICT ? i + j : 0;
                        int found;

                        if (tmp[j] == SNAP_NO_STRING) {
                                v[i + j] = NULL;
                                continue;
                        }
                        if (tmp[j] >= blob_n)
                                return bad(r, "string offset out of range at column ", c->name);
                        v[i + j] = blob + tmp[j];
                        if (map)
                                rc = cxg_hmap_intern(map, v[i + j], strlen(v[i + j]), &val, &found,
                                                     &v[i + j]);
                }
        }
        return rc;
}

static enum cxg_err rd_scalars(struct rd *r, struct eng_snapshot *s)
{
        int64_t v[N_SCALARS];
        uint64_t cnt;
        enum cxg_err rc;

        if ((rc = rd_section(r, 1, 8, &cnt, "scalars")))
                return rc;
        if (cnt != N_SCALARS)
                return bad(r, "unexpected number of scalars", NULL);
        if ((rc = rd_bytes(r, v, sizeof(v))))
                return rc;
        scalars_set(s, v);
        for (size_t k = 0; k < N_SCALARS; k++)
                if (v[k] < 0 && k != 15 && k != 16 && k != 17) /* min_ts, max_ts, month0 */
                        return bad(r, "negative count", NULL);
        if (s->ioff_accounts != s->n_accounts || s->p_words != (s->n_months + 63) / 64 ||
            s->plans.n > UINT16_MAX || s->types.n > UINT16_MAX || s->owners.n > UINT16_MAX ||
            s->currencies.n > UINT16_MAX)
                return bad(r, "inconsistent counts", NULL);
        return CXG_OK;
}

/* The sections after the header into s. */
static enum cxg_err rd_body(struct rd *r, struct eng_snapshot *s)
{
        struct col c[MAX_COLS];
        size_t n;
        uint64_t blob_n, cnt;
        char *blob;
        enum cxg_err rc;

        if ((rc = rd_scalars(r, s)) || (rc = rd_section(r, 2, 1, &blob_n, "strings")))
                return rc;
        blob = cxg_arena_alloc(&s->strings, blob_n + 1);
        if (!blob)
                return CXG_ERR_NOMEM;
        if ((rc = rd_bytes(r, blob, blob_n)) || (rc = rd_pad(r)))
                return rc;
        blob[blob_n] = 0;
        if (blob_n && blob[blob_n - 1] != 0)
                return bad(r, "string blob not terminated", NULL);
        n = cols_of(s, c);
        for (size_t i = 0; i < n; i++) {
                if ((rc = rd_section(r, (uint32_t)(i + 3), c[i].esize, &cnt, c[i].name)))
                        return rc;
                if (cnt != c[i].n && cnt != 0)
                        return bad(r, "row count mismatch at column ", c[i].name);
                if (cnt && c[i].kind == K_RAW) {
                        void *p = col_alloc((size_t)(cnt * c[i].esize));

                        if (!p)
                                return CXG_ERR_NOMEM;
                        memcpy(c[i].slot, &p, sizeof(p));
                        rc = rd_bytes(r, p, (size_t)(cnt * c[i].esize));
                } else if (cnt) {
                        rc = rd_strings(r, s, &c[i], blob, blob_n);
                }
                if (rc || (rc = rd_pad(r)))
                        return rc;
        }
        if (r->pos != r->size)
                return bad(r, "trailing bytes after the last section", NULL);
        return CXG_OK;
}

/* Capacities, the maps by external id and the flag a finished snapshot has. */
static enum cxg_err rd_finish(struct eng_snapshot *s)
{
        enum cxg_err rc;

        s->cap_accounts = s->n_accounts;
        s->cap_people = s->n_people;
        s->cap_subs = s->n_subs;
        s->cap_fb = s->n_fb;
        s->cap_obj = s->n_obj;
        s->cap_o_needs = s->n_o_needs;
        s->main.cap = s->main.n;
        s->delta.cap = s->delta.n;
        s->plans.cap = s->plans.n;
        s->currencies.cap = s->currencies.n;
        s->owners.cap = s->owners.n;
        s->types.cap = s->types.n;
        for (size_t a = 0; a < s->n_accounts; a++)
                if (s->a_ext[a] &&
                    (rc = cxg_hmap_put(&s->a_by_ext, s->a_ext[a], strlen(s->a_ext[a]), a)))
                        return rc;
        for (size_t p = 0; p < s->n_people; p++)
                if (s->p_ext[p] &&
                    (rc = cxg_hmap_put(&s->p_by_ext, s->p_ext[p], strlen(s->p_ext[p]), p)))
                        return rc;
        s->finished = 1;
        return CXG_OK;
}

enum cxg_err eng_snapfile_read(struct eng_snapshot *s, const char *path, const char *store_id,
                               int64_t *seq, struct cxg_error *err)
{
        struct snap_header h;
        struct rd r = {.path = path, .err = err};
        struct eng_load_opts opts = {.slow_ms = s->slow_ms, .merge_fraction = s->merge_fraction};
        struct cxg_shardset shards = s->shards;
        enum cxg_err rc;
        char want[64], have[64];

        r.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r.fd < 0)
                return cxg_error_set(err, errno == ENOENT ? CXG_ERR_NOTFOUND : CXG_ERR_IO,
                                     "snapshot file %s: %s", path, strerror(errno));
        (void)posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        if ((rc = rd_header(&r, &h)))
                goto done;
        if (store_id && strcmp(h.store_id, store_id) != 0) {
                rc = cxg_error_set(err, CXG_ERR_INVALID,
                                   "snapshot file %s: written for store %s, this store is %s", path,
                                   h.store_id, store_id);
                goto done;
        }
        if (h.slow_ms != s->slow_ms) {
                rc = cxg_error_set(err, CXG_ERR_INVALID,
                                   "snapshot file %s: built with slow_ms %" PRIu32
                                   ", the configuration says %" PRIu32,
                                   path, h.slow_ms, s->slow_ms);
                goto done;
        }
        if (!shards_match(&h, s)) {
                struct cxg_shardset fs;

                cxg_shardset_init(&fs, h.shard_n ? h.shard_n : 1, 0);
                memcpy(fs.bits, h.shard_bits, sizeof(fs.bits));
                rc = cxg_error_set(
                    err, CXG_ERR_INVALID,
                    "snapshot file %s: holds the interactions of shards %s, "
                    "this node loads %s",
                    path, h.shard_n ? cxg_shardset_format(&fs, have, sizeof(have)) : "all",
                    s->sharded ? cxg_shardset_format(&s->shards, want, sizeof(want)) : "all");
                goto done;
        }
        rc = rd_body(&r, s);
        if (rc == CXG_ERR_NOMEM)
                rc = cxg_error_set(err, rc, "snapshot file %s: out of memory", path);
        if (rc == CXG_OK && r.crc != h.body_crc)
                rc = bad(&r, "checksum mismatch (corrupt)", NULL);
        if (rc == CXG_OK && (rc = rd_finish(s)))
                rc = cxg_error_set(err, rc, "snapshot file %s: out of memory", path);
        if (rc == CXG_OK)
                *seq = h.seq;
done:
        close(r.fd);
        if (rc) {
                opts.shards = s->sharded ? &shards : NULL;
                eng_snapshot_release(s);
                eng_snapshot_init(s, &opts);
        }
        return rc;
}

enum cxg_err eng_snapfile_info(const char *path, int verify, struct eng_snapfile_info *out,
                               struct cxg_error *err)
{
        struct snap_header h;
        struct rd r = {.path = path, .err = err};
        unsigned char *buf = NULL;
        enum cxg_err rc;

        r.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r.fd < 0)
                return cxg_error_set(err, errno == ENOENT ? CXG_ERR_NOTFOUND : CXG_ERR_IO,
                                     "snapshot file %s: %s", path, strerror(errno));
        if ((rc = rd_header(&r, &h)))
                goto done;
        memset(out, 0, sizeof(*out));
        out->version = h.version;
        memcpy(out->store_id, h.store_id, sizeof(out->store_id));
        out->seq = h.seq;
        out->written_at = h.written_at;
        out->file_bytes = h.file_bytes;
        out->accounts = h.accounts;
        out->people = h.people;
        out->interactions = h.interactions;
        out->slow_ms = h.slow_ms;
        if (!verify)
                goto done;
        if (!(buf = cxg_malloc(SNAP_CHUNK))) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "snapshot file: out of memory");
                goto done;
        }
        while (rc == CXG_OK && r.pos < r.size) {
                uint64_t left = r.size - r.pos;

                rc = rd_bytes(&r, buf, left < SNAP_CHUNK ? (size_t)left : SNAP_CHUNK);
        }
        if (rc == CXG_OK && r.crc != h.body_crc)
                rc = bad(&r, "checksum mismatch (corrupt)", NULL);
done:
        cxg_free(buf);
        close(r.fd);
        return rc;
}

/* ---- comparing ---- */

static int strings_equal(const struct col *x, const struct col *y)
{
        const char **a = col_ptr(x), **b = col_ptr(y);

        for (uint64_t i = 0; i < x->n; i++) {
                const char *p = a ? a[i] : NULL, *q = b ? b[i] : NULL;

                if ((p == NULL) != (q == NULL) || (p && strcmp(p, q) != 0))
                        return 0;
        }
        return 1;
}

int eng_snapfile_compare(const struct eng_snapshot *a, const struct eng_snapshot *b,
                         const char **what)
{
        struct col ca[MAX_COLS], cb[MAX_COLS];
        int64_t sa[N_SCALARS], sb[N_SCALARS];
        size_t n = cols_of((struct eng_snapshot *)a, ca);

        cols_of((struct eng_snapshot *)b, cb);
        scalars_get(a, sa);
        scalars_get(b, sb);
        *what = "scalars";
        if (memcmp(sa, sb, sizeof(sa)) != 0 || a->slow_ms != b->slow_ms)
                return 1;
        for (size_t i = 0; i < n; i++) {
                void *p = col_ptr(&ca[i]), *q = col_ptr(&cb[i]);

                *what = ca[i].name;
                if (ca[i].kind != K_RAW) {
                        if (!strings_equal(&ca[i], &cb[i]))
                                return 1;
                } else if (ca[i].n && (!p || !q)) {
                        if (p != q)
                                return 1;
                } else if (ca[i].n && memcmp(p, q, (size_t)(ca[i].n * ca[i].esize)) != 0) {
                        return 1;
                }
        }
        *what = NULL;
        return 0;
}
