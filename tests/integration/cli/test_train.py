"""Real training through mmdet's train_detector (the path of tools/train.py)
on the toy config, with the ShapeTraceHook and evaluation."""
import glob
import json
import os.path as osp

import pytest
from conftest import TOY_CONFIG, MmdetLog

from mmdet_frcnn_annotated.cli import train_command as train_cli
from mmdet_frcnn_annotated.tracefile import read_trace


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('train')
    work_dir = str(root / 'work')
    with pytest.MonkeyPatch.context() as mp, MmdetLog() as log:
        mp.chdir(str(root))  # data/toy_shapes is generated here
        train_cli.main([
            TOY_CONFIG, '--work-dir', work_dir, '--seed', '0',
            '--cfg-options', 'runner.max_iters=2', 'evaluation.interval=2',
            'checkpoint_config.interval=2', 'lr_config.warmup_iters=2',
            'custom_hooks.1.interval=1', 'custom_hooks.1.strict=True'
        ])
    return work_dir, log.lines


def test_two_iterations_then_evaluation(trained):
    trained, _ = trained
    assert osp.exists(osp.join(trained, 'iter_2.pth'))
    (log_json,) = glob.glob(osp.join(trained, '*.log.json'))
    entries = [json.loads(line) for line in open(log_json)][1:]
    assert [e['iter'] for e in entries if e['mode'] == 'train'] == [1, 2]
    assert any('bbox_mAP' in e for e in entries)


def test_traces_of_every_selected_iteration(trained):
    trained, _ = trained
    trace_dir = osp.join(trained, 'shape_trace')
    groups = read_trace(osp.join(trace_dir, 'trace_rank0.jsonl'))
    # interval=1 from the hook: both train iterations; val: first batch
    assert [(g[0].phase, g[0].iteration) for g in groups] == [('train', 0),
                                                             ('train', 1),
                                                             ('val', 0)]
    for group in groups:
        assert group[-1].values['mismatches'] == 0  # strict mode passed
        assert group[-1].values['errors'] == []
        assert osp.exists(
            osp.join(trace_dir,
                     f'{group[0].phase}_iter{group[0].iteration}.md'))
    symbols = groups[0][0].values
    assert (symbols['N'], symbols['H'], symbols['W']) == (2, 256, 320)
    assert symbols['C'] == 3
    val = groups[2][0].values
    assert (val['N'], val['H'], val['W']) == (1, 256, 320)
    # every traced train step of the toy config, with the line capture and
    # its value summaries, the boxes of the pictures and the pictures
    # record, stays within 120 KB of JSON lines (about 92 KB without the
    # value summaries)
    sizes = {}
    with open(osp.join(trace_dir, 'trace_rank0.jsonl'), 'rb') as f:
        step = None
        for line in f:
            data = json.loads(line)
            if data['kind'] == 'symbols' or data['kind'] == 'pictures':
                step = (data['phase'], data['iteration'])
            sizes[step] = sizes.get(step, 0) + len(line)
    assert set(sizes) == {('train', 0), ('train', 1), ('val', 0)}
    assert max(sizes[('train', 0)], sizes[('train', 1)]) <= 120e3, sizes


def test_listing_of_every_traced_iteration(trained):
    trained, _ = trained
    trace_dir = osp.join(trained, 'shape_trace')
    for name in ('train_iter0', 'train_iter1', 'val_iter0'):
        for language, summary in (('en', ', 0 disagreeing,'),
                                  ('zh', '其中 0 个不一致')):
            text = open(osp.join(trace_dir, f'{name}.listing.{language}.md'),
                        encoding='utf-8').read()
            assert summary in text
        report = open(osp.join(trace_dir, f'{name}.md')).read()
        assert f'[listing]({name}.listing.en.md#fn-' in report


def test_one_log_line_per_traced_iteration(trained):
    _, log = trained
    lines = [line for line in log if 'shape trace [' in line]
    assert len(lines) == 3
    assert 'shape trace [train 0]:' in lines[0]
    assert ' 0 mismatches; page: ' in lines[0]
    assert lines[0].endswith(osp.join('shape_trace', 'train_iter0.html'))


def test_unwritable_trace_folder_does_not_stop_training(tmp_path):
    blocker = tmp_path / 'not_a_folder'
    blocker.write_text('')
    work_dir = str(tmp_path / 'work')
    with pytest.MonkeyPatch.context() as mp, MmdetLog() as log:
        mp.chdir(str(tmp_path))
        train_cli.main([
            TOY_CONFIG, '--work-dir', work_dir, '--no-validate',
            '--cfg-options', 'runner.max_iters=2',
            'checkpoint_config.interval=2', 'lr_config.warmup_iters=2',
            'custom_hooks.1.interval=1',
            f'custom_hooks.1.out_dir={blocker}/trace'
        ])
    assert osp.exists(osp.join(work_dir, 'iter_2.pth'))
    warnings = [line for line in log.lines if 'shape trace:' in line]
    assert len(warnings) == 1
    assert 'training goes on' in warnings[0]


def test_killed_run_keeps_every_finished_iteration(tmp_path):
    """SIGKILL a traced training run once it has finished an iteration:
    every iteration whose summary reached the file reads back whole."""
    import signal
    import subprocess
    import sys
    import time
    trace = tmp_path / 'work' / 'shape_trace' / 'trace_rank0.jsonl'
    proc = subprocess.Popen([
        sys.executable, '-m', 'mmdet_frcnn_annotated.train', TOY_CONFIG,
        '--work-dir',
        str(tmp_path / 'work'), '--no-validate', '--cfg-options',
        'runner.max_iters=100', 'checkpoint_config.interval=100',
        'custom_hooks.1.interval=1'
    ], cwd=str(tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            if trace.exists() and trace.read_text().count(
                    '"kind":"summary"') >= 1:
                break
            time.sleep(0.2)
        time.sleep(1.5)  # most likely inside the next traced iteration
        assert proc.poll() is None, 'the run ended before it was killed'
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    finished = trace.read_text().count('"kind":"summary"')
    problems = []
    groups = read_trace(str(trace), problems)
    assert finished >= 1 and len(groups) == finished
    assert [g[0].iteration for g in groups] == list(range(finished))
    for group in groups:
        assert group[0].kind == 'symbols' and group[-1].kind == 'summary'
        step = [r for r in group if r.kind != 'pictures']
        assert group[-1].values['records'] == len(step)
