# profile_stages.gp — ms per image of every op in every network part, as a heat map
# with the values printed in the cells; no time is left white.
# usage: stvit plot passes file, out, fmt, scripts, title, subtitle, xlabel, ylabel,
#   nops, nparts, zmax. DATA: header "op,PART1,..." then a line per op.
width = 1000; height = 200 + 34 * nops
load scripts . "/common.gp"
set xlabel xlabel
set ylabel ylabel
set cblabel "ms per image"
set palette defined (0 "#fde725", 0.5 "#21918c", 1 "#440154") # viridis, dark = more time
set cbrange [0:zmax]
set yrange [nops-0.5:-0.5]   # the first op at the top
set xrange [-0.5:nparts-0.5]
set tics scale 0
plot file matrix rowheaders columnheaders using 1:2:($3 > 0 ? $3 : NaN) with image notitle, \
     file matrix rowheaders columnheaders using 1:2:($3 > 0 ? sprintf("%.2f", $3) : ""):($3 > zmax / 2 ? 0xffffff : 0) \
         with labels font ",9" tc rgb variable notitle
