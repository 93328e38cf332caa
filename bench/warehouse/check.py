"""Run cpm's generated SQL on real engines, over a `cpm export`.

    python check.py QUERIES.json OUT.json

QUERIES.json: {"standard_load": path, "databricks_load": path,
               "queries": [{"id": str, "standard": sql, "databricks": sql}]}
Loads the export into DuckDB (the standard SQL) and into Apache Spark in local mode (the
Databricks SQL), runs every query on both, and writes {"duckdb": {id: rows},
"spark": {id: rows}} with each row a list of values. The comparison with the local store
is the Rust test's (tests/it/warehouse.rs).
"""

import json
import sys


def statements(path):
    text = open(path, encoding="utf-8").read()
    out = []
    for chunk in text.split(";\n"):
        lines = [l for l in chunk.splitlines() if l.strip() and not l.strip().startswith("--")]
        if lines:
            out.append("\n".join(lines))
    return out


def plain(value):
    if value is None or isinstance(value, (int, float, str)):
        return value
    return float(value)  # Decimal


def on_duckdb(spec):
    import duckdb

    con = duckdb.connect()
    for sql in statements(spec["standard_load"]):
        con.execute(sql)
    results = {}
    for q in spec["queries"]:
        rows = con.execute(q["standard"]).fetchall()
        results[q["id"]] = [[plain(v) for v in row] for row in rows]
    return results


def on_spark(spec):
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("cpm-warehouse-check")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for sql in statements(spec["databricks_load"]):
            spark.sql(sql)
        results = {}
        for q in spec["queries"]:
            rows = spark.sql(q["databricks"]).collect()
            results[q["id"]] = [[plain(v) for v in row] for row in rows]
        return results
    finally:
        spark.stop()


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    out = {"duckdb": on_duckdb(spec), "spark": on_spark(spec)}
    json.dump(out, open(sys.argv[2], "w", encoding="utf-8"))


if __name__ == "__main__":
    main()
