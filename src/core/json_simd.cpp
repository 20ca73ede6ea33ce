/*
 * json_simd.cpp: the backend of json.h on simdjson's DOM (Debian's libsimdjson-dev, built
 * without exceptions: the error-code API only). A struct cxg_jval holds the bytes of a
 * dom::element (a document pointer and a tape index, trivially copyable); the zero value is
 * "absent" since a real element never has both words zero. After simdjson accepts a document
 * a walk rejects what jansson (the previous backend) rejects and simdjson does not: duplicate
 * keys in an object, keys holding a NUL byte (C callers compare keys as C strings) and
 * integers beyond int64. Every rejection is described by json.c, which
 * re-parses the text with jansson for a line and column.
 */
#include <simdjson.h>

#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

extern "C" {
#include "core/alloc.h"
#include "core/json.h"
#include "core/json_int.h"
}
#include "core/banned.h"

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

static_assert(sizeof(element) == sizeof(cxg_jval::opaque), "a dom::element fills a cxg_jval");
static_assert(std::is_trivially_copyable<element>::value, "a dom::element copies as bytes");
static_assert(sizeof(object::iterator) == 2 * sizeof(uint64_t) &&
                  sizeof(array::iterator) == 2 * sizeof(uint64_t),
              "an iterator fills half a cxg_jiter");
static_assert(std::is_trivially_copyable<object::iterator>::value &&
                  std::is_trivially_copyable<array::iterator>::value,
              "iterators copy as bytes");

static_assert(simdjson::DEFAULT_MAX_DEPTH == CXG_JSON_MAX_DEPTH, "the depth json_int.h documents");

/* Objects with more members than this are checked for duplicate keys by sorting, not pairs. */
#define DUP_PAIRWISE_MAX 16

struct cxg_jparser {
        simdjson::dom::parser parser;
        std::string_view *keys; /* scratch for the duplicate check of large objects */
        size_t cap;
        struct cxg_jfail fail; /* the last failure, for cxg_jparser_failure */
};

static element el(const struct cxg_jval &v)
{
        element e;

        std::memcpy(static_cast<void *>(&e), v.opaque, sizeof(e));
        return e;
}

static struct cxg_jval wrap(const element &e)
{
        struct cxg_jval v;

        std::memcpy(v.opaque, static_cast<const void *>(&e), sizeof(e));
        return v;
}

static bool absent(const struct cxg_jval &v)
{
        return v.opaque[0] == 0 && v.opaque[1] == 0;
}

struct cxg_jparser *cxg_jparser_new(void)
{
        void *m = cxg_malloc(sizeof(struct cxg_jparser));
        struct cxg_jparser *p;

        if (!m)
                return nullptr;
        p = new (m) cxg_jparser();
        p->keys = nullptr;
        p->cap = 0;
        std::memset(&p->fail, 0, sizeof(p->fail));
        return p;
}

void cxg_jparser_free(struct cxg_jparser *p)
{
        if (!p)
                return;
        cxg_free(p->keys);
        p->~cxg_jparser();
        cxg_free(p);
}

static int by_key(const void *a, const void *b)
{
        const std::string_view *x = static_cast<const std::string_view *>(a);
        const std::string_view *y = static_cast<const std::string_view *>(b);

        return x->compare(*y);
}

/* "" when the n members of o have distinct keys, else why not; nullptr when out of memory */
static const char *distinct_keys(struct cxg_jparser *p, const object &o, size_t n)
{
        size_t i = 0;

        if (n <= DUP_PAIRWISE_MAX) {
                std::string_view k[DUP_PAIRWISE_MAX];

                for (auto f : o) {
                        for (size_t j = 0; j < i; j++)
                                if (k[j] == f.key)
                                        return "duplicate object key";
                        k[i++] = f.key;
                }
                return "";
        }
        if (n > p->cap) {
                void *m = cxg_realloc(p->keys, n * sizeof(*p->keys));

                if (!m)
                        return nullptr;
                p->keys = static_cast<std::string_view *>(m);
                p->cap = n;
        }
        for (auto f : o)
                p->keys[i++] = f.key;
        std::qsort(p->keys, i, sizeof(*p->keys), by_key);
        for (size_t j = 1; j < i; j++)
                if (p->keys[j] == p->keys[j - 1])
                        return "duplicate object key";
        return "";
}

/* "" when e and what it holds are acceptable, else why not; nullptr when out of memory */
static const char *check(struct cxg_jparser *p, const element &e)
{
        const char *why = "";

        switch (e.type()) {
        case element_type::UINT64:
                return "too big integer";
        case element_type::ARRAY: {
                array a = e.get_array().value_unsafe();

                for (element x : a)
                        if (!(why = check(p, x)) || *why)
                                return why;
                return "";
        }
        case element_type::OBJECT: {
                object o = e.get_object().value_unsafe();
                size_t n = o.size();

                if (n > 1 && (!(why = distinct_keys(p, o, n)) || *why))
                        return why;
                for (auto f : o) {
                        if (std::memchr(f.key.data(), '\0', f.key.size()))
                                return "NUL byte in object key not supported";
                        if (!(why = check(p, f.value)) || *why)
                                return why;
                }
                return "";
        }
        default:
                return "";
        }
}

enum cxg_err cxg_jparse(struct cxg_jparser *p, const char *buf, size_t len, struct cxg_jval *root,
                        struct cxg_error *err)
{
        element doc;
        simdjson::error_code e;
        const char *why;

