# rows.gp - what each row of exercise 7's picture cost: mandel_row_ns's
# nanoseconds, one a line, row after row:
#
#   driver map mandel_row_ns --range 0:384 \
#       | tr -d '[] ' | tr , '\n' > rows.dat
#   gnuplot -c exercises/07-mandelbrot/rows.gp rows.dat rows.png
#
# Without arguments it reads rows.dat and writes rows.png.

data = exists('ARG1') && strlen(ARG1) > 0 ? ARG1 : 'rows.dat'
output = exists('ARG2') && strlen(ARG2) > 0 ? ARG2 : 'rows.png'

stats data using 1 nooutput
if (!exists('STATS_records') || STATS_records == 0) {
    print sprintf("rows.gp: cannot read numbers from %s", data)
    exit status 1
}
if (STATS_min <= 0) {
    print sprintf("rows.gp: %s: a row took %g ns: not a time", data, \
                  STATS_min)
    exit status 1
}

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,500 font 'Sans,10'
} else {
    set terminal png size 900,500
}
set output output
set title sprintf('Time per row: %.3g ms in all, the costliest row %.0fx the cheapest', \
                  STATS_sum / 1e6, STATS_max / STATS_min)
set xlabel 'row (0: the top of the picture; the last: next to the real axis)'
set ylabel 'ms'
set logscale y
set grid
set xrange [0:*] noextend
plot data using 0:($1 / 1e6) with steps lw 2 notitle
