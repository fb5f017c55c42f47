"""The stage report: its notes state the learner's config, in the page's
language; its pictures are those beside it; its golden form."""
import goldens
import pytest
from conftest import assert_matches_golden

from mmdet_frcnn_annotated.rendering.stage_report import render_report
from mmdet_frcnn_annotated.tracefile import TraceRecord

# A config far from the stock one: every value differs from
# faster_rcnn_r50_fpn_1x_coco's.
CONFIG = dict(
    backbone='ResNet', depth=101, neck='FPN', fpn_extra_convs=False,
    num_outs=5, neck_channels=128, rpn_use_sigmoid=False,
    rpn_cls_out_channels=2, rpn_feat_channels=64, rpn_sampling=True,
    rpn_assigner='MaxIoUAssigner', rpn_pos_iou_thr=0.6,
    rpn_neg_iou_thr=0.2, rpn_sampler_num=128, rpn_pos_fraction=0.25,
    train_nms_pre=500, train_max_per_img=300, train_rpn_nms_iou=0.6,
    test_nms_pre=700, test_max_per_img=200, test_rpn_nms_iou=0.65,
    rcnn_assigner='MaxIoUAssigner', rcnn_pos_iou_thr=0.6,
    rcnn_neg_iou_thr=0.4, rcnn_sampler='RandomSampler', rcnn_sampler_num=256,
    rcnn_pos_fraction=0.5, rcnn_add_gt=False, roi_layer='RoIPool',
    roi_output_size=14, finest_scale=28, num_shared_fcs=1,
    fc_out_channels=512, reg_class_agnostic=True, num_classes=7,
    rcnn_score_thr=0.3, rcnn_max_per_img=50, rcnn_nms_iou=0.4,
    out_indices=[0, 1, 2, 3], fpn_upsample='bilinear',
    rpn_match_low_quality=False, rpn_min_pos_iou=0.2,
    rcnn_loss_cls='CrossEntropyLoss', rcnn_loss_bbox='SmoothL1Loss')

STAGES = ('backbone', 'neck', 'rpn_head/forward/P2', 'rpn_head/targets/img0',
          'rpn_head/proposals/img0', 'roi_head/sampling/img0',
          'roi_head/bbox_roi_extractor', 'roi_head/bbox_head',
          'roi_head/loss', 'roi_head/detections/img0')


def _records(phase='train', config=CONFIG, pictures=()):
    records = [TraceRecord('symbols', phase, 0, values=dict(N=2, A=3)),
               TraceRecord('config', phase, 0, values=dict(config))]
    records += [TraceRecord('tensor', phase, 0, stage=stage, name='x',
                            shape=[2], symbolic=['N'], expected=[2], ok=True)
                for stage in STAGES]
    if pictures:
        records.append(TraceRecord('pictures', phase, 0, values=dict(
            pictures=[dict(kind=k, file=f'{phase}_iter0.{k}.png')
                      for k in pictures])))
    records.append(TraceRecord('summary', phase, 0, values=dict(
        tensors=len(STAGES), mismatches=0, errors=[])))
    return records


def _note(report, stage):
    """The paragraph after a stage's heading."""
    part = report.split(f'### `{stage}`\n\n', 1)[1]
    return part.split('\n\n', 1)[0]


