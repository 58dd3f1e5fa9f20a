# speedup.gp — speed-up of each backend over naive, a bar group per configuration.
# usage: gnuplot -e "file='DATA.csv'; out='OUT.png'; subtitle='...'" viz/plots/speedup.gp
# DATA comes from `stvit plot`: header "configuration,BACKEND1,BACKEND2,..." then one
# line per configuration with the img/s ratios (NaN where a backend did not run).
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1000,650 font "sans,11"
} else {
    set terminal png size 1000,650
}
set output out
set datafile separator comma
set datafile missing "NaN"
set title "Speed-up over the naive backend\n" . subtitle
set ylabel "speed-up (x)"
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 left
set key outside right top
plot for [c=2:*] file using c:xtic(1) title columnheader(c)
