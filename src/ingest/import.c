/*
 * import.c: the import driver. A reader (CSV or JSON lines) turns the file into batches of
 * converted, validated rows; a writer resolves references and writes each batch as one
 * transaction, rejecting single rows (into FILE.rejects.csv) without losing the rest of the
 * batch. For large files the two run on two threads (the writer alone touches the store);
 * JSON batches from the API reuse the writer. This file owns the pipeline, the options and
 * the summaries; import_read.c reads, import_write.c writes.
 */
#include "ingest/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/banned.h"
#include "core/parse.h"
#include "ingest/import_int.h"

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void ingest_opts_init(struct ingest_opts *o, enum ingest_kind kind)
{
        memset(o, 0, sizeof(*o));
        o->kind = kind;
        o->format = INGEST_FMT_AUTO;
        o->batch = INGEST_BATCH_DEFAULT;
        o->threads = 2;
}

/* ---- the driver ---- */

struct run {
        struct reader *rd;
        struct writer *w;
        const struct ingest_opts *o;
        uint64_t total;
        double last_progress;
        /* two-thread handoff: the reader fills one batch while the writer writes the other */
        pthread_mutex_t mu;
        pthread_cond_t cv;
        struct batch *full; /* handed to the writer; NULL once written */
        int done;           /* the reader has handed over its last batch */
        int stop;           /* the writer failed */
        enum cxg_err wrc;
        struct cxg_error werr;
};

static void progress(struct run *r, const struct batch *b, int force)
{
        double t;

        if (!r->o->on_progress)
                return;
        t = now();
        if (!force && t - r->last_progress < 0.1)
                return;
        r->last_progress = t;
        r->o->on_progress(r->o->ctx, b->bytes_done, r->total, r->w->read);
}

static void *writer_main(void *arg)
{
        struct run *r = arg;

        for (;;) {
                struct batch *b;
                enum cxg_err rc;

                pthread_mutex_lock(&r->mu);
                while (!r->full && !r->done)
                        pthread_cond_wait(&r->cv, &r->mu);
                b = r->full;
                pthread_mutex_unlock(&r->mu);
                if (!b)
                        return NULL;
                rc = ingest_write_batch(r->w, b, &r->werr);
                if (!rc)
                        progress(r, b, 0);
                pthread_mutex_lock(&r->mu);
                r->full = NULL;
                if (rc) {
                        r->stop = 1;
                        r->wrc = rc;
                }
                pthread_cond_broadcast(&r->cv);
                pthread_mutex_unlock(&r->mu);
                if (rc)
                        return NULL;
        }
}

/* Read and write every batch on two threads. */
static enum cxg_err run_pipeline(struct run *r, size_t max, struct cxg_error *err)
{
        struct batch bs[2];
        pthread_t th;
        enum cxg_err rc = CXG_OK;
        int cur = 0, more = 1;

        ingest_batch_init(&bs[0]);
        ingest_batch_init(&bs[1]);
        cxg_error_clear(&r->werr);
        if (pthread_mutex_init(&r->mu, NULL)) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot create a mutex");
                goto out;
        }
        if (pthread_cond_init(&r->cv, NULL)) {
                pthread_mutex_destroy(&r->mu);
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot create a condition variable");
                goto out;
        }
        if (pthread_create(&th, NULL, writer_main, r)) {
                rc = cxg_error_set(err, CXG_ERR_INTERNAL, "cannot start the writer thread");
                goto destroy;
        }
        while (more) {
                if ((rc = ingest_fill_batch(r->rd, &bs[cur], max, &more, err)))
                        break;
                pthread_mutex_lock(&r->mu);
                while (r->full && !r->stop)
                        pthread_cond_wait(&r->cv, &r->mu);
                if (r->stop) {
                        pthread_mutex_unlock(&r->mu);
                        break;
                }
                if (bs[cur].n)
                        r->full = &bs[cur];
                pthread_cond_broadcast(&r->cv);
                pthread_mutex_unlock(&r->mu);
                cur ^= 1;
        }
        pthread_mutex_lock(&r->mu);
        while (r->full && !r->stop)
                pthread_cond_wait(&r->cv, &r->mu);
        r->done = 1;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(th, NULL);
        if (!rc && r->wrc) {
                rc = r->wrc;
                *err = r->werr;
        }
destroy:
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
out:
        ingest_batch_release(&bs[0]);
        ingest_batch_release(&bs[1]);
        return rc;
}

/* Read and write every batch on the calling thread. */
static enum cxg_err run_serial(struct run *r, size_t max, struct cxg_error *err)
{
        struct batch b;
        enum cxg_err rc = CXG_OK;
        int more = 1;

        ingest_batch_init(&b);
        while (more && !rc) {
                if ((rc = ingest_fill_batch(r->rd, &b, max, &more, err)))
                        break;
                if (b.n && !(rc = ingest_write_batch(r->w, &b, err)))
                        progress(r, &b, 0);
        }
        ingest_batch_release(&b);
        return rc;
}

