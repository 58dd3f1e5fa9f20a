#!/bin/sh
# run_peers.sh BUILD [bench_peers.py options] — `make peers` (options via PEERS_ARGS): a venv
# with the peer runtimes, then the cross-check against the independent PyTorch STViT, then the
# interleaved timing of the peers and of stvit (harness/peers/bench_peers.py --help).
#   PEERS_VENV     the venv (default BUILD/peers-venv; kept: packages already there are not reinstalled)
#   PEERS_OUT      the medians CSV (default results/peers.csv; .jsonl and -rounds.csv beside it)
#   PEERS_XCHECK   0 skips the cross-check (results/peers-crosscheck.csv, errors)
# e.g. make peers PEERS_ARGS="--rounds 3 --busy-core both --stvit-backends omp,simd,blas"
# Whatever cannot be installed is named and skipped; the rest still runs.
# Exit status: non-zero when the cross-check finds a mismatch or cannot run, or a point failed.
set -u
BUILD=${1:-build}
[ $# -gt 0 ] && shift
VENV=${PEERS_VENV:-$BUILD/peers-venv}
OUT=${PEERS_OUT:-results/peers.csv}
HERE=harness/peers
mkdir -p "$BUILD"

if [ ! -x "$VENV/bin/python" ]; then
    for py in /root/.pyenv/shims/python3 /usr/bin/python3 python3; do
        command -v "$py" >/dev/null 2>&1 || continue
        rm -rf "$VENV"
        if "$py" -m venv "$VENV" >/dev/null 2>&1 && [ -x "$VENV/bin/pip" ]; then
            echo "peers: venv $VENV from $py ($("$py" --version 2>&1))"
            break
        fi
        echo "peers: $py cannot create a venv with pip; trying the next python"
    done
fi
if [ ! -x "$VENV/bin/pip" ]; then
    echo "peers: FAILED: no python3 here can create a venv (python3 -m venv); nothing run" >&2
    exit 1
fi

"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1
missing=""
# package:module; torch from plain PyPI (large: it brings its CUDA libraries along).
for spec in numpy:numpy torch:torch onnx:onnx onnxscript:onnxscript onnxruntime:onnxruntime openvino:openvino; do
    pkg=${spec%%:*}
    mod=${spec#*:}
    "$VENV/bin/python" -c "import $mod" >/dev/null 2>&1 && continue
    echo "peers: installing $pkg..."
    if ! "$VENV/bin/python" -m pip install --quiet "$pkg" >"$BUILD/peers-pip-$pkg.log" 2>&1 ||
       ! "$VENV/bin/python" -c "import $mod" >/dev/null 2>&1; then
        echo "peers: could not install $pkg (see $BUILD/peers-pip-$pkg.log); continuing without it"
        missing="$missing $pkg"
    fi
done
[ -n "$missing" ] && echo "peers: NOT INSTALLED:$missing"

case " $missing " in
*" torch "* | *" numpy "*)
    echo "peers: FAILED: the cross-check and every peer need torch and numpy" >&2
    exit 1 ;;
esac

xrc=0
if [ "${PEERS_XCHECK:-1}" != 0 ]; then
    store=""
    ls tests/data/xcheck/xcheck_*.weights.safetensors >/dev/null 2>&1 || store="--store"
    echo "peers: cross-check of $BUILD/stvit (naive and default backends) against the PyTorch peer"
    "$VENV/bin/python" "$HERE/crosscheck.py" --stvit "$BUILD/stvit" --work "$BUILD/peers/xcheck" \
        --backends naive,default --stored tests/data/xcheck $store --csv results/peers-crosscheck.csv
    xrc=$?
fi

backends="torch-eager,torch-script,torch-compile,stvit"
case " $missing " in *" onnx "*) ;; *)
    case " $missing " in *" onnxruntime "*) ;; *) backends="$backends,onnxruntime" ;; esac
    case " $missing " in *" openvino "*) ;; *) backends="$backends,openvino,openvino-bf16" ;; esac ;;
esac
echo "peers: timing $backends $*"
"$VENV/bin/python" "$HERE/bench_peers.py" --stvit "$BUILD/stvit" --work "$BUILD/peers/bench" \
    --out "$OUT" --backends "$backends" --python "$VENV/bin/python" "$@"
brc=$?
[ $brc -eq 0 ] && "$VENV/bin/python" "$HERE/summarize.py" "$OUT"

echo "peers: cross-check $([ "${PEERS_XCHECK:-1}" = 0 ] && echo skipped || { [ $xrc -eq 0 ] && echo passed || echo FAILED; }), timing $([ $brc -eq 0 ] && echo done || echo FAILED)${missing:+, not installed:$missing}"
[ $xrc -eq 0 ] && [ $brc -eq 0 ]
