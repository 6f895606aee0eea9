# mandel.gp - exercise 7's picture from mandel_row's escape times, one a
# line, row after row (rows of 2H pixels: the top half of the set, which
# this mirrors into the whole):
#
#   driver map mandel_row --range 0:384 --chunksize 16 \
#       | tr -d '[] ' | tr , '\n' > mandel.dat
#   gnuplot -c exercises/07-mandelbrot/mandel.gp mandel.dat mandel.png
#
# Without arguments it reads mandel.dat and writes mandel.png.  The
# picture's size comes from the number of lines (H rows of 2H), its
# MAX_ITER from the largest count: a bigger picture needs no edit here.

data = exists('ARG1') && strlen(ARG1) > 0 ? ARG1 : 'mandel.dat'
output = exists('ARG2') && strlen(ARG2) > 0 ? ARG2 : 'mandel.png'

stats data using 1 nooutput
if (!exists('STATS_records') || STATS_records == 0) {
    print sprintf("mandel.gp: cannot read numbers from %s", data)
    exit status 1
}
n = STATS_records
H = int(sqrt(n / 2.0) + 0.5)
W = 2 * H
if (n < 2 || W * H != n) {
    print sprintf("mandel.gp: %s has %d numbers, not H rows of 2H", data, n)
    exit status 1
}
max_iter = STATS_max
step = 3.0 / W

# Points of the set (max_iter: they never escaped) black, the rest by
# log(escape time): dark far out, bright near the edge.
colour(c) = c >= max_iter ? -1 : log(c) / log(max_iter)
x(i) = -2 + (int(i) % W + 0.5) * step
y(i) = 1.5 - (int(i) / W + 0.5) * step

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 900,900 font 'Sans,10'
} else {
    set terminal png size 900,900
}
set output output
set title sprintf('Mandelbrot set: %d x %d pixels, at most %d steps', \
                  W, 2 * H, max_iter)
set xlabel 'Re c'
set ylabel 'Im c'
set size ratio -1
set xrange [-2:1]
set yrange [-1.5:1.5]
set cbrange [-1:1]
unset colorbox
set palette defined (-1 'black', -0.001 'black', 0 '#000428', \
                     0.35 '#1f4e9e', 0.7 '#9fd3f5', 0.85 '#fff3c4', \
                     1 '#ff8c00')
plot data using (x($0)):(y($0)):(colour($1)) with image notitle, \
     data using (x($0)):(-y($0)):(colour($1)) with image notitle
