"""Fails when an #include crosses the module layering of docs/design/modules.md."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ALLOWED = {
    "common": set(),
    "protocol": {"common"},
    "isolation": {"common"},
    "rowstore": {"common"},
    "columnstore": {"common"},
    "binlog": {"common"},
    "storage": {"common", "rowstore", "columnstore", "binlog"},
    "sql": {"common", "storage", "rowstore", "columnstore", "binlog", "isolation"},
    "stream": {"common", "sql", "storage", "binlog", "isolation"},
    "server": {"common", "protocol", "isolation", "sql", "storage", "binlog", "stream"},
    "tools": {"common", "protocol"},
}
ROCKSDB_MODULES = {"storage", "rowstore", "columnstore", "binlog"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def violations():
    for module, allowed in ALLOWED.items():
        folder = os.path.join(ROOT, module)
        for dirpath, _, files in os.walk(folder):
            for name in files:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, ROOT)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, target = m.groups()
                        where = "%s:%d: %s" % (rel, number, line.strip())
                        if kind == '"':
                            top = target.split("/")[0]
                            if top in ALLOWED and top != module and top not in allowed:
                                yield "%s — %s may not include %s" % (where, module, top)
                        else:
                            if target.startswith("rocksdb/") and module not in ROCKSDB_MODULES:
                                yield "%s — RocksDB headers belong to %s" % (where, sorted(ROCKSDB_MODULES))
                            if target == "pg_query.h" and not rel.startswith("sql/parser/"):
                                yield "%s — pg_query.h belongs to sql/parser/" % where
                            if target.startswith("boost/asio") and rel != "server/asio.h":
                                yield "%s — include asio through server/asio.h" % where


def main():
    found = list(violations())
    for v in found:
        print(v)
    print("layering: %d violation(s)" % len(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
