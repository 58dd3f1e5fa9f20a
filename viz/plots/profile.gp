# profile.gp — where the time goes: each run's time per image split by op, as shares of
# a 100% stacked bar (the bar's label gives its total ms); every op in the legend, small
# ones summed as "other"; a colour per op (harness/results/plotstyle.c).
# usage: stvit plot passes file, out, fmt, scripts, title, subtitle, xlabel, ylabel,
#   colours, ncols, nbars. DATA: header "run,OP1,OP2,..." then a line per run.
width = 1250; height = 780
load scripts . "/common.gp"
set ylabel ylabel
set xlabel xlabel
set yrange [0:100]
set grid ytics
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border -1
set boxwidth 0.7
set xtics rotate by -25 left
set key outside right top
set bmargin 10
plot for [c=2:ncols+1] file using c:xtic(1) lc rgb word(colours, c - 1) title columnheader(c)
