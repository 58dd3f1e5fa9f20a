#!/bin/sh
# run_peers.sh BUILD — `make peers`: a venv with the peer runtimes, then the cross-check
# against the independent PyTorch STViT and the timing of the peers.
#   BUILD/peers-venv      the venv (kept; packages already there are not reinstalled)
#   results/peers.csv     peer timings (+ .jsonl);  results/peers-crosscheck.csv  errors
# Whatever cannot be installed is named and skipped; the rest still runs.
# Exit status: non-zero when the cross-check finds a mismatch or cannot run at all.
set -u
BUILD=${1:-build}
VENV=$BUILD/peers-venv
HERE=harness/peers

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

store=""
ls tests/data/xcheck/xcheck_*.weights.safetensors >/dev/null 2>&1 || store="--store"
echo "peers: cross-check of $BUILD/stvit (naive and default backends) against the PyTorch peer"
"$VENV/bin/python" "$HERE/crosscheck.py" --stvit "$BUILD/stvit" --work "$BUILD/peers/xcheck" \
    --backends naive,default --stored tests/data/xcheck $store --csv results/peers-crosscheck.csv
xrc=$?

backends="torch-eager,torch-script,torch-compile,stvit"
case " $missing " in *" onnx "*) ;; *)
    case " $missing " in *" onnxruntime "*) ;; *) backends="$backends,onnxruntime" ;; esac
    case " $missing " in *" openvino "*) ;; *) backends="$backends,openvino" ;; esac ;;
esac
echo "peers: timing $backends"
"$VENV/bin/python" "$HERE/bench_peers.py" --stvit "$BUILD/stvit" --work "$BUILD/peers/bench" \
    --out results/peers.csv --backends "$backends"
brc=$?

echo "peers: cross-check $([ $xrc -eq 0 ] && echo passed || echo FAILED), timing $([ $brc -eq 0 ] && echo done || echo FAILED)${missing:+, not installed:$missing}"
[ $xrc -eq 0 ] && [ $brc -eq 0 ]
