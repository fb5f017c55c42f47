"""The tracer: which steps it traces, the trace file and pages it writes,
the report command that renders them again, and writing failures."""
import json
import logging
import os.path as osp

import pytest
import torch

from mmdet_frcnn_annotated.cli import report_command as report_cli
from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.runtime.settings import TraceSettings
from mmdet_frcnn_annotated.tracefile import SCHEMA_VERSION, read_trace
from mmdet_frcnn_annotated.tracer import ShapeTracer


def _traced_step(tracer, n=2):
    rec = tracer.start_train()
    if rec is None:
        return
    with recording(rec):
        rec.bind(N=n)
        rec.tensor('input', 'img', torch.zeros(n, 3, 8, 8), ['N', 3, 8, 8])
        rec.tensor('input', 'wrong', torch.zeros(n + 1), ['N'])
        rec.stats('input', 'counts', lambda: {'boxes': 4})
    rec.losses({'loss': 1.5})
    tracer.finish(rec)


def test_jsonl_lines_and_report(tmp_path, caplog):
    tracer = ShapeTracer(TraceSettings.from_config(dict(
        out_dir=str(tmp_path), iterations=[0, 1])))
    with caplog.at_level(logging.INFO):
        _traced_step(tracer)
        _traced_step(tracer)
        _traced_step(tracer)  # iteration 2 is not traced
    tracer.close()
    path = osp.join(str(tmp_path), 'trace_rank0.jsonl')
    lines = [json.loads(line) for line in open(path)]
    # per iteration: symbols, config, 2 tensors, 1 stats, 1 loss, summary
    assert len(lines) == 2 * 7
    # a step's first line says which step and schema the others are of
    heads = [line for line in lines if 'phase' in line]
    assert [(h['kind'], h['iteration'], h['schema_version'])
            for h in heads] == [('symbols', 0, SCHEMA_VERSION),
                                ('symbols', 1, SCHEMA_VERSION)]
    assert [line['kind'] for line in lines].index('symbols', 1) == 7
    groups = read_trace(path)
    assert len(groups) == 2
    assert groups[0][-1].values['mismatches'] == 1
    text = open(osp.join(str(tmp_path), 'train_iter0.md')).read()
    assert '| img | (2, 3, 8, 8) | (N, 3, 8, 8) | ✓ |' in text
    assert '| wrong | (3,) | (N,) | ✗ MISMATCH expected (2,) |' in text
    assert '| loss | 1.5 |' in text
    logged = [r.getMessage() for r in caplog.records
              if 'shape trace' in r.getMessage()]
    assert len(logged) == 2
    assert '7 records, 1 mismatches' in logged[0]


def test_report_command_regenerates_same_text(tmp_path):
    tracer = ShapeTracer(TraceSettings.from_config(dict(out_dir=str(tmp_path))))
    _traced_step(tracer)
    tracer.close()
    live = open(osp.join(str(tmp_path), 'train_iter0.md')).read()
    page = open(osp.join(str(tmp_path), 'train_iter0.html')).read()
    out = tmp_path / 'again'
    paths = report_cli.main(
        [osp.join(str(tmp_path), 'trace_rank0.jsonl'), '--out-dir', str(out)])
    assert open(paths[0]).read() == page
    assert open(str(out / 'train_iter0.md')).read() == live


def test_iteration_cut_short_is_left_out(tmp_path):
    tracer = ShapeTracer(TraceSettings.from_config(dict(out_dir=str(tmp_path))))
    _traced_step(tracer)
    tracer.close()
    path = osp.join(str(tmp_path), 'trace_rank0.jsonl')
    lines = open(path).readlines()
    with open(path, 'a') as f:  # a second iteration that died midway
        f.writelines(line.replace('"iteration":0', '"iteration":1')
                     for line in lines[:3])
    assert [g[0].iteration for g in read_trace(path)] == [0]


@pytest.mark.parametrize('fault', ['unwritable folder', 'full disk'])
def test_write_failure_logs_once_and_goes_on(fault, tmp_path, caplog):
    if fault == 'full disk':
        (tmp_path / 'trace_rank0.jsonl').symlink_to('/dev/full')
        out_dir, said = tmp_path, 'No space left on device'
    else:
        blocker = tmp_path / 'file'
        blocker.write_text('not a folder')
        out_dir, said = blocker / 'trace', 'writing to'
    tracer = ShapeTracer(TraceSettings.from_config(dict(
        out_dir=str(out_dir), interval=1)))
    with caplog.at_level(logging.WARNING):
        _traced_step(tracer)
        _traced_step(tracer)
        tracer.wait()  # the worker writes, after the step
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert said in warnings[0] and 'training goes on' in warnings[0]
    assert tracer.start_train() is None  # tracing is off from then on


def test_torn_last_line_is_left_out_and_said(tmp_path, capsys):
    tracer = ShapeTracer(TraceSettings.from_config(dict(
        out_dir=str(tmp_path), iterations=[0, 1])))
    _traced_step(tracer)
    _traced_step(tracer)
    tracer.close()
    path = osp.join(str(tmp_path), 'trace_rank0.jsonl')
    text = open(path).read()
    with open(path, 'w') as f:  # killed while writing iteration 1's summary
        f.write(text[:-40])
    out = tmp_path / 'again'
    paths = report_cli.main([path, '--out-dir', str(out)])
    assert [osp.basename(p) for p in paths] == ['train_iter0.html']
    said = capsys.readouterr().err
    assert 'do not parse (a torn write): line(s) [14]' in said
    assert "cut short, (phase, iteration): [('train', 1)]" in said
    # a run that appends afterwards starts on a fresh line
    resumed = ShapeTracer(TraceSettings.from_config(dict(
        out_dir=str(tmp_path), iterations=[5])))
    for _ in range(6):
        _traced_step(resumed)
    resumed.close()
    assert [g[0].iteration for g in read_trace(path)] == [0, 5]
