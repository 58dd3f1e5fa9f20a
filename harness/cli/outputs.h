/* outputs.h — where a command's files go, and writing them safely.
 *
 * The one rule: nothing is overwritten that the user did not name. A command given
 * no --out writes into a fresh run folder, runs/<UTC date>-<command>/ (a -2, -3 ...
 * suffix when that exists), and prints it at the end; --out DIR writes into DIR;
 * --out - (or --no-out) writes no file at all. Whole files are written to a
 * temporary file beside the target and renamed into place, so a reader never sees
 * half a file and a failed run leaves the old file as it was. */
#ifndef HX_OUTPUTS_H
#define HX_OUTPUTS_H
#include <stddef.h>
#include <stdio.h>

#define HX_RUNS_DIR "runs"

/* mkdir -p: creates dir and its missing parents. ST_ERR_IO naming the folder. */
int hx_make_dir(const char *dir);
/* mkdir -p of the folder holding path (nothing when path has no folder part). */
int hx_make_parent_dir(const char *path);

/* The output folder of one run of `command` (see above): out as given, or NULL for
 * a fresh folder under HX_RUNS_DIR, created here. *none is set (and dir left empty)
 * for "-" or no_out. dir needs cap >= 64. */
int hx_output_dir(const char *command, const char *out, int no_out, char *dir, size_t cap, int *none);
/* Whether an --out value names no file ("-"). */
int hx_out_is_none(const char *out);
/* Whether an --out value looks like a file name (.csv, .jsonl, .json) rather than the
 * folder --out names in every command: the caller refuses it with a hint. */
int hx_out_names_file(const char *out);

/* A whole file written atomically: open, write to .f, then commit (or abort). */
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4160];
} hx_atomic;
/* Creates the parent folder and opens a temporary file beside path. */
int hx_atomic_open(hx_atomic *a, const char *path, const char *mode);
/* Flushes, closes and renames the temporary file onto path; removes it on error. */
int hx_atomic_commit(hx_atomic *a);
/* Closes and removes the temporary file (after an error). */
void hx_atomic_abort(hx_atomic *a);
/* The name of the temporary file hx_atomic_open would use for path. */
int hx_atomic_tmp_name(const char *path, char *out, size_t cap);
#endif
