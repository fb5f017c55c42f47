"""--resume-from on a CPU through the package's train entry: training goes
on from the checkpoint's iteration, and the trace continues in the same
file, named by the runner's iterations, without tracing one twice."""
import glob
import json
import os.path as osp

import pytest
import torch
from conftest import TOY_CONFIG

from mmdet_frcnn_annotated.cli import train_command as train_cli
from mmdet_frcnn_annotated.hooks import ResumeOnCpuHook
from mmdet_frcnn_annotated.tracefile import read_trace

_OPTIONS = ['lr_config.warmup_iters=1', 'checkpoint_config.interval=2',
            'custom_hooks.1.interval=1', 'custom_hooks.1.listing=False']


def _train(work_dir, max_iters, *extra):
    train_cli.main([
        TOY_CONFIG, '--work-dir', work_dir, '--seed', '0', '--no-validate',
        *extra, '--cfg-options', f'runner.max_iters={max_iters}', *_OPTIONS
    ])


def test_resume_continues_training_and_trace(tmp_path):
    assert not torch.cuda.is_available()  # the case this hook is for
    work_dir = str(tmp_path / 'work')
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(str(tmp_path))  # data/toy_shapes is generated here
        _train(work_dir, 2)  # iterations 0 and 1, then iter_2.pth
        first_logs = set(glob.glob(osp.join(work_dir, '*.log.json')))
        checkpoint = osp.join(work_dir, 'iter_2.pth')
        # mmcv 1.3 saves iter_<k>.pth while iteration k-1 ends, with
        # meta iter = k-1: resuming runs iteration 1 again (traced before,
        # so not traced twice), then iteration 2
        assert torch.load(checkpoint)['meta']['iter'] == 1
        _train(work_dir, 3, '--resume-from', checkpoint)
    (second_log, ) = set(glob.glob(osp.join(work_dir, '*.log.json'))) - \
        first_logs
    entries = [json.loads(line) for line in open(second_log)][1:]
    # mmcv logs runner.iter + 1
    assert [e['iter'] for e in entries if e['mode'] == 'train'] == [2, 3]
    assert all('rpn/num_pos_anchors' in e for e in entries)

    trace_dir = osp.join(work_dir, 'shape_trace')
    lines = [json.loads(line)
             for line in open(osp.join(trace_dir, 'trace_rank0.jsonl'))]
    heads = [(r['phase'], r['iteration']) for r in lines
             if r['kind'] == 'symbols']
    assert heads == [('train', 0), ('train', 1), ('train', 2)]
    groups = read_trace(osp.join(trace_dir, 'trace_rank0.jsonl'))
    assert [g[-1].values['mismatches'] for g in groups] == [0, 0, 0]
    for iteration in (0, 1, 2):
        assert osp.exists(osp.join(trace_dir, f'train_iter{iteration}.md'))


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='no checkpoint file at'):
        ResumeOnCpuHook(str(tmp_path / 'iter_9.pth'))
