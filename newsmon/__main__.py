"""``python -m newsmon``: the newsmon command line."""

from newsmon.cli import main

main()
