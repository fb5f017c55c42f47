"""Writing and rendering off the training step: a worker thread fed with
plain data.

The training thread hands over the records of a finished step and, when
pictures are on, the step's images. The worker writes the records to the
trace file (in one piece, flushed), decodes what it wrote (the same road as
``python -m mmdet_frcnn_annotated.report``), draws and writes the pictures,
appends their ``pictures`` record to the trace file, and writes the pages
(reports, listings and the study page).

A failure to write the trace file is reported once through
``on_write_error`` and the worker writes nothing more; a failure while
rendering a step is reported through ``on_error``. Neither reaches
training. :meth:`RenderWorker.close` handles what is still queued and joins
the thread; the tracer calls it at the end of a run and at interpreter
exit, so nothing traced is lost.

On Linux the worker thread lowers its own CPU priority to the lowest
(nice :data:`NICENESS`) before its first step: on a machine whose cores
the training keeps busy (a CPU run, or data-loading workers beside a GPU)
it renders on what the step leaves idle instead of taking cores from the
step. The rest of the process keeps its priority.
"""
import os
import queue
import sys
import threading
import time

from ..tracefile import decode, step_records
from .pages import write_pictures, write_step

_STOP = object()
NICENESS = 19


def lower_thread_priority():
    """Give the calling thread the lowest CPU priority, where the system
    allows one thread's priority to differ from its process's (Linux); else
    leave it as it is. Returns the thread's niceness, or ``None``."""
    if not sys.platform.startswith('linux'):  # elsewhere a tid is no pid
        return None
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, NICENESS)
        return os.getpriority(os.PRIO_PROCESS, tid)
    except (AttributeError, OSError):
        return None


class RenderWorker:
    """Renders steps in the order they were submitted.

    Args:
        writer (TraceWriter): the trace file the records are written to.
        out_dir (str): where the pages and pictures go.
        languages (list[str]): languages of the pages.
        rank (int): the process's rank (file names).
        on_error (callable): ``message -> None`` for a failed render.
        on_write_error (callable): ``message -> None`` for the first
            failure to write the trace file.
        max_pending (int): steps waiting at most; a traced step beyond
            that waits for the worker, so memory stays bounded.
        html (bool): write the study page of each step too.
    """

    def __init__(self, writer, out_dir, languages, rank=0, on_error=None,
                 on_write_error=None, max_pending=2, html=True):
        self.writer = writer
        self.out_dir = out_dir
        self.languages = list(languages)
        self.rank = rank
        self.html = html
        self.on_error = on_error
        self.on_write_error = on_write_error
        self.write_failed = False
        self.seconds = []  # time spent on each step, for the benchmark
        self._queue = queue.Queue(maxsize=max_pending)
        self._thread = None

    def submit(self, records, images=None):
        """Queue a step: its records and its images (or ``None``)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name='shape-trace-render', daemon=True)
            self._thread.start()
        self._queue.put((records, images))

    def wait(self):
        """Return once every step submitted so far is rendered."""
        if self._thread is not None:
            self._queue.join()

    def close(self):
        """Render what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _run(self):
        lower_thread_priority()
        while True:
            job = self._queue.get()
            try:
                if job is _STOP:
                    return
                self.render(*job)
            finally:
                self._queue.task_done()

    def render(self, records, images=None):
        """Write and render one step now, in the calling thread."""
        if self.write_failed:
            return
        start = time.perf_counter()
        try:
            text = self.writer.write(records)
        except Exception as err:  # a full disk never reaches training
            self.write_failed = True
            if self.on_write_error is not None:
                self.on_write_error(f'{type(err).__name__}: {err}')
            return
        try:
            records = decode(text)
            if images:
                pictures = write_pictures(records, images, self.out_dir,
                                          self.rank)
                # rendered from what the file holds, as a re-render is
                pictures = decode(self.writer.write([pictures]))
                records = step_records(records + pictures)
            write_step(records, self.out_dir, self.languages, self.rank,
                       html=self.html)
        except Exception as err:  # rendering never reaches training
            if self.on_error is not None:
                self.on_error(f'{type(err).__name__}: {err}')
        finally:
            self.seconds.append(time.perf_counter() - start)
