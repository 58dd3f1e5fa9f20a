/* st_error.h — how library code reports failure: it returns a negative code and
 * leaves one message (naming the file and the problem) for main to print. */
#ifndef ST_ERROR_H
#define ST_ERROR_H

enum {
    ST_OK = 0,
    ST_ERR_IO = -1,      /* missing, unreadable or unwritable file */
    ST_ERR_FORMAT = -2,  /* malformed file contents */
    ST_ERR_SHAPE = -3,   /* tensor or size mismatch */
    ST_ERR_RANGE = -4,   /* value out of range, absurd size, overflow */
    ST_ERR_NOMEM = -5,
    ST_ERR_ARG = -6,     /* bad argument or option */
    ST_ERR_NUMERIC = -7, /* NaN or Inf */
};

/* Records the message (printf-style) and returns code, so `return st_fail(...)` reads well. */
int st_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message recorded by this thread ("" if none). */
const char *st_last_error(void);
void st_clear_error(void);
#endif
