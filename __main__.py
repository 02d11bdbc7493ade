"""``python -m convscope``: the window, or with a sub-command (``train``, ``archs``…) the command line."""
import sys

from convscope.app.launcher import main

if __name__ == "__main__":
    sys.exit(main())
