# speedup.gp — speed-up of each backend (and peer runtime) over naive, a bar group per
# configuration, a bar colour per runtime (harness/results/plotstyle.c), the value on each bar.
# usage: stvit plot passes file, out, fmt, scripts, title, subtitle, xlabel, ylabel,
#   colours, ncols, ymax. DATA: header "configuration,RUNTIME1,..." then a line per
#   configuration (NaN where a runtime did not run).
width = 1100; height = 650
load scripts . "/common.gp"
set ylabel ylabel
set xlabel xlabel
set yrange [0:ymax]
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set key autotitle columnheader   # the header line is a header for the labels too
pos(c) = $0 + (c - 2 - (ncols - 1) / 2.0) / (ncols + 1.0)
plot for [c=2:ncols+1] file using c:xtic(1) lc rgb word(colours, c - 1) title columnheader(c), \
     for [c=2:ncols+1] file using (pos(c)):(column(c)):(sprintf("%.0fx", column(c))) with labels \
         offset 0,0.6 font ",9" notitle
