"""Create or drop a throwaway PostgreSQL database (used by .ci/run; needs no psql client)."""

import sys

import psycopg
from psycopg import sql


def main(action: str, admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if action == "create":
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"test_{name}")
                )
            )


if __name__ == "__main__":
    main(*sys.argv[1:4])
