"""The window's background jobs at close: a job still inside torch is never abandoned to the exit.

Closing the window right after start-up on a busy machine left the start-up warm-up (a forward on torch's
meta device) running in a daemon thread after the close had waited its second; the interpreter's shutdown
then crashed that thread inside torch (a segmentation fault or an abort at exit).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from convscope.app.runtime.jobs import BackgroundJobs
from convscope.app.startup import warm_up_in

ROOT = Path(__file__).resolve().parents[2]


def test_a_warm_up_still_running_at_close_is_waited_for_not_abandoned(qtbot, monkeypatch):
    from convscope.core.training import introspect

    inside, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_warm_up():  # as on a busy machine: still inside when the window closes
        inside.set()
        assert release.wait(60)
        finished.set()

    monkeypatch.setattr(introspect, "warm_up", slow_warm_up)
    jobs = BackgroundJobs()
    warm_up_in(jobs)
    assert inside.wait(60)
    thread = jobs._thread
    jobs.close(timeout=0.05)  # gives up waiting while the job is still inside
    assert thread.is_alive() and not thread.daemon  # the process's exit will wait for it
    release.set()
    thread.join(60)
    assert finished.is_set() and not thread.is_alive()


def test_the_process_exits_after_the_job_not_during_it(tmp_path):
    """A script that closes the jobs while the warm-up runs and exits: the job ends before the process."""
    marker = tmp_path / "warm-up finished"
    script = textwrap.dedent(f"""
        import threading, time
        from pathlib import Path
        from PySide6.QtCore import QCoreApplication
        from convscope.app.runtime.jobs import BackgroundJobs
        from convscope.app.startup import warm_up_in
        from convscope.core.training import introspect

        inside = threading.Event()
        def slow_warm_up():
            inside.set()
            time.sleep(1.0)  # a slow job, longer than close waits
            Path({str(marker)!r}).write_text("done")
        introspect.warm_up = slow_warm_up
        app = QCoreApplication([])
        jobs = BackgroundJobs()
        warm_up_in(jobs)
        assert inside.wait(60)
        jobs.close(timeout=0.01)
        print("closed", flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "closed" in proc.stdout and marker.read_text() == "done"
