"""Decides which steps are traced and sends their records to the writers.

One :class:`ShapeTracer` lives on the annotated detector. The hook (train
runs) tells it the runner iteration, the work dir, the logger and the rank;
without the hook (``tools/test.py``) it counts test batches by itself.

Writing never stops training: the first failure is logged once, and
tracing is switched off for the rest of the run.
"""
import contextlib
import logging
import os.path as osp

from ..drawing import encoded_pictures
from .capture import LineCapture
from .recorder import ShapeRecorder
from .report import read_jsonl
from .settings import DEFAULT_OUT_DIR, TraceSettings
from .watchlist import watched_codes
from .writers import JsonLinesWriter, MarkdownReportWriter


class ShapeTracer:

    def __init__(self, settings=None):
        self.settings = settings or TraceSettings()
        self.rank = 0
        self.logger = None
        self.test_phase = 'test'
        self.resumed = False
        self.train_iteration = None
        self.on_stage = None  # given to every recorder (progress display)
        self._own_train_steps = 0
        self._test_batches = 0
        self._writers = None
        self._failed = False
        self._done = None
        self._codes = self._resolve_watched()

    # configuration (the hook calls these) ----------------------------------
    def configure(self, logger=None, rank=0, default_out_dir=None,
                  test_phase='test', resumed=False, **overrides):
        self.settings = self.settings.updated(overrides)
        if self.settings.out_dir is None and default_out_dir is not None:
            self.settings = self.settings.updated(
                {'out_dir': default_out_dir})
        self.logger = logger
        self.rank = rank
        self.test_phase = test_phase
        self.resumed = resumed
        self._codes = self._resolve_watched()
        self._done = None
        self.close()

    @property
    def out_dir(self):
        return self.settings.out_dir or DEFAULT_OUT_DIR

    @property
    def jsonl_path(self):
        return osp.join(self.out_dir, f'trace_rank{self.rank}.jsonl')

    # per step ----------------------------------------------------------------
    def start_train(self):
        """A recorder if this train step is traced, else ``None``."""
        if self.train_iteration is None:
            iteration = self._own_train_steps
        else:
            iteration = self.train_iteration
        self._own_train_steps += 1
        self.train_iteration = None
        if self._failed or not self.settings.traces_train(iteration):
            return None
        if ('train', iteration) in self._already_traced():
            return None
        return self._recorder('train', iteration)

    def start_test(self):
        """A recorder if this test-path forward is traced, else ``None``."""
        index = self._test_batches
        self._test_batches += 1
        if self._failed or not self.settings.traces_test(
                self.test_phase, index):
            return None
        if (self.test_phase, index) in self._already_traced():
            return None
        return self._recorder(self.test_phase, index)

    @contextlib.contextmanager
    def capture(self, recorder):
        """Capture the watched functions line by line inside the block
        (when the listing is on) and hand the result to ``recorder``."""
        if self._codes is None:
            yield None
            return
        capture = LineCapture(self._codes)
        try:
            with capture:
                yield capture
        finally:
            recorder.add_capture(capture)

    def finish(self, recorder):
        """Write the step's records, pictures and report, and log one
        line."""
        records = recorder.finish()
        pictures = self._draw(recorder, records)
        try:
            jsonl, reports = self._open_writers()
            if pictures:
                records[-1].values['pictures'] = reports.write_pictures(
                    records[0].phase, records[0].iteration, pictures)
            jsonl.write(records)
            report_path = reports.write(records)
        except Exception as err:  # never let tracing stop training
            self._failed = True
            self._log(
                logging.WARNING,
                f'shape trace: writing to {self.out_dir} failed '
                f'({type(err).__name__}: {err}); tracing is off for the rest '
                f'of this run, training goes on')
            return
        summary = records[-1].values
        errors = summary['errors']
        self._log(
            logging.INFO, f'shape trace [{recorder.phase} {recorder.iteration}]'
            f': {summary["records"]} records, {summary["mismatches"]} '
            f'mismatches' + (f', {len(errors)} recording errors (first: '
                             f'{errors[0]})' if errors else '') +
            f'; report: {report_path}')

    def close(self):
        if self._writers is not None:
            for writer in self._writers:
                writer.close()
        self._writers = None

    # helpers -----------------------------------------------------------------
    def _recorder(self, phase, iteration):
        recorder = ShapeRecorder(
            phase,
            iteration,
            strict=self.settings.strict,
            collect_stats=self.settings.collect_stats,
            pictures=self.settings.pictures)
        recorder.on_stage = self.on_stage
        return recorder

    def _draw(self, recorder, records):
        """The step's pictures as PNG bytes; a drawing failure is one more
        recording error of the step, and the step goes on without them."""
        images, recorder.images = recorder.images, []
        if not images:
            return []
        try:
            return encoded_pictures(records, images)
        except Exception as err:  # never let drawing stop training
            records[-1].values['errors'].append(
                f'pictures: {type(err).__name__}: {err}')
            return []

    def _already_traced(self):
        """(phase, iteration) of the complete iterations that the trace file
        held when a resumed run first looked: it appends to the same file
        and never traces one of them again. Empty for a run that did not
        resume."""
        if self._done is None:
            self._done = set()
            if self.resumed and osp.isfile(self.jsonl_path):
                try:
                    self._done = {(g[0].phase, g[0].iteration)
                                  for g in read_jsonl(self.jsonl_path)}
                except (OSError, ValueError) as err:
                    self._log(logging.WARNING,
                              f'shape trace: could not read '
                              f'{self.jsonl_path} ({err}); it is appended '
                              f'to as it is')
        return self._done

    def _resolve_watched(self):
        if not self.settings.listing:
            return None
        return watched_codes(self.settings.listing_functions)

    def _open_writers(self):
        if self._writers is None:
            self._writers = (JsonLinesWriter(self.jsonl_path),
                             MarkdownReportWriter(self.out_dir, self.rank,
                                                  self.settings.language))
        return self._writers

    def _log(self, level, message):
        logger = self.logger
        if logger is None:
            from mmdet.utils import get_root_logger
            logger = get_root_logger()
        logger.log(level, message)
