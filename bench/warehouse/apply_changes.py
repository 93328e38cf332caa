"""Prove an incremental export: tables loaded from a full export with change sets applied
equal the tables loaded from a fresh full export.

    python apply_changes.py BASE_LOAD.sql CHANGES.sql FULL_LOAD.sql OUT.json

Runs on DuckDB (the standard SQL). OUT.json: {"layer.table": [rows only in the merged
tables, rows only in the full export]}.
"""

import json
import sys

import duckdb

from check import statements


def main():
    base, changes, full, out = sys.argv[1:5]
    con = duckdb.connect()
    for sql in statements(base) + statements(changes):
        con.execute(sql)
    con.execute("ATTACH ':memory:' AS fresh")
    con.execute("USE fresh")
    tables = []
    for sql in statements(full):
        con.execute(sql)
        words = sql.split()
        if words[:4] == ["CREATE", "OR", "REPLACE", "TABLE"]:
            tables.append(words[4])
    con.execute("USE memory")
    result = {}
    for t in tables:
        merged = con.execute(f"SELECT count(*) FROM (SELECT * FROM memory.{t} EXCEPT ALL SELECT * FROM fresh.{t})").fetchone()[0]
        fresh = con.execute(f"SELECT count(*) FROM (SELECT * FROM fresh.{t} EXCEPT ALL SELECT * FROM memory.{t})").fetchone()[0]
        result[t] = [merged, fresh]
    json.dump(result, open(out, "w"))


if __name__ == "__main__":
    main()
