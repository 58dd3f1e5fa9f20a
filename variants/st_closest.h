/* st_closest.h — "did you mean": the known name nearest a misspelt one, for option
 * names (harness/cli/cli.c) and config keys (variants/config.c). */
#ifndef ST_CLOSEST_H
#define ST_CLOSEST_H

/* The one of names[0..n) closest to word by edit distance (a swap of neighbours is one
 * edit; ASCII case is ignored), or NULL when none is close enough to be a slip
 * (distance at most 2, and under half of word's length). */
const char *st_closest(const char *word, const char *const *names, int n);
#endif
