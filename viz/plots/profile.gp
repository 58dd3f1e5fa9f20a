# profile.gp — where the time goes: ms per image by op, a stacked bar per run.
# usage: gnuplot -e "file='DATA.csv'; out='OUT.png'; subtitle='...'" viz/plots/profile.gp
# DATA comes from `stvit plot` (bench --profile columns prof_<op>_ms): header
# "run,OP1,OP2,..." then one line per run.
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1100,700 font "sans,11"
} else {
    set terminal png size 1100,700
}
set output out
set datafile separator comma
set title "Time per op\n" . subtitle
set ylabel "ms per image"
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set grid ytics
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by -30 left
set key outside right top
plot for [c=2:*] file using c:xtic(1) title columnheader(c)
