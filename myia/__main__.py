"""`python -m myia`: the command line (see `myia.cli`)."""

from myia.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
