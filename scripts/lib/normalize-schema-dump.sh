#!/usr/bin/env bash
# pg_dump --schema-only output without what changes from run to run or version to
# version: comments, \restrict keys, session SETs, and runs of blank lines.
grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^SET ' -e '^SELECT pg_catalog.set_config' | cat -s
