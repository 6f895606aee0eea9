/* log.c - stderr logging with a level and the program's name. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *log_program = "pipar";
static pp_log_level log_level = PP_LOG_INFO;

void pp_log_init(const char *program, pp_log_level level)
{
    log_program = program;
    log_level = level;
}

int pp_log_level_parse(const char *s)
{
    static const char *names[] = { "debug", "info", "warn", "error" };
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void pp_log(pp_log_level level, const char *fmt, ...)
{
    if (level < log_level)
        return;
    static const char *tags[] = { "debug: ", "", "warning: ", "error: " };
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line, so lines from several processes do not mix. */
    fprintf(stderr, "%s: %s%s\n", log_program, tags[level], line);
}
