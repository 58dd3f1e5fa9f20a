# profile.gp — where the time goes: each run's time per image split by op, as shares
# of a 100% stacked bar (the bar's label gives its total ms).
# usage: gnuplot -e "file='DATA.csv'; out='OUT.png'; subtitle='...'" viz/plots/profile.gp
# DATA comes from `stvit plot` (bench --profile columns prof_<op>_ms): header
# "run,OP1,OP2,..." then one line per run with the percentages.
if (!exists("subtitle")) subtitle = ""
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo size 1200,750 font "sans,11"
} else {
    set terminal png size 1200,750
}
set output out
set datafile separator comma
set title "Time per op\n" . subtitle
set ylabel "% of the time per image"
set yrange [0:100]
set grid ytics
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border -1
set boxwidth 0.7
set xtics rotate by -30 left
set key outside right top
set bmargin 9
# 16 distinct colours: there are more ops than gnuplot's default 8.
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #aec7e8 #ffbb78 #98df8a #ff9896 #c5b0d5 #c49c94"
do for [i=1:16] { set linetype i linecolor rgb word(colours, i) }
set linetype cycle 16
plot for [c=2:*] file using c:xtic(1) title columnheader(c)
