"""``python -m corsgate``: the same as the ``corsgate`` command."""

from ._cli import main

if __name__ == "__main__":
    main()
