# resolution.gp — cost vs input size, one line per attention kind (sta, global, window).
# usage: gnuplot -e "file='DATA.csv'; out='OUT.png'; subtitle='...'" viz/plots/resolution.gp
# DATA comes from `stvit plot`: blocks of "TITLE,x,y" then "side,ms,label" lines,
# separated by two blank lines. Log-log: a slope of 2 is cost linear in pixels,
# 4 is quadratic (global attention).
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1000,650 font "sans,11"
} else {
    set terminal png size 1000,650
}
set output out
set datafile separator comma
set title "Cost vs resolution\n" . subtitle
set xlabel "input side (px, sqrt of h x w)"
set ylabel "ms per image"
set logscale xy
set grid
set key outside right top
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1
plot for [i=0:*] file index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1), \
     for [i=0:*] file index i using 1:2:3 with labels offset 0,0.9 font ",9" notitle
