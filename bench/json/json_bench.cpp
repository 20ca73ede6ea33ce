// json_bench.cpp: decode a JSON-lines file one line at a time with each candidate decoder and
// read the seven fields of every event (what the importer does with it), same process, same
// run: jansson (json_loadb per line, the importer until now), simdjson DOM (copying each line
// into the parser's padded buffer, and in place), simdjson On-Demand, and cxgarden's json.h
// (whatever backend build/ links: the simdjson shim plus its duplicate-key walk).
//
//   bench/json/run.sh [ROWS]   builds this against build/ and prints per-event ns and MB/s
#include <jansson.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "core/json.h"
}

using namespace simdjson;

static const char *const FIELDS[] = {"person_id",   "ts",      "channel", "type",
                                     "duration_ms", "outcome", "value"};

struct line {
        size_t off, len;
};

static double now()
{
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

static void report(const char *name, double s, size_t n, size_t bytes, unsigned long check)
{
        std::printf("%-34s %8.1f ns/event %8.1f MB/s  (%.3f s, check %lu)\n", name, s * 1e9 / n,
                    bytes / s / 1e6, s, check);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                std::fprintf(stderr, "usage: json_bench FILE.jsonl\n");
                return 2;
        }
        padded_string data;
        if (padded_string::load(argv[1]).get(data)) {
                std::fprintf(stderr, "cannot read %s\n", argv[1]);
                return 1;
        }
        std::vector<line> lines;
        for (size_t p = 0, e; p < data.size(); p = e + 1) {
                const char *nl = (const char *)std::memchr(data.data() + p, '\n', data.size() - p);
                e = nl ? (size_t)(nl - data.data()) : data.size();
                if (e > p)
                        lines.push_back({p, e - p});
        }
        size_t n = lines.size(), bytes = data.size();
        unsigned long check;
        double t;

        check = 0;
        t = now();
        for (auto &l : lines) {
                json_error_t je;
                json_t *o = json_loadb(data.data() + l.off, l.len, JSON_REJECT_DUPLICATES, &je);
                for (const char *f : FIELDS) {
                        json_t *v = json_object_get(o, f);
                        if (json_is_string(v))
                                check += json_string_length(v);
                        else if (json_is_integer(v))
                                check += (unsigned long)json_integer_value(v);
                        else if (json_is_real(v))
                                check += (unsigned long)json_real_value(v);
                }
                json_decref(o);
        }
        report("jansson json_loadb", now() - t, n, bytes, check);

        for (int copy = 1; copy >= 0; copy--) {
                dom::parser parser;
                check = 0;
                t = now();
                for (auto &l : lines) {
                        dom::element doc;
                        if (parser.parse(data.data() + l.off, l.len, copy).get(doc))
                                return 1;
                        dom::object o = doc.get_object().value_unsafe();
                        for (const char *f : FIELDS) {
                                dom::element v;
                                if (o.at_key(f).get(v))
                                        continue;
                                if (v.is_string())
                                        check += v.get_string_length().value_unsafe();
                                else if (v.is_int64())
                                        check += (unsigned long)v.get_int64().value_unsafe();
                                else if (v.is_double())
                                        check += (unsigned long)v.get_double().value_unsafe();
                        }
                }
                report(copy ? "simdjson DOM (copy per line)" : "simdjson DOM (in place)", now() - t,
                       n, bytes, check);
        }

        {
                ondemand::parser parser;
                check = 0;
                t = now();
                for (auto &l : lines) {
                        ondemand::document doc;
                        // lines sit inside the padded file buffer: the padding is readable
                        if (parser
                                .iterate(data.data() + l.off, l.len,
                                         data.size() + SIMDJSON_PADDING - l.off)
                                .get(doc))
                                return 1;
                        ondemand::object o;
                        if (doc.get_object().get(o))
                                return 1;
                        // document order, one pass: what a streaming importer would do
                        for (auto field : o) {
                                ondemand::value v;
                                std::string_view k;
                                if (field.unescaped_key().get(k) || field.value().get(v))
                                        return 1;
                                ondemand::json_type jt;
                                if (v.type().get(jt))
                                        return 1;
                                if (jt == ondemand::json_type::string) {
                                        std::string_view s;
                                        if (!v.get_string().get(s))
                                                check += s.size();
                                } else if (jt == ondemand::json_type::number) {
                                        int64_t i;
                                        double d;
                                        if (!v.get_int64().get(i))
                                                check += (unsigned long)i;
                                        else if (!v.get_double().get(d))
                                                check += (unsigned long)d;
                                }
                        }
                }
                report("simdjson On-Demand (in place)", now() - t, n, bytes, check);
        }

        {
                struct cxg_jparser *p = cxg_jparser_new();
                struct cxg_error err;
                check = 0;
                t = now();
                for (auto &l : lines) {
                        struct cxg_jval root, v;
                        if (cxg_jparse(p, data.data() + l.off, l.len, &root, &err))
                                return 1;
                        for (const char *f : FIELDS) {
                                size_t len;
                                int64_t i;
                                double d;
                                if (!cxg_jget(root, f, &v))
                                        continue;
                                if (cxg_jstr(v, &len))
                                        check += len;
                                else if (cxg_jint(v, &i))
                                        check += (unsigned long)i;
                                else if (cxg_jnum(v, &d))
                                        check += (unsigned long)d;
                        }
                }
                report("cxgarden json.h (cxg_jparse)", now() - t, n, bytes, check);
                cxg_jparser_free(p);
        }
        std::printf("%zu events, %.1f MB\n", n, bytes / 1e6);
        return 0;
}
