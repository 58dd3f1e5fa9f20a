#include <stdarg.h>
#include <stdio.h>
#include "variants/st_error.h"

static _Thread_local char st_msg[1024];

int st_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st_msg, sizeof st_msg, fmt, ap);
    va_end(ap);
    return code;
}
const char *st_last_error(void) { return st_msg; }
void st_clear_error(void) { st_msg[0] = 0; }