enum cxg_err ingest_file(struct store *s, const char *path, const struct ingest_opts *o,
                         struct ingest_summary *out, struct cxg_error *err)
{
        struct reader rd;
        struct writer w;
        struct sink sink;
        struct run run;
        enum ingest_format fmt = o->format;
        char delim = o->delimiter;
        size_t max = o->batch ? o->batch : INGEST_BATCH_DEFAULT;
        void *map = NULL;
        size_t map_len = 0;
        struct stat st;
        enum cxg_err rc;
        double t0 = now();
        int fd = -1;

        memset(out, 0, sizeof(*out));
        out->kind = o->kind;
        out->dry_run = o->dry_run;
        ingest_reader_init(&rd);
        memset(&w, 0, sizeof(w));
        memset(&sink, 0, sizeof(sink));
        cxg_buf_init(&sink.line, 0);
        memset(&run, 0, sizeof(run));
        rd.kind = o->kind;
        rd.path = path;
        if ((int)o->kind < 0 || o->kind >= INGEST_KIND__COUNT) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "unknown kind");
                goto done;
        }
        if (max > INGEST_BATCH_MAX) {
                rc = cxg_error_setf(err, CXG_ERR_USAGE, "batch", "batch: at most %d rows",
                                    INGEST_BATCH_MAX);
                goto done;
        }
        if (!s && !o->dry_run) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "no database to import into");
                goto done;
        }
        if ((rc = ingest_detect_format(path, &fmt, &delim, err)) ||
            (rc = ingest_parse_map(o->kind, o->map, rd.keys, err)))
                goto done;
        rd.format = out->format = fmt;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                rc = cxg_error_set(err, errno == ENOENT ? CXG_ERR_NOTFOUND : CXG_ERR_IO,
                                   "cannot open %s: %s", path, strerror(errno));
                goto done;
        }
        if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
                rc = cxg_error_set(err, CXG_ERR_IO, "%s: not a regular file", path);
                goto done;
        }
        map_len = (size_t)st.st_size;
        if (map_len) {
                map = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED) {
                        map = NULL;
                        rc = cxg_error_set(err, CXG_ERR_IO, "cannot map %s: %s", path,
                                           strerror(errno));
                        goto done;
                }
                madvise(map, map_len, MADV_SEQUENTIAL);
        }
        rd.data = map;
        rd.size = map_len;
        if (fmt == INGEST_FMT_CSV) {
                if ((rc =
                         ingest_csv_init(&rd.csv, path, map, map_len, delim, o->max_record, err)) ||
                    (rc = ingest_read_header(&rd, out, err)))
                        goto done;
        } else {
                ingest_jsonl_init(&rd.jl, path, map, map_len, o->max_record);
        }
        /* a stale rejects file of an earlier run would mislead */
        snprintf(sink.path, sizeof(sink.path), "%s.rejects.csv", path);
        if (unlink(sink.path) && errno != ENOENT) {
                rc = cxg_error_set(err, CXG_ERR_IO, "cannot remove the old %s: %s", sink.path,
                                   strerror(errno));
                goto done;
        }
        sink.in_path = path;
        sink.format = fmt;
        sink.delim = rd.csv.delim;
        sink.header = rd.header;
        sink.n_header = rd.n_header;
        sink.on_reject = o->on_reject;
        sink.ctx = o->ctx;
        w.s = s;
        w.kind = o->kind;
        w.dry_run = o->dry_run;
        w.sink = &sink;
        w.on_batch = o->on_batch;
        w.ctx = o->ctx;
        run.rd = &rd;
        run.w = &w;
        run.o = o;
        run.total = map_len;
        if (o->threads != 1 && map_len >= PIPELINE_MIN_BYTES)
                rc = run_pipeline(&run, max, err);
        else
                rc = run_serial(&run, max, err);
        if (!rc && o->on_progress)
                o->on_progress(o->ctx, map_len, map_len, w.read);
        if (rc && rc != CXG_ERR_USAGE) {
                char msg[sizeof(err->msg)];

                snprintf(msg, sizeof(msg), "%s", err->msg);
                if (o->dry_run)
                        cxg_error_set(err, rc, "%s (dry run: nothing was written)", msg);
                else
                        cxg_error_set(err, rc,
                                      "%s; the import stopped: %llu rows were committed before "
                                      "it, the batch in progress was rolled back",
                                      msg, (unsigned long long)w.committed);
        }
done:
        out->read = w.read;
        out->inserted = w.inserted;
        out->updated = w.updated;
        out->rejected = w.rejected;
        out->valid = w.valid;
        out->committed = w.committed;
        out->seconds = now() - t0;
        if (sink.f) {
                if (fclose(sink.f) && !rc)
                        rc = cxg_error_set(err, CXG_ERR_IO, "cannot write rejects file %s: %s",
                                           sink.path, strerror(errno));
                sink.f = NULL;
                snprintf(out->rejects_path, sizeof(out->rejects_path), "%s", sink.path);
        }
        ingest_sink_release(&sink);
        cxg_free(w.rows);
        cxg_free(w.row_item);
        ingest_reader_release(&rd);
        if (map)
                munmap(map, map_len);
        if (fd >= 0)
                close(fd);
        return rc;
}

