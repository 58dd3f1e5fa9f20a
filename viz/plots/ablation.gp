# ablation.gp — the ablation rows: GFLOPs per image (bars, left axis) and images/s
# measured here (points, right axis), one bar per row.
# usage: gnuplot -e "file='results/ablation.csv'; out='results/ablation.png'; subtitle='...'" viz/plots/ablation.gp
# DATA is the CSV `stvit ablate` writes; columns are read by name (label, macs_per_img,
# img_per_s). `label` is the row's number and name without commas: gnuplot's strcol
# cuts a quoted field at its first comma.
if (!exists("file")) file = "results/ablation.csv"
if (!exists("out")) out = "results/ablation.png"
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1100,600 font "sans,11"
} else {
    set terminal png size 1100,600
}
set output out
set termoption noenhanced   # names such as "n_iter 2" are literal text
set datafile separator comma
set title "STViT-S ablation rows: FLOPs and speed\n" . subtitle
set ylabel "GFLOPs per image (multiply-adds, as the paper counts)"
set y2label "images / s (measured here)"
set yrange [0:*]
set y2range [0:*]
set ytics nomirror
set y2tics
set grid ytics
set xtics rotate by -35 left
set style fill solid 0.6 border -1
set boxwidth 0.6
set key outside top center horizontal
set offsets 0.5, 0.5, 0, 0
set bmargin 7
plot file using 0:(column("macs_per_img") / 1e9):xtic(strcol("label")) \
         with boxes lc rgb "#4c72b0" title "GFLOPs", \
     file using 0:(column("img_per_s")) axes x1y2 with linespoints lw 2 pt 7 ps 1.3 \
         lc rgb "#dd8452" title "images / s"
