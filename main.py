"""ConvScope: `python main.py` opens the window; `python main.py train|evaluate|predict|archs` runs headless."""
import sys


def main() -> int:
    if len(sys.argv) > 1:
        from core.cli import main as cli_main

        return cli_main(sys.argv[1:])
    from app.launcher import run_gui

    return run_gui()


if __name__ == "__main__":
    sys.exit(main())