enum cxg_err ingest_summary_json(const struct ingest_summary *sum, const char *path,
                                 struct cxg_buf *b)
{
        double rate = sum->seconds > 0 ? (double)sum->read / sum->seconds : 0;
        enum cxg_err rc;

        if ((rc = cxg_buf_puts(b, "{\"file\":")) ||
            (rc = cxg_buf_json_str(b, path ? path : "", path ? strlen(path) : 0)) ||
            (rc = cxg_buf_printf(b, ",\"kind\":\"%s\",\"format\":\"%s\",\"dry_run\":%s",
                                 ingest_kind_name(sum->kind),
                                 sum->format == INGEST_FMT_JSONL ? "jsonl" : "csv",
                                 sum->dry_run ? "true" : "false")) ||
            (rc =
                 cxg_buf_printf(b,
                                ",\"read\":%llu,\"imported\":%llu,\"updated\":%llu,"
                                "\"rejected\":%llu,\"valid\":%llu,\"seconds\":%.3f,"
                                "\"rows_per_second\":%.0f,\"rejects_file\":",
                                (unsigned long long)sum->read, (unsigned long long)sum->inserted,
                                (unsigned long long)sum->updated, (unsigned long long)sum->rejected,
                                (unsigned long long)sum->valid, sum->seconds, rate)))
                return rc;
        if (sum->rejects_path[0])
                rc = cxg_buf_json_str(b, sum->rejects_path, strlen(sum->rejects_path));
        else
                rc = cxg_buf_puts(b, "null");
        if (!rc)
                rc = cxg_buf_puts(b, ",\"ignored_columns\":");
        if (!rc)
                rc = cxg_buf_json_str(b, sum->ignored, strlen(sum->ignored));
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err ingest_json_batch(struct store *s, enum ingest_kind kind, const char *json, size_t len,
                               unsigned flags, struct ingest_row_error **errs, size_t *n_errs,
                               struct ingest_summary *out, struct cxg_error *err)
{
        struct writer w;
        struct sink sink;
        struct batch b;
        struct cxg_jparser *jp = NULL;
        struct cxg_jval arr, v;
        struct cxg_jiter ai;
        struct cxg_error je;
        enum cxg_err rc = CXG_OK;
        double t0 = now();
        int line, column;
        size_t i = 0;

        *errs = NULL;
        *n_errs = 0;
        memset(&w, 0, sizeof(w));
        memset(&sink, 0, sizeof(sink));
        cxg_buf_init(&sink.line, 0);
        ingest_batch_init(&b);
        if ((int)kind < 0 || kind >= INGEST_KIND__COUNT) {
                rc = cxg_error_set(err, CXG_ERR_USAGE, "unknown kind");
                goto done;
        }
        if (!(jp = cxg_jparser_new())) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                goto done;
        }
        cxg_error_clear(&je);
        rc = cxg_jparse(jp, json, len, &arr, &je);
        if (rc == CXG_ERR_NOMEM) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                goto done;
        }
        if (rc || cxg_jtype(arr) != CXG_J_ARRAY) {
                const char *why = cxg_jparser_failure(jp, &line, &column);

                rc = !rc ? cxg_error_set(err, CXG_ERR_PARSE, "expected a JSON array of objects")
                         : cxg_error_set(err, CXG_ERR_PARSE,
                                         "not valid JSON: %s (line %d, column %d)", why, line,
                                         column);
                goto done;
        }
        cxg_jiter_init(arr, &ai);
        while (cxg_jiter_next(&ai, NULL, NULL, &v)) {
                struct item *it = ingest_batch_add(&b);

                if (!it || ingest_json_item(kind, NULL, v, &b, it)) {
                        rc = cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                        goto done;
                }
                it->index = i;
                it->line = (long)i + 1;
                i++;
        }
        sink.json_mode = 1;
        w.s = s;
        w.kind = kind;
        w.atomic = !(flags & INGEST_JSON_PARTIAL);
        w.nested = (flags & INGEST_JSON_NESTED) != 0;
        w.sink = &sink;
        rc = ingest_write_batch(&w, &b, err);
        if (rc == CXG_ERR_INVALID)
                cxg_error_set(err, rc, "%zu of %zu rows are invalid: nothing was written",
                              sink.n_errs, b.n);
done:
        if (out) {
                memset(out, 0, sizeof(*out));
                out->kind = kind;
                out->read = w.read;
                out->inserted = w.inserted;
                out->updated = w.updated;
                out->rejected = w.rejected;
                out->valid = w.valid;
                out->committed = w.committed;
                out->seconds = now() - t0;
        }
        if (rc && rc != CXG_ERR_INVALID) {
                cxg_free(sink.errs);
        } else {
                *errs = sink.errs;
                *n_errs = sink.n_errs;
        }
        cxg_jparser_free(jp);
        ingest_batch_release(&b);
        cxg_free(w.rows);
        cxg_free(w.row_item);
        ingest_sink_release(&sink);
        return rc;
}
