"""The explanations of the listing state the learner's config, not mmdet's
stock one: two real models whose configs change what the texts say (a
softmax RPN, class-agnostic regression, a 256-RoI sampler with fraction
0.5, ResNet-101; then GIoU loss on decoded boxes, OHEM, four shared convs
and one FC, a 5 x 5 RoIAlign, a weighted smooth-L1 RPN loss), each traced
through one train and one test step. Every value is taken from the config
here, and the stock value must not appear where the config differs."""
import os.path as osp
import re

import pytest
from conftest import far_from_stock, model_config, traced_small_steps
from mmcv import ConfigDict


def _giou_ohem(cfg):
    head = cfg.roi_head.bbox_head
    head.type = 'Shared4Conv1FCBBoxHead'
    head.roi_feat_size = 5
    head.reg_decoded_bbox = True
    head.loss_bbox = dict(type='GIoULoss', loss_weight=10.0)
    cfg.roi_head.bbox_roi_extractor.roi_layer.output_size = 5
    cfg.rpn_head.loss_bbox = dict(type='SmoothL1Loss', beta=1.0 / 9.0,
                                  loss_weight=2.0)
    cfg.train_cfg.rcnn.sampler = dict(type='OHEMSampler', num=384,
                                      pos_fraction=0.25, neg_pos_ub=-1,
                                      add_gt_as_proposals=True)
    cfg.train_cfg.rpn.allowed_border = 0
    cfg.test_cfg.rcnn.score_thr = 0.3
    return cfg


VARIANTS = {'softmax_r101': far_from_stock, 'giou_ohem': _giou_ohem}


def _explanations(page):
    """``{function name: its explanation}`` of a listing (the quoted lines
    under each function's heading)."""
    found = {}
    for part in re.split(r'\n(?=<a id="fn-\d+"></a>)', page):
        head = re.search(r'### \d+\. `([^`]+)`', part)
        if not head:
            continue
        quoted = [line[2:] for line in part.splitlines()
                  if line.startswith('> ')]
        found.setdefault(head.group(1), []).append(' '.join(quoted))
    return found


def _text(read, phase, language, name):
    """Every explanation of ``name`` (one per call path) together."""
    return ' | '.join(read[phase, language][name])


def _all(read):
    return ' | '.join(' | '.join(texts) for explanations in read.values()
                      for texts in explanations.values())


@pytest.fixture(scope='module', params=sorted(VARIANTS))
def run(request, tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp(request.param))
    cfg = ConfigDict(VARIANTS[request.param](
        model_config(True, num_classes=5, trace=dict(out_dir=out_dir))))
    traced_small_steps(cfg)
    read = {}
    for phase in ('train', 'test'):
        for language in ('en', 'zh'):
            name = f'{phase}_iter0.listing.{language}.md'
            with open(osp.join(out_dir, name), encoding='utf-8') as f:
                read[phase, language] = _explanations(f.read())
    return request.param, cfg, read


def test_every_placeholder_is_filled(run):
    _, _, read = run
    for (phase, language), explanations in read.items():
        for name, texts in explanations.items():
            for text in texts:
                assert not re.search(r'\{[a-z_]+\}', text), (
                    phase, language, name, text)


def _words(value):
    return re.compile(r'(?<![\w.])' + re.escape(str(value)) + r'(?![\w])')


def test_texts_state_the_config(run):
    variant, cfg, read = run
    rcnn = cfg.train_cfg.rcnn
    roi_pos = int(rcnn.sampler.num * rcnn.sampler.pos_fraction)
    for language in ('en', 'zh'):
        def text(name, phase='train'):
            return _text(read, phase, language, name)

        forward_train = text('StandardRoIHead.forward_train')
        for value in (rcnn.sampler.num, roi_pos, rcnn.sampler.type,
                      rcnn.assigner.pos_iou_thr, rcnn.assigner.neg_iou_thr):
            assert _words(value).search(forward_train), (language, value)
        # the sampler of each call path states its own num and fraction
        assert _words(rcnn.sampler.num).search(text('BaseSampler.sample'))
        assert _words(cfg.train_cfg.rpn.sampler.num).search(
            text('BaseSampler.sample'))
        head = cfg.roi_head.bbox_head
        loss = text('BBoxHead.loss')
        for value in (head.loss_cls.type, head.loss_bbox.type,
                      float(head.loss_bbox.loss_weight),
                      head.reg_class_agnostic):
            assert _words(value).search(loss), (language, value)
        rpn = cfg.rpn_head
        for value in (rpn.loss_cls.type, rpn.loss_bbox.type,
                      float(rpn.loss_bbox.loss_weight)):
            assert _words(value).search(text('AnchorHead.loss_single')), (
                language, value)
        assert _words(rpn.feat_channels).search(
            text('RPNHead.forward_single'))
        channels = 1 if rpn.loss_cls.get('use_sigmoid') else 2
        assert f'3 x {channels}' in text('RPNHead.forward_single') or \
            f'3×{channels}' in text('RPNHead.forward_single'), language
        assert _words(cfg.backbone.depth).search(
            text('AnnotatedFasterRCNN.extract_feat'))
        size = cfg.roi_head.bbox_roi_extractor.roi_layer.output_size
        assert f'{size}, {size})' in text('SingleRoIExtractor.forward')
        assert head.type in text('ConvFCBBoxHead.forward')
        score_thr = cfg.test_cfg.rcnn.score_thr
        assert _words(score_thr).search(text('multiclass_nms', 'test'))
        assert _words(score_thr).search(
            text('BBoxTestMixin.simple_test_bboxes', 'test'))
        assert _words(cfg.train_cfg.rpn.allowed_border).search(
            text('AnchorHead._get_targets_single'))


# Values of mmdet's stock Faster R-CNN config, each with what the variant
# sets instead: none may be stated.
STOCK = {
    'softmax_r101': ['512', '0.25', 'ResNet-50', 'depth 50', '(50)',
                     'cls_out_channels` is 1'],
    'giou_ohem': ['512', 'Shared2FCBBoxHead', '7 x 7', '7, 7)', '[7, 7]',
                  'RandomSampler) keeps at most 384', '0.05'],
}


def test_no_stock_value_where_the_config_differs(run):
    variant, _, read = run
    everything = _all(read)
    for stock in STOCK[variant]:
        assert stock not in everything, stock
