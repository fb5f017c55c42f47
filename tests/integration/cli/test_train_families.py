"""Real training through mmdet's train_detector (the path of tools/train.py)
on the Mask R-CNN and Cascade R-CNN toy configs: two traced iterations,
a checkpoint, evaluation, and a checkpoint that stock mmdet loads."""
import glob
import json
import os.path as osp

import pytest
import torch
from conftest import (CASCADE_TOY_CONFIG, MASK_TOY_CONFIG, MmdetLog,
                      cascade_model_config, mask_model_config)
from mmcv.runner import load_checkpoint
from mmdet.models import build_detector

from mmdet_frcnn_annotated.cli import train_command as train_cli
from mmdet_frcnn_annotated.tracefile import pictures_of, read_trace

pytestmark = pytest.mark.slow

FAMILIES = dict(
    mask=dict(
        config=MASK_TOY_CONFIG,
        stock=lambda: mask_model_config(False),
        losses=('loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_mask'),
        metrics=('bbox_mAP', 'segm_mAP'),
        stages=('roi_head/mask_rois', 'roi_head/mask_targets',
                'roi_head/mask_loss'),
        train_pictures=('mask_targets', )),
    cascade=dict(
        config=CASCADE_TOY_CONFIG,
        stock=lambda: cascade_model_config(False),
        losses=('loss_rpn_cls', 's0.loss_cls', 's1.loss_bbox',
                's2.loss_cls'),
        metrics=('bbox_mAP', ),
        stages=('roi_head/sampling/s0', 'roi_head/refine/s1',
                'roi_head/sampling/s2'),
        train_pictures=('cascade_positives', )))


@pytest.fixture(scope='module', params=sorted(FAMILIES))
def trained(request, tmp_path_factory):
    family = FAMILIES[request.param]
    root = tmp_path_factory.mktemp(f'train_{request.param}')
    work_dir = str(root / 'work')
    with pytest.MonkeyPatch.context() as mp, MmdetLog() as log:
        mp.chdir(str(root))  # data/toy_shapes is generated here
        train_cli.main([
            family['config'], '--work-dir', work_dir, '--seed', '0',
            '--cfg-options', 'runner.max_iters=2', 'evaluation.interval=2',
            'checkpoint_config.interval=2', 'lr_config.warmup_iters=2',
            'custom_hooks.1.strict=True'
        ])
    return family, work_dir, log.lines


def test_two_iterations_with_the_family_losses_then_evaluation(trained):
    family, work_dir, _ = trained
    (log_json, ) = glob.glob(osp.join(work_dir, '*.log.json'))
    entries = [json.loads(line) for line in open(log_json)][1:]
    train = [e for e in entries if e['mode'] == 'train']
    assert [e['iter'] for e in train] == [1, 2]
    for loss in family['losses']:
        assert all(loss in e for e in train), loss
    for metric in family['metrics']:
        assert any(metric in e for e in entries), metric


def test_traced_steps_are_clean_and_reach_the_family_stages(trained):
    family, work_dir, log = trained
    trace_dir = osp.join(work_dir, 'shape_trace')
    groups = read_trace(osp.join(trace_dir, 'trace_rank0.jsonl'))
    steps = [(g[0].phase, g[0].iteration) for g in groups]
    assert steps == [('train', 0), ('val', 0)]
    for group in groups:
        assert group[-1].values['mismatches'] == 0
        assert group[-1].values['errors'] == []
    stages = {r.stage for r in groups[0]}
    for family_stage in family['stages']:
        assert any(s and s.startswith(family_stage) for s in stages), (
            family_stage, sorted(s for s in stages if s))
    kinds = [p['kind'] for p in pictures_of(groups[0])]
    for kind in family['train_pictures']:
        assert kind in kinds
        assert osp.isfile(osp.join(trace_dir, f'train_iter0.{kind}.png'))
    for language, summary in (('en', ', 0 disagreeing,'),
                              ('zh', '其中 0 个不一致')):
        for step in ('train_iter0', 'val_iter0'):
            text = open(osp.join(trace_dir, f'{step}.listing.{language}.md'),
                        encoding='utf-8').read()
            assert summary in text
    assert len([line for line in log if 'shape trace [' in line]) == 2


def test_the_checkpoint_loads_into_the_stock_model(trained):
    """The annotated types add no parameter and rename none: the saved
    checkpoint loads strictly into stock MaskRCNN / CascadeRCNN."""
    family, work_dir, _ = trained
    stock = build_detector(family['stock']())
    path = osp.join(work_dir, 'iter_2.pth')
    checkpoint = load_checkpoint(stock, path, strict=True)
    saved = checkpoint['state_dict']
    assert set(saved) == set(stock.state_dict())
    for name, value in stock.state_dict().items():
        assert torch.equal(value, saved[name]), name
