/* cli.h — command-line parsing shared by every command: whole-string, range-checked
 * parsers of numbers, sizes and comma lists, and a table-driven option walker.
 *
 * Every parser takes the option's name (`opt`, e.g. "--threads") only to name it in
 * the error: on failure it returns ST_ERR_ARG and st_last_error() reads like
 * "--threads: 'x2' is not an integer". Nothing here allocates or exits. */
#ifndef HX_CLI_H
#define HX_CLI_H
#include <stdio.h>

#define HX_LIST_MAX 64   /* items in one comma list */
#define HX_NAME_MAX 48   /* bytes of one name in a string list, NUL included */

typedef struct { int h, w; } hx_size;

typedef struct { int n; long v[HX_LIST_MAX]; } hx_int_list;
typedef struct { int n; hx_size v[HX_LIST_MAX]; } hx_size_list;
typedef struct { int n; char v[HX_LIST_MAX][HX_NAME_MAX]; } hx_str_list;
typedef struct { int k, n; } hx_shard;   /* run every n-th point starting at k */

/* A decimal integer filling all of s, in [min, max]. */
int hx_parse_int(const char *opt, const char *s, long min, long max, long *out);
/* A finite decimal number filling all of s, in [min, max]. */
int hx_parse_double(const char *opt, const char *s, double min, double max, double *out);
/* "1,8,32": 1..HX_LIST_MAX integers, each in [min, max]. */
int hx_parse_int_list(const char *opt, const char *s, long min, long max, hx_int_list *out);
/* "224" (224x224) or "72x88" (h 72, w 88); each side in [min, max]. */
int hx_parse_size(const char *opt, const char *s, int min, int max, hx_size *out);
/* "224,72x88": 1..HX_LIST_MAX sizes. */
int hx_parse_size_list(const char *opt, const char *s, int min, int max, hx_size_list *out);
/* "S,B,L": 1..HX_LIST_MAX non-empty names, each shorter than HX_NAME_MAX. */
int hx_parse_str_list(const char *opt, const char *s, hx_str_list *out);
/* "K/N" with N >= 1 and 0 <= K < N. */
int hx_parse_shard(const char *opt, const char *s, hx_shard *out);

/* Appends `more` to `list` (e.g. --res and --size feeding one list). ST_ERR_ARG if it
 * would exceed HX_LIST_MAX. */
int hx_size_list_append(const char *opt, hx_size_list *list, const hx_size_list *more);

/* ---- Option tables -------------------------------------------------------------
 * A command lists its options once; hx_parse_options fills the destinations and
 * hx_print_options prints the help from the same table:
 *
 *   long threads = 1; int json = 0;
 *   const hx_option opts[] = {
 *       {"--threads", HX_OPT_INT, &threads, 1, 1024, "N", "threads (default 1)"},
 *       {"--json", HX_OPT_FLAG, &json, 0, 0, NULL, "print JSON instead of text"},
 *   };
 *
 * Values are given as "--name VALUE" or "--name=VALUE". A list option given twice
 * keeps the last value, except HX_OPT_SIZES, which appends.                       */
typedef enum {
    HX_OPT_FLAG,     /* int*: set to 1, takes no value */
    HX_OPT_INT,      /* long*, in [min, max] */
    HX_OPT_DOUBLE,   /* double*, in [min, max] */
    HX_OPT_STRING,   /* const char**: points into argv */
    HX_OPT_INTS,     /* hx_int_list*, each in [min, max] */
    HX_OPT_SIZES,    /* hx_size_list*, each side in [min, max] */
    HX_OPT_STRINGS,  /* hx_str_list* */
    HX_OPT_SHARD,    /* hx_shard* */
} hx_opt_kind;

typedef struct {
    const char *name;    /* "--threads" */
    hx_opt_kind kind;
    void *dst;
    double min, max;     /* bounds for the numeric kinds */
    const char *arg;     /* the value's placeholder in --help ("N", "LIST"), NULL for flags */
    const char *help;    /* one line */
} hx_option;

enum { HX_HELP = 1 };  /* hx_parse_options' result when --help or -h was given */

/* Walks argv[1..argc) (argv[0] is the command). Arguments not starting with '-'
 * (and all after "--") are positional: stored in pos[0..pos_cap), count in *npos.
 * Returns 0, HX_HELP, or ST_ERR_ARG naming the unknown option, a missing value, a
 * bad value, or too many positional arguments. */
int hx_parse_options(int argc, char **argv, const hx_option *opts, int nopts,
                     const char **pos, int pos_cap, int *npos);
/* Prints "  --name ARG   help" lines for the table, aligned. */
void hx_print_options(FILE *f, const hx_option *opts, int nopts);

/* ---- Exit statuses and the usage-and-fail block -------------------------------- */
#define HX_EXIT_FAIL 1          /* the run failed (a file, the model, a write) */
#define HX_EXIT_USAGE 2         /* the command line is wrong: nothing was run */
#define HX_EXIT_INTERRUPTED 130 /* Ctrl-C; what was done is kept */

typedef struct {
    const char *cmd;          /* "bench" */
    const char *synopsis;     /* what follows "stvit CMD": "IMAGE... [options]" */
    const char *about;        /* printed by --help after the usage line */
    const hx_option *opts;
    int nopts;
    void (*extra)(FILE *f);   /* more help after the options (may be NULL) */
} hx_usage;

/* The exit status of a failed run: HX_EXIT_USAGE when the error is a bad argument
 * (ST_ERR_ARG: an unknown variant or backend, a size the network cannot take), so the
 * same mistake gives the same status whether an option parser or the model found it;
 * HX_EXIT_FAIL otherwise. */
int hx_exit_code(int rc);
/* The whole help: usage line, about, options, extra. */
void hx_usage_print(FILE *f, const hx_usage *u);
/* Every command ends its parsing with this: rc == HX_HELP prints the help on stdout
 * and returns 0; any other rc prints "stvit CMD: <message>" and the one usage line
 * ("usage: stvit CMD SYNOPSIS  (stvit CMD --help for more)") on stderr and returns
 * HX_EXIT_USAGE. */
int hx_usage_exit(const hx_usage *u, int rc);

/* st_closest (variants/st_closest.h): the one of names[0..n) closest to word, or NULL when none is
 * close enough to be a slip (distance at most 2, and under half of word's length). */
const char *hx_closest(const char *word, const char *const *names, int n);
/* Appends " (did you mean 'X'?)" to buf when hx_closest finds X. */
void hx_append_suggestion(char *buf, size_t cap, const char *word, const char *const *names, int n);

/* Count of a static array, for hx_parse_options(..., opts, HX_COUNT(opts), ...). */
#define HX_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#endif
