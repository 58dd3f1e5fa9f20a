#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "variants/st_error.h"

static _Thread_local char st_msg[1024];

int st_fail(int code, const char *fmt, ...) {
    /* Formatted apart first: wrapping the previous message, st_fail(rc, "%s: %s", path,
     * st_last_error()), passes st_msg itself as an argument. */
    char msg[sizeof st_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(st_msg, msg, sizeof msg);
    return code;
}
const char *st_last_error(void) { return st_msg; }
void st_clear_error(void) { st_msg[0] = 0; }
