"""A real model whose config is far from the stock one: the stage report
of its traced steps states its values, in both languages, and the flow
chart labels its neck by its type."""
import os.path as osp

import pytest
from conftest import far_from_stock, model_config, traced_small_steps


def _config(out_dir):
    return far_from_stock(
        model_config(True, num_classes=5, trace=dict(out_dir=out_dir)))


@pytest.fixture(scope='module')
def reports(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('notes'))
    cfg = _config(out_dir)
    traced_small_steps(cfg)
    read = {}
    for phase in ('train', 'test'):
        for language, name in (('en', f'{phase}_iter0.md'),
                               ('zh', f'{phase}_iter0.zh.md')):
            with open(osp.join(out_dir, name), encoding='utf-8') as f:
                read[phase, language] = f.read()
    return cfg, read


def test_train_report_states_this_config(reports):
    cfg, read = reports
    report = read['train', 'en']
    rcnn = cfg.train_cfg.rcnn
    assert f'`ResNet` of depth {cfg.backbone.depth}' in report
    assert 'softmax, so cls_out_channels = 2' in report
    assert f'{cfg.rpn_head.feat_channels} channels and ReLU' in report
    assert f'nms_pre = {cfg.train_cfg.rpn_proposal.nms_pre}' in report
    positives = int(rcnn.sampler.num * rcnn.sampler.pos_fraction)
    assert (f'`{rcnn.sampler.type}` then keeps at most {rcnn.sampler.num} '
            f'RoIs, at most {positives} of them positive') in report
    assert f'positive at IoU >= {rcnn.assigner.pos_iou_thr}' in report
    num_classes = cfg.roi_head.bbox_head.num_classes
    assert f'C+1 = {num_classes}+1 class scores and 4 class-agnostic' \
        in report
    for stock in ('ResNet-50', 'cls_out_channels = 1', 'at most 512',
                  '4C class-specific'):
        assert stock not in report


def test_test_report_states_the_test_cfg(reports):
    cfg, read = reports
    report = read['test', 'en']
    assert f'nms_pre = {cfg.test_cfg.rpn.nms_pre}' in report
    assert f'score_thr = {cfg.test_cfg.rcnn.score_thr}' in report


def test_chinese_report_states_the_same(reports):
    cfg, read = reports
    report = read['train', 'zh']
    assert f'深度为 {cfg.backbone.depth} 的 `ResNet`' in report
    assert 'softmax，所以 cls_out_channels = 2' in report
    rcnn = cfg.train_cfg.rcnn
    positives = int(rcnn.sampler.num * rcnn.sampler.pos_fraction)
    assert (f'`{rcnn.sampler.type}` 保留最多 {rcnn.sampler.num} 个 RoI，'
            f'其中正样本最多 {positives} 个') in report
    assert 'neck（FPN）' in report  # the flow chart's label, in Chinese
