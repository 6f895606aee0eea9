/* log.h - one-line log messages on stderr, filtered by level. */
#ifndef PP_LOG_H
#define PP_LOG_H

typedef enum pp_log_level {
    PP_LOG_DEBUG,
    PP_LOG_INFO,
    PP_LOG_WARN,
    PP_LOG_ERROR,
} pp_log_level;

/* The program name starts every line ("controller: ..."). */
void pp_log_init(const char *program, pp_log_level level);

/* Parses debug|info|warn|error; -1 if none of them. */
int pp_log_level_parse(const char *s);

void pp_log(pp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define pp_debug(...) pp_log(PP_LOG_DEBUG, __VA_ARGS__)
#define pp_info(...) pp_log(PP_LOG_INFO, __VA_ARGS__)
#define pp_warn(...) pp_log(PP_LOG_WARN, __VA_ARGS__)
#define pp_err(...) pp_log(PP_LOG_ERROR, __VA_ARGS__)

#endif
