# flops_speed.gp — Figure-1 style: GFLOPs per image vs images/s, one line per backend,
# points labelled with the variant.
# usage: gnuplot -e "file='DATA.csv'; out='OUT.png'; subtitle='batch 8, 2 threads'" viz/plots/flops_speed.gp
# DATA comes from `stvit plot` (harness/plotdata.c): blocks of "TITLE,x,y" then "x,y,label"
# lines, separated by two blank lines.
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1000,650 font "sans,11"
} else {
    set terminal png size 1000,650
}
set output out
set datafile separator comma
set title "STViT speed vs FLOPs\n" . subtitle
set xlabel "GFLOPs per image (multiply-adds, as the paper counts)"
set ylabel "images / s"
set logscale y
set xrange [0:*]
set grid
set key outside right top
set offsets graph 0.05, graph 0.08, graph 0.1, graph 0.1
plot for [i=0:*] file index i using 1:2 with linespoints lw 2 pt 7 ps 1.2 title columnheader(1), \
     for [i=0:*] file index i using 1:2:3 with labels offset 0,0.9 notitle
