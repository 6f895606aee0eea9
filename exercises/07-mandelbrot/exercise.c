/* Exercise 7: the Mandelbrot set, a row per item.
 *
 * mandel_row: for each item r of its chunk, the escape times of the W
 * pixels of row r (W results per item).  Pixel (r, col) is the point
 *
 *     c = X0 + (col + 0.5) * STEP  +  i * (Y0 - (r + 0.5) * STEP)
 *
 * so row 0 is the top of the picture (Im c near 1.5) and row H - 1 lies
 * just above the real axis.  The set is symmetric about that axis:
 * mandel.gp mirrors these rows into the whole picture.  STEP is a power
 * of two, so every c is exact, however it is computed.
 *
 * mandel_row_ns: for each row, the nanoseconds mandel_row's loop took on
 * it: what a row costs.  Nothing to do there.
 *
 * Keep W, H and MAX_ITER as they are for `driver check` (its answers are
 * for this picture); change them afterwards for bigger pictures.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include <pipar/workload.h>

#define W 768 /* columns: Re c from X0 = -2 to 1 */
#define H 384 /* rows: Im c from Y0 = 1.5 down to 0 */
#define STEP (1.0 / 256)
#define X0 (-2.0)
#define Y0 1.5
#define MAX_ITER 1000

/* TODO: the escape time of c = cx + i cy.  Start at z = 0 and repeat
 * z = z*z + c (with z = x + i y: x*x - y*y + cx and 2*x*y + cy, both
 * from the old x and y), counting the steps, until |z| > 2 (that is
 * x*x + y*y > 4: from there z runs off to infinity) or MAX_ITER steps
 * were made.  Return the count: 1 for a c with |c| > 2, MAX_ITER for a c
 * that never escaped (a point of the set). */
static int64_t escape_time(double cx, double cy)
{
    (void)cx;
    (void)cy;
    return 0;
}

/* The escape times of row r into px[0..W). */
static void row(int64_t r, int64_t *px)
{
    double cy = Y0 - ((double)r + 0.5) * STEP;
    for (int col = 0; col < W; col++)
        px[col] = escape_time(X0 + (col + 0.5) * STEP, cy);
}

static int check_rows(const int64_t *items, size_t n, pp_error *err)
{
    for (size_t k = 0; k < n; k++)
        if (items[k] < 0 || items[k] >= H)
            return pp_error_set(err, PP_EINVAL,
                                "row %lld is not in [0, %d)",
                                (long long)items[k], H);
    return 0;
}

static int mandel_row(const pp_value *args, size_t nargs, pp_values *out,
                      pp_error *err)
{
    const int64_t *items;
    size_t n;
    int64_t *px;
    if (pp_arg_i64s(args, nargs, 0, &items, &n, err)
        || check_rows(items, n, err)
        || !(px = pp_ret_i64_array(out, n * W, err)))
        return err->code;
    for (size_t k = 0; k < n; k++)
        row(items[k], px + k * W);
    return 0;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Where each timed row's total goes, so that the compiler cannot drop a
 * row nobody reads. */
static volatile int64_t row_total;

static int mandel_row_ns(const pp_value *args, size_t nargs, pp_values *out,
                         pp_error *err)
{
    const int64_t *items;
    size_t n;
    int64_t *ns, px[W];
    if (pp_arg_i64s(args, nargs, 0, &items, &n, err)
        || check_rows(items, n, err)
        || !(ns = pp_ret_i64_array(out, n, err)))
        return err->code;
    for (size_t k = 0; k < n; k++) {
        int64_t t0 = now_ns();
        row(items[k], px);
        int64_t total = 0;
        for (int col = 0; col < W; col++)
            total += px[col];
        ns[k] = now_ns() - t0;
        row_total = total;
    }
    return 0;
}

PP_MODULE({ "mandel_row", "the 768 escape times of Mandelbrot row r for "
                          "each item r (exercise 7)",
            mandel_row },
          { "mandel_row_ns", "the nanoseconds row r took for each item r "
                             "(exercise 7)",
            mandel_row_ns });
