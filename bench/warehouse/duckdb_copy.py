"""The baseline for `cpm export`: DuckDB's own COPY ... TO parquet of the same tables,
read from the same SQLite file with its sqlite extension.

    python duckdb_copy.py STORE.db EXPORT_DIR OUT_DIR

EXPORT_DIR is a `cpm export` (its manifest.json names the tables). Needs duckdb and the
duckdb-extension-sqlite-scanner wheel of the same version (both on PyPI).
"""

import json
import os
import sys
import time

import duckdb


def main():
    store, export_dir, out = sys.argv[1], sys.argv[2], sys.argv[3]
    tables = json.load(open(os.path.join(export_dir, "manifest.json")))["tables"]
    con = duckdb.connect()
    # The extension comes from its PyPI wheel: load its file directly (no download).
    import duckdb_extension_sqlite_scanner as wheel

    found = []
    for root, _, files in os.walk(os.path.dirname(wheel.__file__)):
        found += [os.path.join(root, f) for f in files if f.endswith(".duckdb_extension")]
    con.execute(f"LOAD '{found[0]}'")
    os.makedirs(out, exist_ok=True)
    started = time.time()
    rows = 0
    for t in tables:
        target = os.path.join(out, f"{t['layer']}_{t['table']}.parquet")
        columns = ", ".join(f'"{c}"' for c in t["columns"])
        con.execute(
            f"COPY (SELECT {columns} FROM sqlite_scan('{store}', '{t['table']}')) "
            f"TO '{target}' (FORMAT PARQUET, COMPRESSION SNAPPY)"
        )
        rows += t["rows"]
    print(f"duckdb COPY: {rows} rows in {len(tables)} tables in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
