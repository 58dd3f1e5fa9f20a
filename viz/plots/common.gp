# common.gp — what every figure of `stvit plot` shares: the terminal (fmt 'png', or
# 'svg' for papers), the size (width x height, set before loading this), literal text,
# comma-separated data, and the title ("title" then "subtitle" below it).
if (!exists("width")) width = 1000
if (!exists("height")) height = 650
if (!exists("fmt")) fmt = "png"
if (!exists("subtitle")) subtitle = ""
if (fmt eq "svg") {
    set terminal svg size width,height dynamic font "sans,11" background rgb "white"
} else {
    if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
        set terminal pngcairo size width,height font "sans,11"
    } else {
        set terminal png size width,height
    }
}
set output out
set termoption noenhanced   # names such as "sta_pool" and "n_iter 2" are literal text
set datafile separator comma
set datafile missing "NaN"
# '|' in a subtitle breaks the line (the values cannot hold a newline)
nl(s) = (strstrt(s, "|") > 0) ? s[1:strstrt(s, "|") - 1] . "\n" . nl(s[strstrt(s, "|") + 1:]) : s
set title title . "\n" . nl(subtitle)
# a range given as NaN (x != x) is left to gnuplot
isnum(v) = v == v
