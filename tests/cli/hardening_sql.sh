#!/usr/bin/env bash
# hardening_sql.sh [BINARY]: all SQL goes through prepared statements with bound parameters
# (issue 9, hardening). Static checks over src/:
#  1. outside src/store/ nothing includes sqlite3.h or calls sqlite3_* (only store/ knows SQL);
#  2. no printf-style function (snprintf, vsnprintf, cxg_buf_printf, sqlite3_mprintf, ...) has a
#     format with SQL in it, and SQLite's own string builders (sqlite3_mprintf & co.) are not used;
#  3. in src/store/, the SQL argument of every statement sink (sqlite3_prepare*, sqlite3_exec,
#     and every function taking a `const char *sql` parameter, found automatically) is a string
#     literal (with literal-only macros), a choice between literals, or the `sql` parameter
#     passed through by a sink itself, or store_sql(s, literal, literal), or an element of a `const char *const NAME[]` table of
#     literals (store_migrations[] in schema.c, the counts in sqlite.c). One reviewed exception:
#     the multi-row interaction INSERT of entities.c (b.data), built from INS_HEAD and
#     INS_TUPLE (placeholders and nothing else) and INS_TAIL (" RETURNING id"); and the list and
#     clear queries of query.c (the API's lists), whose formats may take only the identifiers
#     and expressions of its constant tables (d->cols, d->from, sd->expr, tables[e], fields[i]
#     after their whitelist check) and choices between literals: every value is a ? parameter.
# The checker first proves on planted bad code that it finds each kind of violation.
set -euo pipefail
SRC=${CXG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

check() { # check ROOT: print violations, exit status 1 when there are any
        perl -e '
use strict; use warnings;
my $root = shift;
my @files = split /\n/, `find $root/src -name "*.[ch]" | sort`;
my $bad = 0;
sub report { my ($f, $n, $m) = @_; $f =~ s{^\Q$root\E/}{}; print "$f:$n: $m\n"; $bad++; }
# source without comments; string literals kept; line numbers preserved
sub strip {
        my $t = shift;
        $t =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\])*")|(\x27(?:\\.|[^\x27\\])*\x27)}{
                defined $1 ? join("", map { $_ eq "\n" ? "\n" : " " } split //, $1)
              : defined $2 ? "" : defined $3 ? $3 : $4 }gse;
        return $t;
}
sub line_of { my ($t, $pos) = @_; return 1 + (substr($t, 0, $pos) =~ tr/\n//); }
# the argument list of the call whose "(" is at $pos: list of [text, offset]
sub args_at {
        my ($t, $pos) = @_;
        my ($depth, $start, @a) = (0, $pos + 1);
        for (my $i = $pos; $i < length $t; $i++) {
                my $c = substr($t, $i, 1);
                if ($c eq q{"}) { substr($t, $i) =~ /^("(?:\\.|[^"\\])*")/ and $i += length($1) - 1; next; }
                if ($c eq "(") { $depth++; next; }
                if ($c eq ")") { $depth--; if ($depth == 0) { push @a, [substr($t, $start, $i - $start), $start]; return @a; } next; }
                if ($c eq "," && $depth == 1) { push @a, [substr($t, $start, $i - $start), $start]; $start = $i + 1; }
        }
        return @a;
}
my $LIT = qr/"(?:\\.|[^"\\])*"/;
# name and parameter list of the function whose body holds position $pos
sub enclosing {
        my ($t, $pos) = @_;
        my ($name, $params) = ("", "");
        while ($t =~ /(?:^|\n)[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(([^;{)]*)\)\s*\{/g) {
                last if $-[0] > $pos;
                ($name, $params) = ($1, $2);
        }
        return ($name, $params);
}
# query.c (the lists of the API) composes SELECTs: what may be formatted into them are only
# identifiers and expressions from its constant tables (entity columns and tables, sort
# expressions, whitelisted column names) and choices between literals, never a value
my %QUERY_ARGS = map { $_ => 1 } qw(d->cols d->from sd->expr tables[e] fields[i]);
sub query_arg_ok {
        my $a = shift;
        $a =~ s/^\s+|\s+$//g;
        return $QUERY_ARGS{$a} || $a =~ /^[\w>.-]+\s*\?\s*$LIT\s*:\s*$LIT$/;
}
sub literal_only { # literals, UPPERCASE macros, macro calls with literal arguments (any number)
        my $e = shift;
        $e =~ s/\s+/ /g; $e =~ s/^ | $//g;
        1 while $e =~ s/\b[A-Z][A-Z0-9_]*\s*\(\s*$LIT(?:\s*,?\s*$LIT)*\s*\)/""/g;
        return $e =~ /^(?:(?:$LIT|[A-Z][A-Z0-9_]*)\s*)+$/;
}
# store_sql(s, LITE, PG): the choice of a statement per backend, both literal (or both
# elements of tables of literals, as the migrations)
my %table;
sub store_sql_ok {
        my $e = shift;
        return 0 unless $e =~ /^store_sql\s*\(/;
        my @a = args_at($e, index($e, "("));
        my $ok = sub { my $x = shift; $x =~ s/^\s+|\s+$//g;
                       return literal_only($x) || ($x =~ /^(\w+)\s*\[[^\]]+\]$/ && $table{$1}); };
        return @a == 3 && $ok->($a[1][0]) && $ok->($a[2][0]);
}
my %text; $text{$_} = do { local $/; open my $h, "<", $_ or die; strip(<$h>) } for @files;
# tables of constant statements: "const char *const NAME[] = { literals }" in src/store/,
# and constant strings: "const char NAME[] = literal;" (per file)
my %conststr;
for my $f (grep { m{/src/store/} } @files) {
        while ($text{$f} =~ /\bconst\s+char\s+(\w+)\s*\[\s*\]\s*=\s*((?:$LIT\s*)+);/g) {
                $conststr{"$f:$1"} = 1;
        }
}
for my $f (grep { m{/src/store/} } @files) {
        while ($text{$f} =~ /\bconst\s+char\s*\*\s*const\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\};/gs) {
                my ($name, $body) = ($1, $2);
                # items: split at commas outside strings and parentheses (macro arguments)
                my ($depth, $cur, @items) = (0, "");
                while ($body =~ /\G($LIT|[()]|,|[^"(),]+)/gc) {
                        my $tok = $1;
                        $depth++ if $tok eq "(";
                        $depth-- if $tok eq ")";
                        if ($tok eq "," && $depth == 0) { push @items, $cur; $cur = ""; next; }
                        $cur .= $tok;
                }
                push @items, $cur;
                @items = grep { /\S/ } @items;
                $table{$name} = 1 unless grep { !literal_only($_) && !/^\s*NULL\s*$/ } @items;
        }
}
# sinks: SQLite entry points, and every store function with a "const char *sql" parameter
my %sink = (sqlite3_prepare => 1, sqlite3_prepare_v2 => 1, sqlite3_prepare_v3 => 1,
            sqlite3_prepare16 => 1, sqlite3_exec => 1);
for my $f (grep { m{/src/store/} } @files) {
        while ($text{$f} =~ /\b([a-z_][a-z0-9_]*)\s*\(([^;{)]*)\)\s*\{/g) {
                my ($name, $params) = ($1, $2);
                next if $name =~ /^(if|while|for|switch|return|sizeof)$/;
                my @p = split /,/, $params;
                for my $k (0 .. $#p) { $sink{$name} = $k if $p[$k] =~ /\bconst\s+char\s*\*\s*sql\s*$/; }
        }
}
for my $f (@files) {
        my $t = $text{$f};
        my $in_store = $f =~ m{/src/store/};
        # 1. layering
        if (!$in_store) {
                report($f, line_of($t, $-[0]), "sqlite3 outside src/store/") while $t =~ /#\s*include\s*<sqlite3\.h>|\bsqlite3_\w+\s*\(/g;
        }
        # 2. SQL built with printf-style functions
        while ($t =~ /\b(sqlite3_v?mprintf|sqlite3_v?snprintf|sqlite3_str_v?appendf|sqlite3_str_new)\s*\(/g) {
                report($f, line_of($t, $-[0]), "$1 builds SQL text: bind parameters instead");
        }
        while ($t =~ /\b(v?snprintf|v?sprintf|v?asprintf|cxg_buf_v?printf|v?dprintf)\s*\(/g) {
                my ($fn, $at) = ($1, $+[0] - 1);
                my $pos = pos($t);
                my $fmt = join " ", map { $_->[0] } args_at($t, $at);
                my @args = map { $_->[0] } args_at($t, $at);
                my ($fi) = grep { $args[$_] =~ /^\s*$LIT/ } 0 .. $#args;
                my $reviewed = $f =~ m{/src/store/query\.c$} && defined $fi &&
                               !grep { !query_arg_ok($_) } @args[$fi + 1 .. $#args];
                # pg_copy.c: COPY takes no parameters; its only formatted values are int64 ids
                $reviewed ||= $f =~ m{/src/store/pg_copy\.c$} && defined $fi &&
                              !grep { !/^\s*(lo|hi)\s*$/ } @args[$fi + 1 .. $#args];
                # migrate.c: the copier formats identifiers only: the names and key columns of its constant table
                # and catalog column names checked to be plain identifiers
                $reviewed ||= $f =~ m{/src/store/migrate\.c$} && defined $fi &&
                              !grep { !/^\s*(t->name|t->order|c->list|c->name\[i\]|i \? ", " : ""|name)\s*$/ && !/^\s*$LIT\s*$/ && !/^\s*\([\w>&. -]+\)\s*\?\s*$LIT\s*:\s*$LIT\s*$/ } @args[$fi + 1 .. $#args];
                if (!$reviewed && $fmt =~ /"[^"]*\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|REPLACE\s+INTO|CREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(?:TABLE|INDEX)|ALTER\s+TABLE|PRAGMA\s|ATTACH\s|VALUES\s*\(|WHERE\s)/) {
                        report($f, line_of($t, $at), "$fn formats SQL (\"$1\"): use a literal statement with ? parameters");
                }
                pos($t) = $pos;
        }
        next unless $in_store;
        # 3. the SQL argument of every sink
        while ($t =~ /\b([a-z_][a-z0-9_]*)\s*\(/g) {
                my ($name, $at) = ($1, $+[0] - 1);
                next unless exists $sink{$name};
                my $pos = pos($t);
                my @a = args_at($t, $at);
                my $k = $name =~ /^sqlite3_/ ? 1 : $sink{$name};
                my $arg = defined $a[$k] ? $a[$k][0] : "";
                (my $e = $arg) =~ s/^\s+|\s+$//g;
                if ($e =~ /\bchar\s*\*/) { pos($t) = $pos; next; } # a declaration
                my $ok = literal_only($e)
                      || $conststr{"$f:$e"}
                      || $e =~ /^(\w+)\s*\[[^\]]+\]$/ && $table{$1}
                      || $e =~ /^[a-z_][a-z0-9_>.-]*\s*\?\s*(.+?)\s*:\s*(.+)$/s && literal_only($1) && literal_only($2)
                      || store_sql_ok($e)
                      || ($e eq "sql" && (enclosing($t, $at))[1] =~ /\bconst\s+char\s*\*\s*sql\s*(?:,|$)/)
                      || ($f =~ m{/src/store/query\.c$} && (($e eq "sql.data" && (enclosing($t, $at))[0] eq "store_query_list")
                                                          || ($e eq "sql" && (enclosing($t, $at))[0] eq "store_query_clear")
                                                          || $e eq "refs->sql"))
                      || ($f =~ m{/src/store/entities\.c$} && $e eq "b.data")
                      || ($f =~ m{/src/store/migrate\.c$} && $e =~ /^(sql|sel|ins)$/);
                report($f, line_of($t, $at), "$name: SQL argument \"$e\" is not a literal statement") unless $ok;
                pos($t) = $pos;
        }
}
# the reviewed exceptions hold what they claim
my ($schema) = grep { m{/src/store/schema\.c$} } @files;
if ($schema) {
        report($schema, 1, "schema.c must hold constant SQL only") if $text{$schema} =~ /printf|cxg_buf_|strcat|memcpy/;
}
my ($qc) = grep { m{/src/store/query\.c$} } @files;
if ($qc) {
        while ($text{$qc} =~ /\bstruct\s+refcheck\s+(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\};/gs) {
                my ($name, $body) = ($1, $2);
                for my $item ($body =~ /\{([^{}]*)\}/g) {
                        my ($first) = split /,(?=(?:[^"]*"[^"]*")*[^"]*$)/, $item;
                        report($qc, 1, "$name: a reference check that is not a literal statement") unless literal_only($first) || $first =~ /^\s*NULL\s*$/;
                }
        }
}
my ($ent) = grep { m{/src/store/entities\.c$} } @files;
if ($ent && $text{$ent} =~ /b\.data/) {
        my $t = $text{$ent};
        my ($tuple) = $t =~ /#\s*define\s+INS_TUPLE\s+("[^"]*")/;
        report($ent, 1, "INS_TUPLE must be placeholders only") unless defined $tuple && $tuple =~ /^"\(\?(?:,\?)*\)"$/;
        my @puts = $t =~ /cxg_buf_(?:puts|append|putc|printf)\s*\(\s*&b\s*,([^;]*)\)\s*;/g;
        my ($tail) = $t =~ /#\s*define\s+INS_TAIL\s+("[^"]*")/;
        report($ent, 1, "INS_TAIL must be \" RETURNING id\"") if defined $tail && $tail ne q{" RETURNING id"};
        for (@puts) { report($ent, 1, "the multi-row INSERT appends \"$_\": only INS_HEAD, INS_TUPLE and INS_TAIL") unless /^\s*(?:INS_HEAD|INS_TAIL|i\s*\?\s*","\s*INS_TUPLE\s*:\s*INS_TUPLE)\s*$/; }
}
exit($bad ? 1 : 0);
' "$1"
}

# self-test: planted violations of each rule are found
plant=$(mktemp -d "${TMPDIR:-/tmp}/cxg-sqlgrep.XXXXXX")
trap 'rm -rf "$plant"' EXIT
mkdir -p "$plant/src/store" "$plant/src/api"
cat >"$plant/src/api/bad.c" <<'C'
#include <sqlite3.h>
static void f(char *q, const char *name) { snprintf(q, 99, "SELECT * FROM people WHERE name = '%s'", name); }
C
cat >"$plant/src/store/bad.c" <<'C'
static int run(struct store *s, const char *sql) { return sqlite3_exec(s->db, sql, 0, 0, 0); }
static void g(struct store *s, const char *id) {
        char q[99];
        cxg_buf_printf(&b, "DELETE FROM people WHERE id = %s", id);
        run(s, q);
        sqlite3_prepare_v2(s->db, q, -1, &st, 0);
        char *m = sqlite3_mprintf("UPDATE people SET name = %Q", id);
        run(s, "SELECT 1");
}
static void h(struct store *s, int v) {
        char sql[64];
        snprintf(sql, 64, "x %d", v);
        run(s, sql);
        run(s, store_sql(s, "SELECT 1", sql));
        run(s, store_sql(s, "SELECT 1", "SELECT " "2"));
}
C
cat >"$plant/src/store/query.c" <<'C'
static void q(struct cxg_buf *sql, const struct sortdef *sd, int v) {
        cxg_buf_printf(sql, " ORDER BY %s", sd->expr);
        cxg_buf_printf(sql, " WHERE t.seniority = %d", v);
}
C
out=$(check "$plant" || true)
for want in "api/bad.c:1: sqlite3 outside" "api/bad.c:2: snprintf formats SQL" \
        "store/bad.c:4: cxg_buf_printf formats SQL" "store/bad.c:5: run: SQL argument \"q\"" \
        "store/bad.c:6: sqlite3_prepare_v2: SQL argument \"q\"" "store/bad.c:7: sqlite3_mprintf builds" \
        "store/bad.c:13: run: SQL argument \"sql\"" "store/query.c:3: cxg_buf_printf formats SQL" \
        "store/bad.c:14: run: SQL argument \"store_sql"; do
        grep -qF "$want" <<<"$out" || { echo "FAIL: the checker misses: $want"; echo "$out"; exit 1; }
done
if grep -q 'bad.c:8\|bad.c:15\|bad.c:1: sqlite3_exec\|query.c:2' <<<"$out"; then
        echo "FAIL: the checker flags good code"; echo "$out"; exit 1
fi

# the real tree
if ! out=$(check "$SRC"); then
        echo "FAIL: SQL built from strings (use literal statements with bound ? parameters):"
        echo "$out"
        exit 1
fi
n=$(grep -c . <<<"$(grep -rhoE '\b(sqlite3_prepare[_a-z0-9]*|sqlite3_exec|store_stmt|store_exec|exec_as|query_int)\s*\(' "$SRC/src" || true)")
echo "hardening_sql: $n statement calls checked, no SQL built from strings"
