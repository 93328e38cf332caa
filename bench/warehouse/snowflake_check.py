"""Run cpm's Snowflake SQL on fakesnow (Snowflake SQL translated to DuckDB), over a
`cpm export`.

    python snowflake_check.py QUERIES.json OUT.json

QUERIES.json as for check.py, with "export" (the export folder) and each query's
"snowflake" SQL. The tables are created from the export's Parquet files, the views from
"views" (the warehouse schema's CREATE VIEW statements). OUT.json: {"snowflake": {id: rows},
"refused": {id: error}} — what fakesnow cannot run is reported, not hidden.
"""

import json
import os
import sys
import warnings

import fakesnow
import snowflake.connector

from check import plain, statements

warnings.filterwarnings("ignore")


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    export = spec["export"]
    tables = json.load(open(os.path.join(export, "manifest.json")))["tables"]
    views = [s for s in statements(spec["snowflake_load"]) if s.startswith("CREATE OR REPLACE VIEW")]
    results, refused = {}, {}
    with fakesnow.patch():
        conn = snowflake.connector.connect(database="cpm", schema="raw")
        cur = conn.cursor()
        for layer in ["raw", "staging", "golden", "analytics"]:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS cpm.{layer}")
        for t in tables:
            cur.execute(
                f"CREATE OR REPLACE TABLE cpm.{t['layer']}.{t['table']} AS "
                f"SELECT * FROM read_parquet('{export}/{t['folder']}/*.parquet')"
            )
        for view in views:
            cur.execute(view)
        for q in spec["queries"]:
            try:
                cur.execute(q["snowflake"])
                results[q["id"]] = [[plain(v) for v in row] for row in cur.fetchall()]
            except Exception as e:  # reported per statement
                refused[q["id"]] = str(e)[:300]
    json.dump({"snowflake": results, "refused": refused}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
