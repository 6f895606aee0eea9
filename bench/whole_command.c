/* whole_command.c - COUNT runs of a command, each from fork to its exit as
 * wait4 sees it: median and minimum wall time and the page faults of one
 * run (the child's minor and major faults from its rusage, the fork's
 * copy included), its output sent to /dev/null.  bench/run uses it beside
 * the shell loop, whose mean includes the shell's own fork.
 *
 *   whole_command COUNT PROGRAM [ARG...]   (PROGRAM: a path, not looked up) */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int count = argc > 2 ? atoi(argv[1]) : 0;
    if (count < 1) {
        fprintf(stderr, "usage: whole_command COUNT PROGRAM [ARG...]\n");
        return 2;
    }
    int64_t *ns = malloc((size_t)count * sizeof *ns);
    if (!ns) {
        fprintf(stderr, "whole_command: out of memory\n");
        return 1;
    }
    long faults = 0;
    for (int i = 0; i < count; i++) {
        int64_t t0 = mono_ns();
        pid_t pid = fork();
        if (pid < 0) {
            perror("whole_command: fork");
            return 1;
        }
        if (pid == 0) {
            int fd = open("/dev/null", O_WRONLY);
            if (fd >= 0)
                dup2(fd, STDOUT_FILENO);
            execv(argv[2], argv + 2);
            perror("whole_command: exec");
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) != pid) {
            perror("whole_command: wait4");
            return 1;
        }
        ns[i] = mono_ns() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "whole_command: %s failed (status %d)\n",
                    argv[2], status);
            return 1;
        }
        faults += ru.ru_minflt + ru.ru_majflt;
    }
    qsort(ns, (size_t)count, sizeof *ns, cmp_i64);
    printf("%d runs: median %.0f us, min %.0f us, page faults %ld per run\n",
           count, ns[count / 2] / 1e3, ns[0] / 1e3, faults / count);
    free(ns);
    return 0;
}
