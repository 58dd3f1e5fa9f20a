# flops_speed.gp — Figure-1 style speed plot: y (images/s) vs x (GMACs per image), a
# line per backend and peer runtime; colours from harness/results/plotstyle.c (one per runtime,
# the same in every figure), point shapes per batch size, dashes per thread count.
# usage (stvit plot passes these): gnuplot -e "file='DATA.csv'; out='OUT.png'; fmt='png';
#   scripts='viz/plots'; title=...; subtitle=...; xlabel=...; ylabel=...; colours='#.. #..';
#   points='7 5'; dashes='1 1'; nseries=2; nfailed=0; x2tics=''; logx=0; logy=1; xmin=..." flops_speed.gp
# DATA: blocks "TITLE,x,y,label" + "x,y,label" lines (two blank lines apart); the failed
# points, if any, in one last block.
width = 1150; height = 680
load scripts . "/common.gp"
set xlabel xlabel
set ylabel ylabel
if (logy) { set logscale y }
if (logx) { set logscale x }
if (isnum(xmin)) { set xrange [xmin:xmax] }
if (isnum(ymin)) { set yrange [ymin:ymax] }
set grid
set key outside right top
if (strlen(x2tics) > 0) {
    set link x2
    eval "set x2tics (" . x2tics . ")"
    set x2label "variant (placed at its GMACs)"
    set xtics nomirror
}
# the failed points' block exists only when there are some (an empty for-range still runs once)
# the failed points' block exists only when there are some (an empty for-range still
# runs once); their reasons left or right of the cross, whichever side has room
xmid = !isnum(xmin) ? 0 : logx ? sqrt(xmin * xmax) : (xmin + xmax) / 2
failed = nfailed > 0 ? sprintf(", file index %d using 1:2 with points pt 2 ps 2.5 lw 2 lc rgb 'black' " . \
    "title 'failed (not measured)', " . \
    "file index %d using 1:2:($1 < xmid ? stringcolumn(3) : '') with labels left offset 1.5,0 font ',9' notitle, " . \
    "file index %d using 1:2:($1 >= xmid ? stringcolumn(3) : '') with labels right offset -1.5,0 font ',9' notitle", \
    nseries, nseries, nseries) : ""
eval "plot for [i=0:nseries-1] file index i using 1:2 with linespoints lw 2 ps 1.5 " . \
     "pt int(word(points, i + 1)) dt int(word(dashes, i + 1)) lc rgb word(colours, i + 1) title columnheader(1)" . failed
