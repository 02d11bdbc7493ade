"""ConvScope: `python main.py` opens the window; `python main.py train|evaluate|predict|archs|presets` runs
headless. The same as the installed `convscope` command: both are `app.launcher.main`."""
import sys

from app.launcher import main

if __name__ == "__main__":
    sys.exit(main())