        std::memset(root, 0, sizeof(*root));
        if (!buf)
                buf = "";
        e = p->parser.parse(buf, len, true).get(doc);
        if (e == simdjson::MEMALLOC)
                return cxg_error_set(err, CXG_ERR_NOMEM, "json: out of memory");
        if (e)
                return cxg_json_fail(buf, len, simdjson::error_message(e), &p->fail, err);
        if (!(why = check(p, doc)))
                return cxg_error_set(err, CXG_ERR_NOMEM, "json: out of memory");
        if (*why)
                return cxg_json_fail(buf, len, why, &p->fail, err);
        *root = wrap(doc);
        return CXG_OK;
}

const char *cxg_jparser_failure(const struct cxg_jparser *p, int *line, int *column)
{
        if (line)
                *line = p->fail.line;
        if (column)
                *column = p->fail.column;
        return p->fail.reason;
}

enum cxg_jtype cxg_jtype(struct cxg_jval v)
{
        if (absent(v))
                return CXG_J_NULL;
        switch (el(v).type()) {
        case element_type::OBJECT:
                return CXG_J_OBJECT;
        case element_type::ARRAY:
                return CXG_J_ARRAY;
        case element_type::STRING:
                return CXG_J_STRING;
        case element_type::INT64:
                return CXG_J_INT;
        case element_type::UINT64: /* rejected by cxg_jparse */
        case element_type::DOUBLE:
                return CXG_J_REAL;
        case element_type::BOOL:
                return CXG_J_BOOL;
        case element_type::NULL_VALUE:
        default:
                return CXG_J_NULL;
        }
}

int cxg_jpresent(struct cxg_jval v)
{
        return !absent(v);
}

int cxg_jget(struct cxg_jval v, const char *key, struct cxg_jval *out)
{
        element e, m;

        std::memset(out, 0, sizeof(*out));
        if (absent(v) || !(e = el(v)).is_object())
                return 0;
        if (e.get_object().value_unsafe().at_key(key).get(m))
                return 0;
        *out = wrap(m);
        return 1;
}

const char *cxg_jstr(struct cxg_jval v, size_t *len)
{
        std::string_view s;

        if (absent(v) || el(v).get_string().get(s))
                return nullptr;
        if (len)
                *len = s.size();
        return s.data();
}

int cxg_jint(struct cxg_jval v, int64_t *out)
{
        element e;

        if (absent(v) || (e = el(v)).type() != element_type::INT64)
                return 0;
        *out = e.get_int64().value_unsafe();
        return 1;
}

int cxg_jnum(struct cxg_jval v, double *out)
{
        element e;

        if (absent(v) || !(e = el(v)).is_number())
                return 0;
        return !e.get_double().get(*out);
}

int cxg_jbool(struct cxg_jval v, int *out)
{
        bool b;

        if (absent(v) || el(v).get_bool().get(b))
                return 0;
        *out = b;
        return 1;
}

size_t cxg_jsize(struct cxg_jval v)
{
        element e;

        if (absent(v))
                return 0;
        e = el(v);
        if (e.is_array())
                return e.get_array().value_unsafe().size();
        if (e.is_object())
                return e.get_object().value_unsafe().size();
        return 0;
}

/* opaque[0..1]: the container (a dom::element; zero for an empty iteration), [2..3]: the
 * position (an object::iterator or array::iterator, as bytes) */
void cxg_jiter_init(struct cxg_jval v, struct cxg_jiter *it)
{
        element e;

        std::memset(it, 0, sizeof(*it));
        if (absent(v))
                return;
        e = el(v);
        if (e.is_object()) {
                object::iterator i = e.get_object().value_unsafe().begin();

                std::memcpy(&it->opaque[2], static_cast<const void *>(&i), sizeof(i));
        } else if (e.is_array()) {
                array::iterator i = e.get_array().value_unsafe().begin();

                std::memcpy(&it->opaque[2], static_cast<const void *>(&i), sizeof(i));
        } else {
                return;
        }
        std::memcpy(it->opaque, v.opaque, sizeof(v.opaque));
}

/* the member or element at it's position (into *val and, for objects, *key and *keylen) */
static void take(const object::iterator &i, const char **key, size_t *keylen, struct cxg_jval *val)
{
        *val = wrap(i.value());
        if (key)
                *key = i.key_c_str();
        if (keylen)
                *keylen = i.key_length();
}

static void take(const array::iterator &i, const char **key, size_t *keylen, struct cxg_jval *val)
{
        *val = wrap(*i);
        if (key)
                *key = nullptr;
        if (keylen)
                *keylen = 0;
}

/* one step over container c (a dom::object or dom::array) from the position kept in it */
template <class C>
static int step(struct cxg_jiter *it, const C &c, const char **key, size_t *keylen,
                struct cxg_jval *val)
{
        typename C::iterator i = c.begin(), end = c.end();

        std::memcpy(static_cast<void *>(&i), &it->opaque[2], sizeof(i));
        if (!(i != end))
                return 0;
        take(i, key, keylen, val);
        ++i;
        std::memcpy(&it->opaque[2], static_cast<const void *>(&i), sizeof(i));
        return 1;
}

int cxg_jiter_next(struct cxg_jiter *it, const char **key, size_t *keylen, struct cxg_jval *val)
{
        struct cxg_jval c = {{it->opaque[0], it->opaque[1]}};
        element e;

        if (absent(c))
                return 0;
        e = el(c);
        if (e.is_object())
                return step(it, e.get_object().value_unsafe(), key, keylen, val);
        return step(it, e.get_array().value_unsafe(), key, keylen, val);
}
