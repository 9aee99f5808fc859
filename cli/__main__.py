"""`python -m cli`: the same as the `casebase` command."""

from cli import main

main()
