#!/bin/sh
# Installs the Debian packages stvit-bench builds and tests with, when one is missing.
# Needs root (or sudo) only if something is missing; prints what it does.
PKGS="build-essential pkg-config libopenblas-dev libpng-dev libjpeg62-turbo-dev libcmocka-dev gnuplot-nox"
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing >&2 || {
  echo "install-deps: could not install$missing; install them and run make again" >&2; exit 1; }
