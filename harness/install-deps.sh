#!/bin/sh
# Installs the Debian packages stvit-bench builds and tests with, when one is missing,
# and selects the OpenMP build of OpenBLAS. Needs root (or sudo) only if something
# is missing or selected otherwise; prints what it does.
#
# Why OpenMP OpenBLAS: the blas backend runs sgemm on OpenBLAS's threads and every
# other op on OpenMP's. With the pthread build the two pools spin against each other
# on the cores (measured on 2 cores, STViT-S 224 batch 1: 8.5 img/s with pthread
# OpenBLAS, 17 img/s with the OpenMP build, which shares libgomp's threads).
PKGS="build-essential pkg-config libopenblas-dev libopenblas0-openmp libopenblas-openmp-dev libpng-dev libjpeg62-turbo-dev libcmocka-dev gnuplot-nox python3-numpy"
OMP_DIR=/usr/lib/x86_64-linux-gnu/openblas-openmp
# --fuzz: also what `make fuzz` needs (clang, its libFuzzer runtime, LLVM's OpenMP for
# clang -fopenmp). Optional: make and make test never need them.
[ "$1" = "--fuzz" ] && PKGS="$PKGS clang libclang-rt-dev libomp-dev"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# the packages of "$@" that are not installed, space-separated
missing_of() {
  m=""
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || m="$m $p"; done
  echo "$m"
}
apt_install() { $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >&2; }
export DEBIAN_FRONTEND=noninteractive

missing=$(missing_of $PKGS)
if [ -n "$missing" ]; then
  echo "install-deps: installing$missing" >&2
  $SUDO apt-get update -qq && apt_install $missing || {
    echo "install-deps: could not install$missing; install them and run make again" >&2; exit 1; }
fi

# chromium: only tests/test_figures.c uses it (index.html rendered headless, as a user
# opens it); that test says it skipped when chromium cannot be installed here.
opt_missing=$(missing_of chromium)
if [ -n "$opt_missing" ]; then
  echo "install-deps: installing (optional)$opt_missing" >&2
  apt_install $opt_missing || { $SUDO apt-get update -qq && apt_install $opt_missing; } ||
    echo "install-deps: could not install$opt_missing (optional: the page-rendering test will skip)" >&2
fi

# runtime library and link-time library (headers and openblas.pc follow the latter)
for alt in libopenblas.so.0 libopenblas.so; do
  name="$alt-x86_64-linux-gnu"
  [ -e "$OMP_DIR/$alt" ] || continue
  if [ "$(readlink -f /etc/alternatives/$name 2>/dev/null)" != "$(readlink -f $OMP_DIR/$alt)" ]; then
    echo "install-deps: selecting OpenMP OpenBLAS for $alt" >&2
    $SUDO update-alternatives --set "$name" "$OMP_DIR/$alt" >&2 || {
      echo "install-deps: could not select $OMP_DIR/$alt (update-alternatives --set $name)" >&2; exit 1; }
  fi
done
exit 0
