# resolution.gp — cost vs input size, a line per attention kind (sta, global, window);
# failed sizes (e.g. out of memory) marked with a cross at the top and their reason.
# Log-log: a slope of 2 is cost linear in pixels, 4 is quadratic (global attention).
# usage: as flops_speed.gp (stvit plot passes file, out, fmt, scripts, title, subtitle,
#   xlabel, ylabel, colours, points, dashes, nseries, nfailed, xtics, xmin..ymax).
width = 1100; height = 680
load scripts . "/common.gp"
set xlabel xlabel
set ylabel ylabel
set logscale xy
if (isnum(xmin)) { set xrange [xmin:xmax] }
if (isnum(ymin)) { set yrange [ymin:ymax] }
if (strlen(xtics) > 0) { eval "set xtics (" . xtics . ")" }
set mxtics default
set grid
set key outside right top
# the failed points' block exists only when there are some (an empty for-range still runs once)
# the failed points' block exists only when there are some (an empty for-range still
# runs once); their reasons left or right of the cross, whichever side has room
xmid = isnum(xmin) ? sqrt(xmin * xmax) : 0   # log x
failed = nfailed > 0 ? sprintf(", file index %d using 1:2 with points pt 2 ps 2.5 lw 2 lc rgb 'black' " . \
    "title 'failed (not measured)', " . \
    "file index %d using 1:2:($1 < xmid ? stringcolumn(3) : '') with labels left offset 1.5,0 font ',9' notitle, " . \
    "file index %d using 1:2:($1 >= xmid ? stringcolumn(3) : '') with labels right offset -1.5,0 font ',9' notitle", \
    nseries, nseries, nseries) : ""
eval "plot for [i=0:nseries-1] file index i using 1:2 with linespoints lw 2 ps 1.5 " . \
     "pt int(word(points, i + 1)) dt int(word(dashes, i + 1)) lc rgb word(colours, i + 1) title columnheader(1)" . failed
