# runtimes.gp — images/s per runtime from the peers file (stvit's backends beside ONNX
# Runtime, OpenVINO f32/bf16, PyTorch): a bar group per batch size (and quiet / busy
# core), a bar colour per runtime (harness/results/plotstyle.c), the value on each bar.
# usage: stvit plot passes file, out, fmt, scripts, title, subtitle, xlabel, ylabel,
#   colours, ncols, ymax. DATA: header "setting,RUNTIME1,..." then a line per group.
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
     for [c=2:ncols+1] file using (pos(c)):(column(c)):(sprintf("%.1f", column(c))) with labels \
         offset 0,0.6 font ",9" notitle