def test_notes_state_the_config_not_the_stock_values():
    report = render_report(_records(), 'en')
    c = CONFIG
    assert f"`{c['backbone']}` of depth {c['depth']}" in _note(
        report, 'backbone')
    forward = _note(report, 'rpn_head/forward/P2')
    assert 'softmax, so cls_out_channels = 2' in forward
    assert f"{c['rpn_feat_channels']} channels" in forward
    assert "upsampled (bilinear)" in _note(report, 'neck')
    targets = _note(report, 'rpn_head/targets/img0')
    assert f"at least {c['rpn_pos_iou_thr']}" in targets
    assert 'match_low_quality is False' in targets
    assert f"reaches {c['rpn_min_pos_iou']}" in targets
    rpn_pos = int(c['rpn_sampler_num'] * c['rpn_pos_fraction'])  # 32
    assert f"up to {c['rpn_sampler_num']} anchors" in targets
    assert f'at most {rpn_pos} of them positive' in targets
    proposals = _note(report, 'rpn_head/proposals/img0')
    assert f"nms_pre = {c['train_nms_pre']}" in proposals  # the train cfg
    assert f"max_per_img = {c['train_max_per_img']}" in proposals
    sampling = _note(report, 'roi_head/sampling/img0')
    roi_pos = int(c['rcnn_sampler_num'] * c['rcnn_pos_fraction'])  # 128
    assert f"at most {c['rcnn_sampler_num']} RoIs" in sampling
    assert f'at most {roi_pos} of them positive' in sampling
    assert 'add_gt_as_proposals = False' in sampling
    extractor = _note(report, 'roi_head/bbox_roi_extractor')
    assert '`RoIPool` to 14 x 14' in extractor
    assert 'finest_scale = 28' in extractor
    head = _note(report, 'roi_head/bbox_head')
    assert head.startswith('1 shared fully connected layers of 512')
    assert '4 class-agnostic deltas' in head and '4C' not in head
    assert 'class-agnostic' in _note(report, 'roi_head/loss')
    assert f"`{c['rcnn_loss_bbox']}`" in _note(report, 'roi_head/loss')
    detections = _note(report, 'roi_head/detections/img0')
    assert 'score_thr = 0.3' in detections and 'max_per_img = 50' in detections
    for stock in ('ResNet-50', '512 (a quarter', 'cls_out_channels = 1',
                  '7 x 7', 'nms_pre = 2000'):
        assert stock not in report


def test_test_path_quotes_the_test_cfg():
    proposals = _note(render_report(_records('test'), 'en'),
                      'rpn_head/proposals/img0')
    assert 'nms_pre = 700' in proposals and 'max_per_img = 200' in proposals
    assert 'IoU 0.65' in proposals


def test_chinese_report_states_the_same_values():
    report = render_report(_records(), 'zh')
    assert '深度为 101 的 `ResNet`' in _note(report, 'backbone')
    assert 'cls_out_channels = 2' in _note(report, 'rpn_head/forward/P2')
    sampling = _note(report, 'roi_head/sampling/img0')
    assert '最多 256 个 RoI' in sampling and '正样本最多 128 个' in sampling
    assert '## 各阶段' in report and '## Stages' not in report
    assert '| 张量 | 形状 | 符号形状 | 检查 | 计算位置 |' in report


def test_a_note_whose_value_is_missing_is_left_out():
    config = dict(CONFIG)
    del config['depth']
    report = render_report(_records(config=config), 'en')
    assert _note(report, 'backbone').startswith('| tensor |')
    assert '{depth}' not in report


@pytest.mark.parametrize('language, absent', [
    ('en', 'is not in this folder'), ('zh', '本目录中没有')])
def test_pictures_beside_the_report_or_named_absent(language, absent):
    records = _records(pictures=('proposals', 'input'))
    here = {'train_iter0.input.png'}
    report = render_report(records, language, present=here.__contains__)
    # in the order of the step, whatever the order of the record
    assert report.index('train_iter0.input.png') < report.index(
        'train_iter0.proposals.png')
    assert '](train_iter0.input.png)' in report
    assert '](train_iter0.proposals.png)' not in report
    assert absent in report


def test_report_matches_golden_file():
    """The stage report of a small hand-made step, byte for byte."""
    assert_matches_golden(goldens.REPORT, goldens.report_text())


def test_counts_are_named_in_the_page_language():
    from mmdet_frcnn_annotated.rendering.stage_report import stat_label
    assert stat_label('zh', 'sampled positives') == '采样得到的正样本数'
    assert stat_label('en', 'sampled positives') == 'sampled positives'
    assert stat_label('zh', '1 (background)') == '1（背景）'
    assert stat_label('zh', 'background (= C = 3)') == '背景（= C = 3）'
    # a name the texts do not know (a loss, a level) stays as recorded
    assert stat_label('zh', 'loss_cls') == 'loss_cls'
    assert stat_label('zh', 'P3') == 'P3'
